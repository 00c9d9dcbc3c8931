import type { Breakdown, SeriesMetric, StageDefinition } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { stagesReachSql, StatementBuilder, withClause, type QueryContext } from '../context.js';

/** The week before and the week asked about: [from, boundary) and [boundary, to). */
export interface TwoWeeks {
  from: number;
  boundary: number;
  to: number;
}

export type WhySource =
  /** Weekly stage counts (visits: distinct visitors; other stages: first reaches), one part per stage. */
  | { kind: 'stages'; stages: StageDefinition[]; signup?: StageDefinition }
  /** A series metric measured per actor (count, sum, unique users, at least n times); part `value`. */
  | { kind: 'series'; metric: SeriesMetric };

export interface WhyCellsQuery {
  source: WhySource;
  weeks: TwoWeeks;
  breakdown?: Breakdown;
}

/**
 * The two weeks' values cut by every segment at once. Rows: `part` (a stage, or `value`), `w` (0 the
 * week before, 1 the week asked about), `ideal` (1 when the actor fits the ideal user profile), `breakdown`
 * (the actor's trait, '(none)' without one), `is_new` (1 when the actor's first event of all falls in
 * that week), `value` (the sum of the actors' values) and `actors`. Each actor falls in exactly one cell
 * per part and week, so the cells of any one cut add up to the week's value.
 */
export function compileWhyCells(ctx: QueryContext, q: WhyCellsQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const { from, boundary, to } = q.weeks;
  const ctes: string[] = [];
  const units = q.source.kind === 'stages' ? stageUnits(b, q.source, q.weeks, ctes) : seriesUnits(b, q.source.metric, q.weeks);
  ctes.push(`units AS (${units})`);
  ctes.push(`first_seen AS (SELECT e.actor_id, min(${b.ms('e.ts')}) AS t FROM ${b.actorEvents()} e WHERE e.ts < ${b.params.instant(to)} GROUP BY e.actor_id)`);
  const ideal = ctx.idealUser ? 'CASE WHEN coalesce(i.ideal, FALSE) THEN 1 ELSE 0 END' : '0';
  const trait = q.breakdown?.kind === 'user_trait' ? b.d.jsonText('bu.traits', q.breakdown.key, b.params)
    : q.breakdown?.kind === 'account_trait' ? b.d.jsonText('ba.traits', q.breakdown.key, b.params) : 'NULL';
  const [start0, start1] = [b.params.bind(from, 'integer'), b.params.bind(boundary, 'integer')];
  const sql = `${withClause(b, ctes, 'all', ctx.idealUser !== null)}
    SELECT part, w, ideal, breakdown, is_new, sum(v) AS value, count(*) AS actors FROM (
      SELECT u.part AS part, u.w AS w, ${ideal} AS ideal, coalesce(${trait}, '(none)') AS breakdown,
        CASE WHEN f.t >= (CASE WHEN u.w = 1 THEN ${start1} ELSE ${start0} END) THEN 1 ELSE 0 END AS is_new, u.v AS v
      FROM units u
        ${ctx.idealUser ? 'LEFT JOIN ideal_actors i ON i.actor_id = u.actor_id' : ''}
        LEFT JOIN users bu ON bu.user_id = u.actor_id
        LEFT JOIN accounts ba ON ba.account_id = bu.account_id
        LEFT JOIN first_seen f ON f.actor_id = u.actor_id
    ) cells GROUP BY part, w, ideal, breakdown, is_new ORDER BY part, w, ideal, breakdown, is_new${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}

/** Per stage, the actors counted in each of the two weeks (`v` = 1). */
function stageUnits(b: StatementBuilder, source: Extract<WhySource, { kind: 'stages' }>, weeks: TwoWeeks, ctes: string[]): string {
  const parts: string[] = [];
  const visit = source.stages.find((s) => s.stage === 'visit');
  if (visit) {
    parts.push(`SELECT DISTINCT ${b.params.bind('visit')} AS part, e.actor_id AS actor_id,
        CASE WHEN e.ts >= ${b.params.instant(weeks.boundary)} THEN 1 ELSE 0 END AS w, 1 AS v
      FROM ${b.actorEvents()} e WHERE ${b.selector(visit.selector)} AND ${b.range({ from: weeks.from, to: weeks.to })}`);
  }
  const reached = source.stages.filter((s) => s.stage !== 'visit');
  if (reached.length) {
    ctes.push(`reach AS (${stagesReachSql(b, reached, 'all', source.signup)})`);
    for (const stage of reached) {
      const column = `r.${stage.stage}`;
      parts.push(`SELECT ${b.params.bind(stage.stage)} AS part, r.actor_id AS actor_id,
          CASE WHEN ${column} >= ${b.params.bind(weeks.boundary, 'integer')} THEN 1 ELSE 0 END AS w, 1 AS v
        FROM reach r WHERE ${column} >= ${b.params.bind(weeks.from, 'integer')} AND ${column} < ${b.params.bind(weeks.to, 'integer')}`);
    }
  }
  return parts.join('\nUNION ALL\n');
}

/** Per actor and week, the actor's share of the metric: its events, their sum, or 1 (a unique or n-times user). */
function seriesUnits(b: StatementBuilder, metric: SeriesMetric, weeks: TwoWeeks): string {
  const measure = metric.measure;
  const x = measure.kind === 'sum' ? b.d.toNumber(b.d.jsonText('e.properties', measure.property, b.params)) : 'NULL';
  const heavy = metric.atLeast && metric.atLeast > 1 ? ` HAVING count(*) >= ${b.params.bind(metric.atLeast, 'integer')}` : '';
  const v = heavy || measure.kind === 'unique_users' ? '1' : measure.kind === 'sum' ? 'coalesce(sum(x), 0)' : 'count(*)';
  return `SELECT ${b.params.bind('value')} AS part, actor_id, w, CAST(${v} AS DOUBLE) AS v FROM (
      SELECT e.actor_id AS actor_id, CASE WHEN e.ts >= ${b.params.instant(weeks.boundary)} THEN 1 ELSE 0 END AS w, ${x} AS x
      FROM ${b.actorEvents()} e WHERE ${b.selector(metric.selector)} AND ${b.range({ from: weeks.from, to: weeks.to })}
    ) per_event GROUP BY actor_id, w${heavy}`;
}
