/** What the query and report layers need from a database, whichever engine it is. */
export type SqlValue = string | number | boolean | null;
export type SqlParams = Record<string, SqlValue>;
export type Row = Record<string, unknown>;

export type Dialect = 'duckdb' | 'clickhouse';

export interface SqlEngine {
  readonly dialect: Dialect;
  /** Runs a read query; parameters are bound, never spliced. BIGINTs come back as numbers. */
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  close(): Promise<void>;
}
