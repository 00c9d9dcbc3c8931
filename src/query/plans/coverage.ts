import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';

/**
 * Rows: `event`, `n`, `first_ms`: for each of the named events that has rows, how many and the
 * first instant (epoch ms). A name without rows has no row. One grouped pass over the events.
 */
export function compileEventFirstSeen(ctx: QueryContext, events: readonly string[], rows?: RowSpan): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const names = events.length ? events.map((e) => b.params.bind(e)).join(', ') : 'NULL';
  const sql = `SELECT e.event AS event, count(*) AS n, ${b.ms('min(e.ts)')} AS first_ms
    FROM events e WHERE e.event IN (${names})${rowSpan(b, rows)} GROUP BY e.event ORDER BY e.event`;
  return { sql, params: b.params.values };
}

/** One row: `n` events in the store, the first and the last instant (`first_ms`, `last_ms`, meaningless when `n` is 0). */
export function compileStoreFirstSeen(ctx: QueryContext, rows?: RowSpan): CompiledQuery {
  const b = new StatementBuilder(ctx);
  return { sql: `SELECT count(*) AS n, ${b.ms('min(e.ts)')} AS first_ms, ${b.ms('max(e.ts)')} AS last_ms FROM events e WHERE TRUE${rowSpan(b, rows)}`, params: b.params.values };
}

/** Stored events by row number, [from, to) (DuckDB: `events` is append only, so row numbers follow the order stored). */
export interface RowSpan {
  from: number;
  to: number;
}

/** ` AND` the stored rows of the span (events aliased `e`), or nothing without one. */
export function rowSpan(b: StatementBuilder, rows: RowSpan | undefined): string {
  return rows ? ` AND e.rowid >= ${b.params.bind(rows.from, 'integer')} AND e.rowid < ${b.params.bind(rows.to, 'integer')}` : '';
}

