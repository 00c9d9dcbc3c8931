/**
 * What a bench run records: the figures of each phase (medians with min and max, ratios to the
 * baselines), the machine and its load, and the targets checked. Written as JSON per run.
 */
import type { Engine, Format, ReportTiming } from './phase-protocol.js';
import type { ReportName } from './entries.js';

/** Bumped when the layout of the results file changes. */
export const RESULTS_SCHEMA = 1;

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export interface ImportFigure {
  engine: Engine;
  format: Format;
  rows: number;
  truenorth: Stats;
  baseline: Stats | null;
  /** baseline rate ÷ truenorth rate: how many times longer truenorth takes (> 1 = slower than the baseline). */
  ratio: number | null;
  max_rss_mb: number;
  baseline_max_rss_mb: number | null;
}

export interface HttpFigure {
  batch: number;
  concurrency: number;
  events: number;
  events_per_second: Stats;
  p50_ms: Stats;
  p99_ms: Stats;
  baseline: { events_per_second: Stats; p50_ms: Stats; p99_ms: Stats } | null;
  ratio: number | null;
  max_rss_mb: number;
}

export interface ReportFigure {
  engine: Engine;
  report: ReportName;
  truenorth_ms: Stats;
  truenorth_first_ms: number;
  /** Repeated on unchanged data through the query cache (DuckDB), as the server answers it; null on ClickHouse. */
  truenorth_cached_ms: Stats | null;
  baseline_ms: Stats | null;
  baseline_first_ms: number | null;
  /** truenorth median ÷ baseline median. */
  ratio: number | null;
  agree: boolean | null;
  differences: string[];
  error?: string;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export interface BenchResults {
  schema: number;
  started_at: string;
  finished_at: string;
  scale: string;
  machine: { cpus: number; cpu_model: string; memory_gb: number; platform: string; node: string };
  load_average: { start: number[]; end: number[]; max_1min_seen: number };
  data: {
    events: number; signups: number; ndjson_bytes: number; parquet_rows: number; parquet_bytes: number; generated_seconds: number; cached: boolean;
    /** Set when the reports ran on copies of a smaller store: its scale, the copies, and the seconds copying took. */
    tiled?: { from_scale: string; copies: number; seconds: number | null };
  };
  settings: { engines: Engine[]; runs: number; import_runs: number; http_runs: number; http_events: number; http_batch: number; http_concurrency: number };
  import: ImportFigure[];
  http: HttpFigure | null;
  reports: ReportFigure[];
  reports_max_rss_mb: Partial<Record<Engine, number>>;
  targets: TargetCheck[];
  notes: string[];
}

/** Median, min and max of the runs, to 0.1. */
export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), runs: values.map(round) };
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

export function reportFigure(engine: Engine, t: ReportTiming): ReportFigure {
  const tn = stats(t.truenorth_ms);
  const base = t.baseline_ms.length ? stats(t.baseline_ms) : null;
  return {
    engine, report: t.report, truenorth_ms: tn, truenorth_first_ms: Math.round(t.truenorth_first_ms),
    truenorth_cached_ms: t.truenorth_cached_ms?.length ? stats(t.truenorth_cached_ms) : null,
    baseline_ms: base, baseline_first_ms: t.baseline_first_ms === null ? null : Math.round(t.baseline_first_ms),
    ratio: base && base.median > 0 ? round2(tn.median / base.median) : null,
    agree: t.agreement ? t.agreement.agree : null,
    differences: t.agreement?.differences ?? [],
    ...(t.error ? { error: t.error } : {}),
  };
}

export function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export /** The performance targets (docs/performance.md), checked against this run (the event-count ones only at their scale). */
function checkTargets(r: BenchResults, events: number): TargetCheck[] {
  const out: TargetCheck[] = [];
  const at = (n: number) => events >= n * 0.9;
  const scorecard = r.reports.find((x) => x.engine === 'duckdb' && x.report === 'scorecard');
  if (scorecard) {
    const limit = at(1e8) ? 10_000 : 1_000;
    const label = at(1e8) ? '100 M events: full scorecard ≤ 10 s (DuckDB)' : '10 M events: full scorecard ≤ 1 s (DuckDB)';
    out.push({
      target: label, measured: fmtMs(scorecard.truenorth_ms.median),
      met: at(1e7) ? scorecard.truenorth_ms.median <= limit : null,
      ...(at(1e7) ? {} : { note: `checked at 10 M events; this run has ${(events / 1e6).toFixed(1)} M` }),
    });
    if (scorecard.truenorth_cached_ms) {
      out.push({
        target: `${label}, repeated on unchanged data (query cache)`, measured: fmtMs(scorecard.truenorth_cached_ms.median),
        met: at(1e7) ? scorecard.truenorth_cached_ms.median <= limit : null,
        ...(at(1e7) ? {} : { note: 'checked at 10 M events' }),
      });
    }
  }
  for (const f of r.reports) {
    if (f.ratio === null) continue;
    out.push({ target: `${f.report} ≤ 1.3× the hand-written baseline (${f.engine})`, measured: `${f.ratio}×`, met: f.ratio <= 1.3 });
  }
  if (at(1e8)) {
    const rss = Math.max(0, ...Object.values(r.reports_max_rss_mb), ...r.import.map((i) => i.max_rss_mb));
    out.push({ target: '100 M events: peak RSS ≤ 4 GB', measured: `${(rss / 1024).toFixed(2)} GB`, met: rss <= 4096 });
  }
  for (const i of r.import) {
    const limit = i.format === 'parquet' ? 1_000_000 : 300_000;
    out.push({
      target: `bulk import ${i.format === 'parquet' ? 'Parquet ≥ 1 M' : 'NDJSON ≥ 300 k'} events/s (${i.engine})`,
      measured: `${Math.round(i.truenorth.median).toLocaleString('en-US')}/s`, met: i.truenorth.median >= limit,
    });
  }
  if (r.http) {
    out.push({ target: `HTTP ingestion, durable acks, batch ${r.http.batch}: ≥ 100 k events/s`, measured: `${Math.round(r.http.events_per_second.median).toLocaleString('en-US')}/s`, met: r.http.events_per_second.median >= 100_000 });
    out.push({ target: `HTTP ingestion, batch ${r.http.batch}: p99 ≤ 50 ms`, measured: `${r.http.p99_ms.median} ms`, met: r.http.p99_ms.median <= 50 });
  }
  return out;
}

