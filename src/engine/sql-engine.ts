/** What the query and report layers need from a database, whichever engine it is. */
import type { SqlParams } from '../query/sql.js';

export type { SqlParams, SqlValue } from '../query/sql.js';
export type Row = Record<string, unknown>;

export const DIALECTS = ['duckdb', 'clickhouse'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** The dialect a server names (its /ready `engine`); a server too old to name one speaks DuckDB. */
export function parseDialect(name: unknown): Dialect {
  return DIALECTS.find((d) => d === name) ?? 'duckdb';
}

export interface SqlEngine {
  readonly dialect: Dialect;
  /** Runs a read query; parameters are bound, never spliced. BIGINTs come back as numbers. */
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  close(): Promise<void>;
  /** Cancels the query running now, where the engine can (a report past its time limit). */
  interrupt?(): void;
  /**
   * Changes after every committed write this process makes, read before a query starts: a result
   * computed under one value holds for as long as the value stays the same. Undefined when the data
   * can change elsewhere (a ClickHouse server), where results are never reused.
   */
  readonly dataVersion?: number;
  /**
   * With a data version: the version at which a table this statement reads last changed, so its
   * result outlives writes to other tables. Without it, any write changes every result.
   */
  versionOf?(sql: string): number;
}

/** Runs `work` on a reader of `source` (a store, a store port), closing the reader after. */
export async function onReader<T>(source: { reader(): Promise<SqlEngine> }, work: (engine: SqlEngine) => Promise<T>): Promise<T> {
  const engine = await source.reader();
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}

/** The version a result of this statement is reused under (undefined: never reused). */
export function resultVersion(engine: SqlEngine, sql: string): number | undefined {
  if (engine.dataVersion === undefined) return undefined;
  return engine.versionOf ? engine.versionOf(sql) : engine.dataVersion;
}
