import type { EventSelector, Segment, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, withClause, type QueryContext } from '../context.js';
import { DAY_MS } from '../../model/time.js';

export interface TaskQuery {
  /** Each a step's names (one or several). */
  start: string[];
  complete: string[];
  error?: string[];
  /** A property identifying one task (export_id): starts and outcomes pair on it, not only on the actor. */
  key?: string;
  /** Tasks whose start falls in this range. */
  range: TimeRange;
  segment?: Segment;
}

/**
 * HEART task success. Each start event is paired with the actor's next task event (same `key` value
 * when one is configured): a complete means the task succeeded, an error that it failed, another start
 * or nothing that it was abandoned (or is still running). Rows per week of the start (`period`, a
 * 'YYYY-MM-DD' week start) and one overall row (`period` = 'all'): `started`, `completed`, `errored`,
 * `median_ms` (median start → complete time of completed tasks; the mean of the two middle values for
 * an even count). Portable SQL: window functions and integer division only.
 */
export function compileTaskStats(ctx: QueryContext, q: TaskQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const segment = q.segment ?? 'all';
  const start = b.eventIn(q.start);
  const complete = b.eventIn(q.complete);
  const error = q.error ? b.eventIn(q.error) : null;
  const key = q.key ? `coalesce(${b.d.jsonText('e.properties', q.key, b.params)}, '')` : `''`;
  const week = b.d.periodStart(b.local(b.d.timestampFromMs('s.t')), 'week', ctx.time.weekStart);
  const ctes = [
    `task_events AS (
      SELECT e.actor_id, ${key} AS k, ${b.ms('e.ts')} AS t, e.id,
             CASE WHEN ${start} THEN 0 WHEN ${complete} THEN 1 ELSE 2 END AS kind
      FROM actor_events e
      WHERE (${[start, complete, ...(error ? [error] : [])].join(' OR ')}) AND e.ts >= ${b.params.instant(q.range.from)} AND ${b.segment(segment)})`,
    `numbered AS (
      SELECT actor_id, k, t, kind, row_number() OVER (PARTITION BY actor_id, k ORDER BY t, kind, id) AS n FROM task_events)`,
    `tasks AS (
      SELECT ${week} AS period, CASE WHEN nx.n IS NULL THEN -1 ELSE nx.kind END AS outcome,
             CASE WHEN nx.n IS NULL THEN 0 ELSE nx.t - s.t END AS d
      FROM numbered s LEFT JOIN numbered nx ON nx.actor_id = s.actor_id AND nx.k = s.k AND nx.n = s.n + 1
      WHERE s.kind = 0 AND s.t < ${b.params.bind(q.range.to, 'integer')})`,
    `all_tasks AS (SELECT period, outcome, d FROM tasks UNION ALL SELECT 'all' AS period, outcome, d FROM tasks)`,
    `counts AS (
      SELECT period, count(*) AS started,
             sum(CASE WHEN outcome = 1 THEN 1 ELSE 0 END) AS completed,
             sum(CASE WHEN outcome = 2 THEN 1 ELSE 0 END) AS errored
      FROM all_tasks GROUP BY period)`,
    `done AS (
      SELECT period, d, row_number() OVER (PARTITION BY period ORDER BY d) AS r, count(*) OVER (PARTITION BY period) AS c
      FROM all_tasks WHERE outcome = 1)`,
    `medians AS (
      SELECT period, avg(d) AS median_ms FROM done
      WHERE r = ${b.d.intDiv('(c + 1)', '2')} OR r = ${b.d.intDiv('(c + 2)', '2')} GROUP BY period)`,
  ];
  const sql = `${withClause(b, ctes, segment)}
    SELECT c.period, c.started, c.completed, c.errored, m.median_ms
    FROM counts c LEFT JOIN medians m ON m.period = c.period
    ORDER BY c.period${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}

export interface AdoptionQuery {
  selector: EventSelector;
  /** The window after launch, or one week. */
  range: TimeRange;
}

/**
 * Feature adoption: `active` = known users (identified people) with any event in the range;
 * `adopted` = those of them who did the feature event in the range. One row.
 */
export function compileAdoption(ctx: QueryContext, q: AdoptionQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const range = b.range(q.range);
  const sql = `WITH active AS (
      SELECT DISTINCT e.actor_id FROM actor_events e JOIN users u ON u.user_id = e.actor_id WHERE ${range}),
    adopted AS (
      SELECT DISTINCT e.actor_id FROM actor_events e WHERE ${b.selector(q.selector)} AND ${b.range(q.range)})
    SELECT (SELECT count(*) FROM active) AS active,
           (SELECT count(*) FROM active a JOIN adopted d ON d.actor_id = a.actor_id) AS adopted`;
  return { sql, params: b.params.values };
}

/** Weekly feature adoption: per week, known users active that week and those who used the feature. */
export function compileWeeklyAdoption(ctx: QueryContext, q: AdoptionQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const week = b.d.periodStart(b.local('e.ts'), 'week', ctx.time.weekStart);
  const sql = `WITH active AS (
      SELECT DISTINCT ${week} AS period, e.actor_id FROM actor_events e JOIN users u ON u.user_id = e.actor_id WHERE ${b.range(q.range)}),
    adopted AS (
      SELECT DISTINCT ${week} AS period, e.actor_id FROM actor_events e WHERE ${b.selector(q.selector)} AND ${b.range(q.range)})
    SELECT a.period, count(*) AS active, sum(CASE WHEN d.actor_id IS NULL THEN 0 ELSE 1 END) AS adopted
    FROM active a LEFT JOIN adopted d ON d.period = a.period AND d.actor_id = a.actor_id
    GROUP BY a.period ORDER BY a.period${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}

export interface DayRetentionQuery {
  cohortSelector: EventSelector;
  activitySelector: EventSelector;
  /** Actors whose first cohort event falls in this range. */
  range: TimeRange;
  /** Retained = did the activity in [t0 + day, t0 + day + windowDays). */
  day: number;
  windowDays: number;
}

/** N-day retention for the stage benchmarks: one row, `cohort` (size) and `retained`. */
export function compileDayRetention(ctx: QueryContext, q: DayRetentionQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const lo = b.params.bind(q.day * DAY_MS, 'integer');
  const hi = b.params.bind((q.day + q.windowDays) * DAY_MS, 'integer');
  const sql = `WITH first_seen AS (
      SELECT e.actor_id, min(${b.ms('e.ts')}) AS t0 FROM actor_events e WHERE ${b.selector(q.cohortSelector)} GROUP BY e.actor_id),
    cohort AS (
      SELECT actor_id, t0 FROM first_seen WHERE t0 >= ${b.params.bind(q.range.from, 'integer')} AND t0 < ${b.params.bind(q.range.to, 'integer')}),
    retained AS (
      SELECT DISTINCT c.actor_id FROM cohort c JOIN actor_events e ON e.actor_id = c.actor_id
      WHERE ${b.selector(q.activitySelector)} AND ${b.ms('e.ts')} >= c.t0 + ${lo} AND ${b.ms('e.ts')} < c.t0 + ${hi})
    SELECT (SELECT count(*) FROM cohort) AS cohort, (SELECT count(*) FROM retained) AS retained`;
  return { sql, params: b.params.values };
}
