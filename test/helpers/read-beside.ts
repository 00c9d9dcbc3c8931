import type { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { onReader, type Row, type SqlParams } from '../../src/engine/sql-engine.js';

/**
 * One statement's rows, read on a reader of a store whose writing connection a running server's
 * write queue holds: a connection beside it, which sees what was committed (every acknowledged write).
 */
export function readBeside<T = Row>(store: DuckDbStore, sql: string, params?: SqlParams): Promise<T[]> {
  return onReader(store, (reader) => reader.all<T>(sql, params));
}
