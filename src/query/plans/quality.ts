import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';

/**
 * The data-quality counters summed per (kind, reason, source): all time, and over the UTC days
 * from `fromMs`'s day to `toMs`'s day inclusive. One aggregate over the small counter table.
 */
export function compileQualityCounts(ctx: QueryContext, fromMs: number, toMs: number): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const day = (ms: number) => `CAST(${b.params.instant(ms)} AS DATE)`;
  const sql = `SELECT kind, reason, source, CAST(sum(count) AS BIGINT) AS all_time,
      CAST(sum(CASE WHEN day >= ${day(fromMs)} AND day <= ${day(toMs)} THEN count ELSE 0 END) AS BIGINT) AS last_7_days
    FROM quality_counts GROUP BY kind, reason, source`;
  return { sql, params: b.params.values };
}
