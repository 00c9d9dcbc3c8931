import type { RetentionDefinition, Segment, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, withClause, type QueryContext } from '../context.js';

export interface RetentionQuery {
  definition: RetentionDefinition;
  /** Cohorts whose first cohort event falls in this range. */
  range: TimeRange;
  segment: Segment;
}

/**
 * Rows: `cohort` ('YYYY-MM-DD' period start), `cohort_index`, `offset` (k), `actors`.
 * A row with offset -1 carries the cohort size. "on" mode: actors active in period cohort + k.
 * "on or after" mode: actors whose last active period is cohort + k (the report accumulates).
 */
export function compileRetention(ctx: QueryContext, q: RetentionQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ctes = retentionCtes(b, q);
  const sql = `${withClause(b, ctes, q.segment)}
    SELECT cohort, cohort_index, k AS "offset", actors FROM (
      SELECT cohort, c AS cohort_index, -1 AS k, count(*) AS actors FROM cohorts GROUP BY cohort, c
      UNION ALL
      SELECT cohort, cohort_index, k, count(*) AS actors FROM retained GROUP BY cohort, cohort_index, k
    ) r ORDER BY cohort, "offset"`;
  return { sql, params: b.params.values };
}

/**
 * The CTEs the retention triangle counts and the people lists list: `cohorts` (actor_id, `cohort`
 * 'YYYY-MM-DD', `c` its period index), `activity` (actor_id, `p` a period index with activity) and
 * `retained` (actor_id, cohort, cohort_index, `k`): in "on" mode one row per period k the actor was
 * active in, in "on or after" mode one row with the last such period.
 */
export function retentionCtes(b: StatementBuilder, q: RetentionQuery): string[] {
  const { period } = q.definition;
  const ws = b.ctx.time.weekStart;
  const idx = (column: string) => b.d.periodIndex(b.local(column), period, ws);
  const start = (column: string) => b.d.periodStart(b.local(column), period, ws);
  return [
    `first_seen AS (SELECT e.actor_id, min(e.ts) AS t0 FROM ${b.actorEvents()} e
       WHERE ${b.selector(q.definition.cohortSelector)} AND ${b.segment(q.segment)} GROUP BY e.actor_id)`,
    `cohorts AS (SELECT actor_id, ${start('t0')} AS cohort, ${idx('t0')} AS c FROM first_seen
       WHERE t0 >= ${b.params.instant(q.range.from)} AND t0 < ${b.params.instant(q.range.to)})`,
    `activity AS (SELECT DISTINCT e.actor_id, ${idx('e.ts')} AS p FROM ${b.actorEvents()} e
       WHERE ${b.selector(q.definition.activitySelector)} AND e.ts >= ${b.params.instant(q.range.from)}
         AND e.actor_id IN (SELECT actor_id FROM cohorts))`,
    q.definition.mode === 'on'
      ? `retained AS (SELECT c.actor_id, c.cohort, c.c AS cohort_index, a.p - c.c AS k
         FROM cohorts c JOIN activity a ON a.actor_id = c.actor_id WHERE a.p >= c.c)`
      : `retained AS (SELECT c.actor_id, c.cohort, c.c AS cohort_index, max(a.p) - c.c AS k
         FROM cohorts c JOIN activity a ON a.actor_id = c.actor_id WHERE a.p >= c.c
         GROUP BY c.actor_id, c.cohort, c.c)`,
  ];
}
