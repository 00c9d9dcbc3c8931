import type { DuckDbStore } from '../../src/engine/duckdb/database.js';
import type { Row, SqlEngine, SqlParams } from '../../src/engine/sql-engine.js';

/**
 * Runs `work` on a reader of a store whose writing connection a running server's write queue holds:
 * a connection beside it, which sees what was committed (every acknowledged write).
 */
export async function withReader<T>(store: DuckDbStore, work: (reader: SqlEngine) => Promise<T>): Promise<T> {
  const reader = await store.reader();
  try {
    return await work(reader);
  } finally {
    await reader.close();
  }
}

/** One statement's rows, read beside the server's write queue (`withReader`). */
export function readBeside<T = Row>(store: DuckDbStore, sql: string, params?: SqlParams): Promise<T[]> {
  return withReader(store, (reader) => reader.all<T>(sql, params));
}
