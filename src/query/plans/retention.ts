import type { RetentionDefinition, Segment, StageDefinition, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, withClause, type QueryContext } from '../context.js';
import { liveReachSql, type LiveState } from './live.js';

export interface RetentionQuery {
  definition: RetentionDefinition;
  /** Cohorts whose first cohort event falls in this range. */
  range: TimeRange;
  segment: Segment;
  /**
   * "On" mode only: count the activity of these whole periods alone, each row naming in `period` the
   * first day of the period it depends on (its activity period, or for a cohort's size the cohort's).
   * A row of period p depends only on the events stored before p ends, which is what lets a
   * per-period cache keep the closed periods (src/reports/period-cache.ts).
   */
  activity?: TimeRange;
  /**
   * Each actor's first cohort event from the live first-reach state (plans/live.ts; DuckDB, segment
   * `all`, the state of the cohort selector's first event built) instead of every cohort event.
   */
  live?: LiveState;
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
    SELECT ${q.activity ? 'period, ' : ''}cohort, cohort_index, k AS "offset", actors FROM (
      ${sizes(b, q)}
      UNION ALL
      ${q.activity
        ? `SELECT ${b.d.periodStart(b.local('min(t)'), q.definition.period, b.ctx.time.weekStart)} AS period,
          cohort, cohort_index, k, count(*) AS actors FROM retained GROUP BY cohort, cohort_index, k`
        : 'SELECT cohort, cohort_index, k, count(*) AS actors FROM retained GROUP BY cohort, cohort_index, k'}
    ) r ORDER BY cohort, "offset"`;
  return { sql, params: b.params.values };
}

/** The cohorts' sizes (offset -1); with an activity range, of the cohorts that start in it. */
function sizes(b: StatementBuilder, q: RetentionQuery): string {
  if (!q.activity) return 'SELECT cohort, c AS cohort_index, -1 AS k, count(*) AS actors FROM cohorts GROUP BY cohort, c';
  return `SELECT cohort AS period, cohort, c AS cohort_index, -1 AS k, count(*) AS actors FROM cohorts
        WHERE t0 >= ${b.params.instant(q.activity.from)} AND t0 < ${b.params.instant(q.activity.to)} GROUP BY cohort, c`;
}

/**
 * The CTEs the retention triangle counts and the people lists list: `cohorts` (actor_id, `cohort`
 * 'YYYY-MM-DD', `c` its period index), `activity` (actor_id, `p` a period index with activity) and
 * `retained` (actor_id, cohort, cohort_index, `k`): in "on" mode one row per period k the actor was
 * active in, in "on or after" mode one row with the last such period. With an activity range
 * (RetentionQuery.activity), `cohorts` also has `t0` and `activity` and `retained` a `t`, an instant
 * of the activity.
 */
export function retentionCtes(b: StatementBuilder, q: RetentionQuery): string[] {
  const { period } = q.definition;
  const ws = b.ctx.time.weekStart;
  const idx = (column: string) => b.d.periodIndex(b.local(column), period, ws);
  const start = (column: string) => b.d.periodStart(b.local(column), period, ws);
  const timed = q.activity !== undefined;
  if (timed && q.definition.mode !== 'on') throw new Error('retention: an activity range counts "on" mode only');
  const activityRange = () => q.activity
    ? `e.ts >= ${b.params.instant(q.activity.from)} AND e.ts < ${b.params.instant(q.activity.to)}`
    : `e.ts >= ${b.params.instant(q.range.from)}`;
  return [
    q.live && q.segment === 'all'
      ? `first_seen AS (SELECT actor_id, ${b.d.timestampFromMs('"signup"')} AS t0 FROM (${liveReachSql(b, [cohortStage(q.definition)], q.range, q.live)}) reach)`
      : `first_seen AS (SELECT e.actor_id, min(e.ts) AS t0 FROM ${b.actorEvents()} e
       WHERE ${b.selector(q.definition.cohortSelector)} AND ${b.segment(q.segment)} GROUP BY e.actor_id)`,
    `cohorts AS (SELECT actor_id, ${start('t0')} AS cohort, ${idx('t0')} AS c${timed ? ', t0' : ''} FROM first_seen
       WHERE t0 >= ${b.params.instant(q.range.from)} AND t0 < ${b.params.instant(q.range.to)})`,
    `activity AS (SELECT ${timed ? '' : 'DISTINCT '}e.actor_id, ${idx('e.ts')} AS p${timed ? ', min(e.ts) AS t' : ''} FROM ${b.actorEvents()} e
       WHERE ${b.selector(q.definition.activitySelector)} AND ${activityRange()}
         AND e.actor_id IN (SELECT actor_id FROM cohorts)${timed ? ' GROUP BY e.actor_id, p' : ''})`,
    q.definition.mode === 'on'
      ? `retained AS (SELECT c.actor_id, c.cohort, c.c AS cohort_index, a.p - c.c AS k${timed ? ', a.t' : ''}
         FROM cohorts c JOIN activity a ON a.actor_id = c.actor_id WHERE a.p >= c.c)`
      : `retained AS (SELECT c.actor_id, c.cohort, c.c AS cohort_index, max(a.p) - c.c AS k
         FROM cohorts c JOIN activity a ON a.actor_id = c.actor_id WHERE a.p >= c.c
         GROUP BY c.actor_id, c.cohort, c.c)`,
  ];
}

/** The cohort event as a stage reached once: what the live state keeps its first instant of. */
export function cohortStage(definition: RetentionDefinition): StageDefinition {
  return { stage: 'signup', selector: definition.cohortSelector };
}
