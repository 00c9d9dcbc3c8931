/**
 * What a bench phase is asked (passed as JSON to the child process) and what it answers,
 * and the two things every phase does: start from a fresh store path and time itself.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Agreement } from './answers.js';
import type { ReportName } from './entries.js';

export type Engine = 'duckdb' | 'clickhouse';
export type Format = 'ndjson' | 'parquet';

export type PhaseSpec =
  | { kind: 'import'; engine: Engine; format: Format; file: string; db: string; subscriptions?: string; manual?: string }
  | { kind: 'import-baseline'; engine: Engine; format: Format; file: string; db: string }
  | { kind: 'http'; events: number; batch: number; concurrency: number; dir: string }
  | { kind: 'http-baseline'; events: number; batch: number; concurrency: number; dir: string }
  | { kind: 'reports'; engine: Engine; db: string; config: string; runs: number; reports: ReportName[] }
  | { kind: 'tile'; source: string; db: string; copies: number };

export interface ImportResult {
  seconds: number;
  rows: number;
  rows_per_second: number;
  /** Only for truenorth: messages rejected (should be 0) and duplicates. */
  rejected?: number;
}

export interface HttpResult {
  seconds: number;
  events: number;
  events_per_second: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  retried: number;
  stored?: number;
}

export interface ReportTiming {
  report: ReportName;
  /** The first run after opening the database (caches cold), ms. */
  truenorth_first_ms: number;
  truenorth_ms: number[];
  /** Repeated runs answered from the query cache (unchanged data), as in the server; empty on ClickHouse. */
  truenorth_cached_ms: number[];
  baseline_first_ms: number | null;
  baseline_ms: number[];
  agreement: Agreement | null;
  error?: string;
}

export type PhaseResult =
  | ({ kind: 'import' | 'import-baseline' } & ImportResult & { max_rss_mb: number })
  | ({ kind: 'http' | 'http-baseline' } & HttpResult & { max_rss_mb: number })
  | { kind: 'reports'; reports: ReportTiming[]; baseline_note: string | null; max_rss_mb: number }
  | { kind: 'tile'; seconds: number; events: number; max_rss_mb: number };

export const RESULT_MARK = '@@bench-result ';

/** Removes a store (and its WAL) left by an earlier run and makes its directory. */
export function fresh(path: string): void {
  rmSync(path, { recursive: true, force: true });
  rmSync(`${path}.wal`, { force: true });
  mkdirSync(dirname(path), { recursive: true });
}

export const seconds = (start: number) => (performance.now() - start) / 1000;
