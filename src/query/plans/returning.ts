import type { EventSelector, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';

/**
 * Week-over-week returning actors: rows `p` (week index), `active` (actors doing the event that
 * week), `returning` (of them, those who also did it the week before).
 */
export function compileWeeklyReturning(ctx: QueryContext, selector: EventSelector, range: TimeRange): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const week = b.d.periodIndex(b.local('e.ts'), 'week', ctx.time.weekStart);
  const sql = `WITH active AS (
      SELECT DISTINCT e.actor_id, ${week} AS p FROM ${b.actorEvents()} e WHERE ${b.selector(selector)} AND ${b.range(range)})
    SELECT a.p AS p, count(*) AS active, count(prev.actor_id) AS returning
    FROM active a LEFT JOIN active prev ON prev.actor_id = a.actor_id AND prev.p = a.p - 1
    GROUP BY a.p ORDER BY a.p${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}
