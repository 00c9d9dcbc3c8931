import { TruenorthError } from '../errors.js';
import type { Row, SqlEngine, SqlParams } from '../engine/sql-engine.js';

/**
 * Record and replay of report queries, so a CLI report sent through a running server prints exactly
 * what it prints on a local file: the server runs the report and records each query's rows; the CLI
 * runs its own report code against those recorded rows. Values JSON cannot carry (dates, non-finite
 * numbers, bigints) are tagged on the way and restored on the other side.
 */
export interface RecordedQuery {
  sql: string;
  params: SqlParams | null;
  rows: unknown[];
}

const TAG = '$tn';

export function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return { [TAG]: 'date', v: value.getTime() };
  if (typeof value === 'bigint') return { [TAG]: 'bigint', v: value.toString() };
  if (typeof value === 'number' && !Number.isFinite(value)) return { [TAG]: 'number', v: String(value) };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeValue(v);
    return out;
  }
  return value;
}

export function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const tag = record[TAG];
    if (typeof tag === 'string' && Object.keys(record).length === 2 && 'v' in record) {
      if (tag === 'date') return new Date(record.v as number);
      if (tag === 'bigint') return BigInt(record.v as string);
      if (tag === 'number') return Number(record.v);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) out[k] = decodeValue(v);
    return out;
  }
  return value;
}

function queryKey(sql: string, params: SqlParams | null | undefined): string {
  const sorted = params ? Object.keys(params).sort().map((k) => [k, params[k]]) : [];
  return `${sql}\u0000${JSON.stringify(sorted)}`;
}

/** Runs queries on `inner` and keeps their rows. */
export class RecordingEngine implements SqlEngine {
  readonly dialect: SqlEngine['dialect'];
  readonly queries: RecordedQuery[] = [];
  constructor(private readonly inner: SqlEngine) {
    this.dialect = inner.dialect;
  }

  async all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const rows = (await this.inner.all(sql, params)) as unknown as T[];
    this.queries.push({ sql, params: params ?? null, rows: rows.map(encodeValue) });
    return rows;
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** Answers queries from a recording; a query that was not recorded is an error naming the likely cause. */
export class ReplayEngine implements SqlEngine {
  private readonly byKey = new Map<string, unknown[]>();
  constructor(readonly dialect: SqlEngine['dialect'], queries: RecordedQuery[], private readonly where: string) {
    for (const q of queries) this.byKey.set(queryKey(q.sql, q.params), q.rows);
  }

  async all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const rows = this.byKey.get(queryKey(sql, params));
    if (!rows) {
      throw new TruenorthError('conflict', `the server at ${this.where} answered a different question: it was started with another truenorth.yaml or truenorth version; restart \`truenorth serve\` or stop it to read the file directly`);
    }
    return rows.map(decodeValue) as T[];
  }

  async close(): Promise<void> {}
}
