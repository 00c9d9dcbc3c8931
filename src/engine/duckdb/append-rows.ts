import type { DuckDBAppender, DuckDBTimestampValue } from '@duckdb/node-api';
import { duckDbDriver } from './driver.js';
import type { DuckDbStore } from './database.js';

/** Appends rows to a table of the store's writing connection (`temp`: a temporary table), in one flush. */
export async function appendRows<T>(
  store: DuckDbStore, table: string, schema: 'main' | 'temp', rows: readonly T[], write: (a: DuckDBAppender, row: T) => void,
): Promise<void> {
  const appender = await store.connection.createAppender(table, 'main', schema === 'temp' ? 'temp' : undefined);
  try {
    for (const row of rows) {
      write(appender, row);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** A UTC instant (epoch ms) as an appender's timestamp value. */
export function timestampValue(ms: number): DuckDBTimestampValue {
  return new (duckDbDriver().DuckDBTimestampValue)(BigInt(ms) * 1000n);
}

/** A text value, or NULL. */
export function appendNullable(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
}
