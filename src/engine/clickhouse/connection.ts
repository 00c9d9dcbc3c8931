import type { Row } from '../sql-engine.js';

/** Query parameters: scalars, and arrays for `{name:Array(String)}`. */
export type ClickHouseParams = Record<string, unknown>;

/** How long a query may run: aborted by `signal`, and stopped by the server after `maxExecutionSeconds`. */
export interface QueryLimits {
  signal?: AbortSignal;
  maxExecutionSeconds?: number;
}

/**
 * One way of reaching ClickHouse: a server over HTTP (`@clickhouse/client`) or the embedded engine
 * (`chdb`). Both speak the same SQL; the store above them does not know which it has.
 */
export interface ClickHouseConnection {
  /** For messages: the URL (without credentials) or the local path. */
  readonly description: string;
  /** Runs a SELECT with bound `{name:Type}` parameters; returns the rows as plain JS values. */
  query(sql: string, params?: ClickHouseParams, limits?: QueryLimits): Promise<Row[]>;
  /** Runs a statement that returns nothing (DDL, INSERT … SELECT). */
  command(sql: string, params?: ClickHouseParams): Promise<void>;
  /** Inserts rows (objects keyed by column) into a table, as one insert. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Settings every truenorth session uses, on the server and in chdb alike:
 * - `join_use_nulls`: an outer or ASOF join that finds nothing yields NULL (as in DuckDB), not 0 or ''.
 * - `cast_keep_nullable`: CAST of a nullable value stays nullable instead of failing on NULL.
 * - 64-bit integers and non-finite floats come back as JSON numbers / strings we can decode.
 * - imports of historical files may touch many monthly partitions in one block.
 * - a bare UNION means UNION DISTINCT, as in standard SQL and DuckDB.
 * (`cast_keep_nullable` also changes nothing for non-null values.)
 */
export const SESSION_SETTINGS: Record<string, number | string> = {
  join_use_nulls: 1,
  cast_keep_nullable: 1,
  output_format_json_quote_64bit_integers: 0,
  output_format_json_quote_denormals: 1,
  max_partitions_per_insert_block: 0,
  union_default_mode: 'DISTINCT',
};

/** A UTC instant as ClickHouse's DateTime64(3) text: '2026-11-22 10:00:00.123'. */
export function chTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** The output format `decodeRows` reads: a header of names, a header of types, then rows. */
export const RESULT_FORMAT = 'JSONCompactEachRowWithNamesAndTypes';

/**
 * Decodes `JSONCompactEachRowWithNamesAndTypes` text into rows shaped like DuckDB's: 64-bit
 * integers and decimals as numbers, DateTime64 as Date, nan/inf as numbers, NULL as null.
 */
export function decodeRows(text: string): Row[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length < 2) return [];
  const names = columnNames(JSON.parse(lines[0]) as string[]);
  const types = (JSON.parse(lines[1]) as string[]).map(decoderFor);
  const rows: Row[] = [];
  for (let i = 2; i < lines.length; i++) {
    const values = JSON.parse(lines[i]) as unknown[];
    const row: Row = {};
    for (let j = 0; j < names.length; j++) row[names[j]] = values[j] === null ? null : types[j](values[j]);
    rows.push(row);
  }
  return rows;
}

/**
 * DuckDB (like PostgreSQL) names a selected `r.actor_id` `actor_id`; ClickHouse keeps the table
 * qualifier when another joined table has a column of that name. Reports read rows by the short
 * name, so a qualified name is shortened when no other result column already has that name.
 */
function columnNames(names: string[]): string[] {
  const taken = new Set(names);
  return names.map((name) => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name);
    if (!m || taken.has(m[1])) return name;
    taken.add(m[1]);
    return m[1];
  });
}

type Decoder = (value: unknown) => unknown;

function decoderFor(type: string): Decoder {
  const inner = unwrap(type);
  if (/^(U?Int(8|16|32|64|128|256)|Float(32|64)|Decimal)/.test(inner)) return toNumber;
  if (/^DateTime64|^DateTime\b/.test(inner)) return toDate;
  if (/^Array\((.*)\)$/.test(inner)) {
    const element = decoderFor(/^Array\((.*)\)$/.exec(inner)![1]);
    return (v) => (v as unknown[]).map((x) => (x === null ? null : element(x)));
  }
  return (v) => v;
}

function unwrap(type: string): string {
  let t = type;
  for (let m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t); m; m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t)) t = m[1];
  return t;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'nan' || v === '-nan') return NaN;
    if (v === 'inf' || v === '+inf') return Infinity;
    if (v === '-inf') return -Infinity;
    return Number(v);
  }
  return Number(v);
}

/** ClickHouse prints DateTime64 in the column's zone; ours are all UTC ('2026-11-22 10:00:00.000'). */
function toDate(v: unknown): Date {
  if (typeof v === 'number') return new Date(v * 1000);
  const text = String(v);
  return new Date(`${text.replace(' ', 'T')}Z`);
}
