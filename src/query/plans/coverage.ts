import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';

/**
 * Rows: `event`, `n`, `first_ms`, `last_ms`: for each event name stored, how many rows and the first
 * and last instant (epoch ms). One grouped pass over the events (or over a span of their rows).
 */
export function compileEventSpans(ctx: QueryContext, rows?: RowSpan): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const sql = `SELECT e.event AS event, count(*) AS n, ${b.ms('min(e.ts)')} AS first_ms, ${b.ms('max(e.ts)')} AS last_ms
    FROM events e WHERE TRUE${rowSpan(b, rows)} GROUP BY e.event ORDER BY e.event`;
  return { sql, params: b.params.values };
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

