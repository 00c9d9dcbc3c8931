import type { SqlParams, SqlValue } from './sql.js';
import type { Frequency, WeekStart } from '../model/metrics.js';

export type ParamType = 'string' | 'number' | 'integer' | 'timestamp';

/**
 * The SQL fragments that differ between engines. The plan emitters compose the statement skeleton
 * (WITH/SELECT/JOIN/GROUP BY), which both engines share, from these fragments; one implementation
 * per dialect, in the spirit of Kysely's dialect adapters. No fragment ever splices caller text: values
 * go through `Params.bind`.
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'clickhouse';
  /** A bound parameter placeholder. */
  placeholder(name: string, type: ParamType): string;
  /** Text of a top-level JSON property, NULL when absent (numbers and booleans as their JSON text). */
  jsonText(column: string, key: string, params: Params): string;
  /** Numeric value of a top-level JSON property, NULL when absent or not numeric. */
  toNumber(textExpr: string): string;
  /** The UTC `ts` column as local wall-clock time in the timezone placeholder. */
  localTime(column: string, tzPlaceholder: string): string;
  /** Start of the period containing a local time, as a 'YYYY-MM-DD' string (= formatDay(periodTrunc(…))). */
  periodStart(localExpr: string, frequency: Frequency, weekStart: WeekStart): string;
  /** Start of the period containing a local time, as a date or timestamp: cheaper to group by than its text. */
  periodTrunc(localExpr: string, frequency: Frequency, weekStart: WeekStart): string;
  /** A `periodTrunc` value as 'YYYY-MM-DD'. */
  formatDay(expr: string): string;
  /** A whole number that increases by one per period (for cohort offsets). */
  periodIndex(localExpr: string, frequency: 'week' | 'month', weekStart: WeekStart): string;
  /** Milliseconds since epoch of a UTC timestamp expression, as an integer. */
  epochMs(expr: string): string;
  /** `haystack` contains `needle` as a substring. */
  contains(haystack: string, needle: string): string;
  /** Trailing clause for queries that use outer or ASOF joins (ClickHouse needs NULLs for misses). */
  joinSettings(): string;
  /** A UTC timestamp from an epoch-milliseconds integer placeholder. */
  timestampFromMs(placeholder: string): string;
  /** Integer division that floors toward −∞ for integer expressions. */
  intDiv(a: string, b: string): string;
  /**
   * The `actor_events` relation without its `account_id` column: the events with their actor, one
   * join fewer than the view (which also joins `users` for the account). Plans that never read the
   * account use it; an engine cannot drop the view's unused outer join by itself.
   */
  actorEventsWithoutAccount(): string;
  /** Aggregate: the values of `value` over the group's rows where `cond` holds, as an ascending list. */
  orderedList(value: string, cond: string): string;
  /**
   * The n-th (1-based) element of an ascending list of integers, counting only elements in
   * [lo, hi] when a range is given; NULL when there is no such element or `lo` is NULL.
   */
  nthInRange(list: string, n: string, range?: { lo: string; hi: string }): string;
  /**
   * `SELECT <keep>, <alias>… FROM <from>` with one output row per array position: equal-length
   * arrays of expressions, zipped (DuckDB `unnest`, ClickHouse `ARRAY JOIN`).
   */
  unnestRows(from: string, keep: string[], arrays: { alias: string; items: string[] }[]): string;
  /**
   * Aggregate, when the engine has one: the furthest step of an ordered funnel (0 when step 1 never
   * holds), in ClickHouse `windowFunnel`'s default mode — the same level as the greedy chains of the
   * funnel plan (`test/conformance/` checks it). `conditions` are 0/1 integers.
   */
  windowFunnel?(windowMs: string, timestampMs: string, conditions: string[]): string;
  /** Select item: one output row per top-level key of a JSON object column (the event catalogue). */
  jsonKeyRows(column: string): string;
  /** The low 32 bits of the MD5 of an event's id (`alias.id`): a deterministic sample key, the same on every engine. */
  idHash(alias: string): string;
  /** Aggregate: the distinct values of a text expression, as a sorted list. */
  sortedDistinct(expr: string): string;
  /** Aggregate: an approximate count of distinct values (HyperLogLog; each engine's own estimate). */
  approxDistinct(expr: string): string;
  /** A relation of every stored event name (`event`): DuckDB keeps them in its catalogue summary. */
  storedEventNames(): string;
}

/** Collects bound parameters for one statement. */
export class Params {
  readonly values: SqlParams = {};
  private counter = 0;
  constructor(private readonly dialect: SqlDialect) {}

  bind(value: SqlValue, type: ParamType = typeof value === 'number' ? 'number' : 'string'): string {
    const name = `p${this.counter++}`;
    this.values[name] = value;
    return this.dialect.placeholder(name, type);
  }

  /** A UTC instant (epoch ms) as a timestamp expression. */
  instant(ms: number): string {
    return this.dialect.timestampFromMs(this.bind(ms, 'integer'));
  }
}

export interface CompiledQuery {
  sql: string;
  params: SqlParams;
}
