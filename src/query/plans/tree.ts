import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';

/**
 * Rows: `period` (the name it was entered under, `2026-W47`), `value`: the current hand-entered
 * value of one metric per period, i.e. its latest entry (entries are append only).
 */
export function compileManualSeries(ctx: QueryContext, metric: string): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const sql = `SELECT period, value FROM (
      SELECT m.period, m.value, row_number() OVER (PARTITION BY m.period ORDER BY m.entered_at DESC) AS rn
      FROM manual_values m WHERE m.metric = ${b.params.bind(metric)}
    ) latest WHERE rn = 1 ORDER BY period`;
  return { sql, params: b.params.values };
}
