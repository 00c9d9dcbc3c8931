import type { EventSelector, Segment, StageDefinition, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { signupFirstCte, stageReachSql, stagesReachSql, StatementBuilder, withClause, type QueryContext } from '../context.js';
import { DAY_MS } from '../../model/time.js';

/** What counts as the outcome a behaviour should predict. */
export type LeadingOutcome =
  /** Did the retention event in [signup + fromDays, signup + toDays). */
  | { kind: 'retained'; selector: EventSelector; fromDays: number; toDays: number }
  /** First reached the upgrade stage in [signup, signup + withinDays). */
  | { kind: 'upgraded'; stage: StageDefinition; withinDays: number };

export interface LeadingQuery {
  signup: StageDefinition;
  outcome: LeadingOutcome;
  /** Behaviour window: events in [signup, signup + withinDays) are counted. */
  withinDays: number;
  /** Count thresholds, e.g. [1, 2, 3, 5, 10]. */
  thresholds: number[];
  /** Only actors whose first signup is at or before this instant (ms): their outcome window has passed. */
  eligibleUntil: number;
  /** Optionally, only signups in this range as well. */
  signupRange?: TimeRange;
  /** Event names that are never candidates (the signup event, the outcome's own event). */
  exclude: string[];
  /**
   * Journey stages that split the cohort into strata: an actor's stratum is the bit set of these
   * stages reached before the end of the behaviour window. The report compares doers and non-doers
   * within a stratum (Mantel–Haenszel) besides the raw comparison.
   */
  strata: StageDefinition[];
  segment: Segment;
}

/**
 * Every candidate (event × threshold) in one pass over the behaviour window. Rows:
 * - `event` = '' and `level` = 0: the cohort, `actors` per (`stratum`, `y`);
 * - otherwise `event`, `level` = the highest threshold the actor's count reached, `stratum`, `y`
 *   (1 = reached the outcome), `actors`. Actors who did an event at least k times are the sum over
 *   levels ≥ k; the report accumulates, so the result has at most events × thresholds × strata × 2 rows
 *   however many actors there are.
 */
export function compileLeading(ctx: QueryContext, q: LeadingQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const { ctes, y } = leadingCtes(b, q);
  const thresholds = [...new Set(q.thresholds)].sort((x, y) => y - x);
  const level = `CASE ${thresholds.map((k) => {
    const p = b.params.bind(k, 'integer');
    return `WHEN n >= ${p} THEN ${p}`;
  }).join(' ')} ELSE 0 END`;
  // Every cohort actor has a signup event in its window: one such row (the least of the signup names
  // the actor has, when the step has several) counts the actor once in the cohort (event '' and
  // level 0); excluded events are no candidates.
  const firstSignupName = `min(CASE WHEN ${b.eventIn(q.signup.selector.events, 'event')} THEN event END) OVER (PARTITION BY actor_id)`;
  const excluded = q.exclude.length ? `event NOT IN (${q.exclude.map((name) => b.params.bind(name)).join(', ')})` : 'TRUE';
  const sql = `${withClause(b, ctes, q.segment)}
    SELECT event, level, stratum, y, count(*) AS actors FROM (
      SELECT CASE WHEN cohort_row = 1 THEN '' ELSE event END AS event, CASE WHEN cohort_row = 1 THEN 0 ELSE ${level} END AS level, stratum, y, cohort_row
      FROM (
        SELECT actor_id, event, n, stratum, ${y} AS y, CASE WHEN event = ${firstSignupName} THEN 1 ELSE 0 END AS cohort_row FROM per_event
      ) per_actor WHERE cohort_row = 1 OR (n > 0 AND ${excluded})
    ) leveled WHERE cohort_row = 1 OR level > 0
    GROUP BY event, level, stratum, y
    ORDER BY event, level, stratum, y`;
  return { sql, params: b.params.values };
}

/**
 * The CTEs the leading indicators count and the people lists list: `cohort0` (actor_id, `t` the first
 * signup, `stratum`) and `per_event` (actor_id, event, `n` the count in the behaviour window, `o`,
 * `stratum`); `y` is the outcome flag over `per_event`'s rows.
 */
export function leadingCtes(b: StatementBuilder, q: LeadingQuery): { ctes: string[]; y: string } {
  const ms = b.ms('e.ts');
  const within = daysParam(b, q.withinDays);
  // The first signup and the journey strata of every actor, from one pass over the events.
  const ctes = [`reach AS (${stagesReachSql(b, [q.signup, ...q.strata], 'all', q.signup)})`];
  const strata = q.strata.map((stage, i) => `CASE WHEN r.${stage.stage} < r.${q.signup.stage} + ${within} THEN ${2 ** i} ELSE 0 END`);
  const range = q.signupRange
    ? ` AND r.${q.signup.stage} >= ${b.params.bind(q.signupRange.from, 'integer')} AND r.${q.signup.stage} < ${b.params.bind(q.signupRange.to, 'integer')}`
    : '';
  ctes.push(`cohort0 AS (SELECT r.actor_id, r.${q.signup.stage} AS t, ${strata.length ? strata.join(' + ') : '0'} AS stratum FROM reach r
    WHERE r.${q.signup.stage} <= ${b.params.bind(q.eligibleUntil, 'integer')}${range} AND ${b.segment(q.segment, 'r.actor_id')})`);

  // Events in the behaviour window, per actor and event name; the retention outcome (an event in a
  // later window) is read in the same pass and spread to all of the actor's rows.
  let outcomeRows = '';
  let outcomeFlag = '0';
  let y = 'max(o) OVER (PARTITION BY actor_id)';
  if (q.outcome.kind === 'retained') {
    const outcome = `${b.selector(q.outcome.selector)} AND ${ms} >= c.t + ${daysParam(b, q.outcome.fromDays)} AND ${ms} < c.t + ${daysParam(b, q.outcome.toDays)}`;
    outcomeRows = ` OR (${outcome})`;
    outcomeFlag = `CASE WHEN ${outcome} THEN 1 ELSE 0 END`;
  } else {
    ctes.push(...outcomeCtes(b, q.outcome));
    y = 'CASE WHEN actor_id IN (SELECT actor_id FROM outcome_actors) THEN 1 ELSE 0 END';
  }
  const inWindow = `${ms} >= c.t AND ${ms} < c.t + ${within}`;
  ctes.push(`per_event AS (SELECT e.actor_id, e.event, sum(CASE WHEN ${inWindow} THEN 1 ELSE 0 END) AS n, max(${outcomeFlag}) AS o, max(c.stratum) AS stratum
    FROM ${b.actorEvents()} e JOIN cohort0 c ON c.actor_id = e.actor_id
    WHERE (${inWindow})${outcomeRows}
    GROUP BY e.actor_id, e.event)`);
  return { ctes, y };
}

function daysParam(b: StatementBuilder, days: number): string {
  return b.params.bind(Math.round(days * DAY_MS), 'integer');
}

/** CTEs ending in `outcome_actors`: the actors of `cohort0` (actor_id, t) who reached the outcome. */
function outcomeCtes(b: StatementBuilder, outcome: LeadingOutcome): string[] {
  const ms = b.ms('e.ts');
  if (outcome.kind === 'retained') {
    return [`outcome_actors AS (SELECT DISTINCT e.actor_id FROM ${b.actorEvents()} e JOIN cohort0 c ON c.actor_id = e.actor_id
      WHERE ${b.selector(outcome.selector)} AND ${ms} >= c.t + ${daysParam(b, outcome.fromDays)} AND ${ms} < c.t + ${daysParam(b, outcome.toDays)})`];
  }
  return [
    `reach_outcome AS (${stageReachSql(b, outcome.stage, 'all')})`,
    `outcome_actors AS (SELECT r.actor_id FROM reach_outcome r JOIN cohort0 c ON c.actor_id = r.actor_id
      WHERE r.t >= c.t AND r.t < c.t + ${daysParam(b, outcome.withinDays)})`,
  ];
}

export interface IndicatorCohortsQuery {
  signup: StageDefinition;
  outcome: LeadingOutcome;
  /** Outcome horizon in days after signup (28 for retained, 30 for upgraded). */
  horizonDays: number;
  /** The behaviour: any of `events` at least `atLeast` times in [signup, signup + withinDays). */
  events: string[];
  atLeast: number;
  withinDays: number;
  /** Signups in this range, bucketed by signup week. */
  range: TimeRange;
  asOf: number;
  segment: Segment;
}

/**
 * One behaviour followed per weekly signup cohort, for the predictive dashboard. Rows: `cohort`
 * ('YYYY-MM-DD' week start of the first signup), `actors`, `behaviour_observed` (actors whose
 * behaviour window ended by as-of), `did` (of those, actors who did the behaviour),
 * `outcome_observed` (actors whose outcome window ended by as-of), `reached` (of those, actors
 * who reached the outcome).
 */
export function compileIndicatorCohorts(ctx: QueryContext, q: IndicatorCohortsQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ms = b.ms('e.ts');
  const week = b.d.periodStart(b.local(b.d.timestampFromMs('s.t')), 'week', ctx.time.weekStart);
  const within = daysParam(b, q.withinDays);
  const ctes = [
    signupFirstCte(b, q.signup),
    `cohort0 AS (SELECT s.actor_id, s.t, ${week} AS cohort FROM signup_first s
      WHERE s.t >= ${b.params.bind(q.range.from, 'integer')} AND s.t < ${b.params.bind(q.range.to, 'integer')} AND ${b.segment(q.segment, 's.actor_id')})`,
    ...outcomeCtes(b, q.outcome),
    `doers AS (SELECT e.actor_id FROM ${b.actorEvents()} e JOIN cohort0 c ON c.actor_id = e.actor_id
      WHERE ${b.eventIn(q.events)} AND ${ms} >= c.t AND ${ms} < c.t + ${within}
      GROUP BY e.actor_id HAVING count(*) >= ${b.params.bind(q.atLeast, 'integer')})`,
  ];
  const asOf = b.params.bind(q.asOf, 'integer');
  const behaviourSeen = `c.t + ${within} <= ${asOf}`;
  const outcomeSeen = `c.t + ${daysParam(b, q.horizonDays)} <= ${asOf}`;
  const sql = `${withClause(b, ctes, q.segment)}
    SELECT c.cohort, count(*) AS actors,
      sum(CASE WHEN ${behaviourSeen} THEN 1 ELSE 0 END) AS behaviour_observed,
      sum(CASE WHEN ${behaviourSeen} AND c.actor_id IN (SELECT actor_id FROM doers) THEN 1 ELSE 0 END) AS did,
      sum(CASE WHEN ${outcomeSeen} THEN 1 ELSE 0 END) AS outcome_observed,
      sum(CASE WHEN ${outcomeSeen} AND c.actor_id IN (SELECT actor_id FROM outcome_actors) THEN 1 ELSE 0 END) AS reached
    FROM cohort0 c GROUP BY c.cohort ORDER BY c.cohort`;
  return { sql, params: b.params.values };
}
