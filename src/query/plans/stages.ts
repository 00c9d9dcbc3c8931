import type { Segment, StageDefinition, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { fewActorEvents, fewEventsIn, liveReachSql, type LiveState, type WindowPrefix } from './live.js';
import { stagesReachSql, StatementBuilder, withClause, type QueryContext } from '../context.js';

export interface StageCountsQuery {
  stages: StageDefinition[];
  range: TimeRange;
  segment: Segment;
  /** Also count, per row, the actors who fit the ideal user profile (column `ideal`), in the same pass. */
  idealSplit?: boolean;
  /** First reaches from the live state (plans/live.ts; DuckDB, segment `all`) instead of every actor's whole history. */
  live?: LiveState;
  /** Count only visits and first reaches inside these windows (each week's part elapsed so far, for pace). */
  within?: TimeRange[];
  /** With `live`: the stages counted within days of signup summed up before the range (its start is the prefix's cut). */
  windowPrefix?: WindowPrefix;
}

/**
 * Weekly stage counts (docs/concepts.md): visits = distinct actors with a visit event in the week; every
 * other stage = distinct actors who reached it for the first time in that week.
 * Rows: `stage`, `period` ('YYYY-MM-DD' week start), `actors` (and `ideal` with `idealSplit`).
 * Two passes over the events whatever the number of stages: one for visits, one (grouped by actor)
 * for the first reach of every other stage.
 */
export function compileStageCounts(ctx: QueryContext, q: StageCountsQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const rows = stageActorRows(b, q);
  const parts: string[] = [];
  const day = b.d.formatDay('p');
  const isIdeal = (column: string) => `${column} IN (SELECT actor_id FROM ideal_actors WHERE ideal)`;
  if (rows.visits) {
    const ideal = q.idealSplit ? `, count(DISTINCT CASE WHEN ${isIdeal('e.actor_id')} THEN e.actor_id END) AS ideal` : '';
    parts.push(`SELECT ${rows.visits.stage} AS stage, ${day} AS period, count(DISTINCT e.actor_id) AS actors${ideal}
      FROM (${rows.visits.sql}) e
      GROUP BY p`);
  }
  if (rows.reached) {
    const ideal = q.idealSplit ? `, sum(CASE WHEN ${isIdeal('x.actor_id')} THEN 1 ELSE 0 END) AS ideal` : '';
    parts.push(`SELECT x.stage, ${day} AS period, count(*) AS actors${ideal}
      FROM (${rows.reached}) x
      GROUP BY x.stage, p`);
  }
  const columns = `stage, period, actors${q.idealSplit ? ', ideal' : ''}`;
  const head = q.idealSplit && fewLive(q)
    ? `WITH ${[...rows.ctes, ...idealAmongCounted(b, rows)].join(',\n')}`
    : withClause(b, rows.ctes, q.segment, q.segment !== 'all' || q.idealSplit === true);
  const sql = `${head}
SELECT ${columns} FROM (\n${parts.join('\nUNION ALL\n')}\n) counts ORDER BY stage, period`;
  return { sql, params: b.params.values };
}

/** A live read of the week after a write: few events, few actors (fewEventsIn). */
const fewLive = (q: Pick<StageCountsQuery, 'live' | 'segment' | 'range'>) => q.live !== undefined && q.segment === 'all' && fewEventsIn(q.range);

/**
 * The ideal split judged only for the actors the counts count: from the live state these are the few
 * people with an instant in the range, so the profile is not evaluated for every known person.
 */
function idealAmongCounted(b: StatementBuilder, rows: StageActorRows): string[] {
  const actors = [
    ...(rows.visits ? [`SELECT actor_id FROM (${rows.visits.sql}) v`] : []),
    ...(rows.reached ? [`SELECT actor_id FROM (${rows.reached}) r`] : []),
  ];
  return [`counted_actors AS (${actors.join(' UNION ALL ')})`, b.idealActorsCte('counted_actors')];
}

/** The per-actor rows behind the weekly stage counts: what `compileStageCounts` counts and the people lists list. */
export interface StageActorRows {
  ctes: string[];
  /** Rows (`actor_id`, `p` the week's start) per visit event in the range (count them distinct per week); `stage` the bound stage name. */
  visits?: { stage: string; sql: string };
  /** Rows (`actor_id`, `stage`, `p`): one per actor and stage first reached in the range. */
  reached?: string;
}

export function stageActorRows(b: StatementBuilder, q: StageCountsQuery): StageActorRows {
  const { range, segment, within } = q;
  // Grouped by the week's start, formatted once per group.
  const week = (column: string) => b.d.periodTrunc(b.local(column), 'week', b.ctx.time.weekStart);
  const out: StageActorRows = { ctes: [] };
  const visit = q.stages.find((s) => s.stage === 'visit');
  if (visit) {
    const stage = b.params.bind(visit.stage);
    const p = week('e.ts');
    const where = `${b.selector(visit.selector)} AND ${b.range(range)}${b.andWithin(within)}`;
    if (fewLive(q)) {
      out.ctes.push(...fewActorEvents('visit_events', where, { ts: 'e.ts' }));
      out.visits = { stage, sql: `SELECT e.actor_id, ${p} AS p FROM visit_events e` };
    } else {
      out.visits = { stage, sql: `SELECT e.actor_id, ${p} AS p FROM ${b.actorEvents()} e WHERE ${where} AND ${b.segment(segment)}` };
    }
  }
  const reached = q.stages.filter((s) => s.stage !== 'visit');
  if (reached.length) {
    const reach = q.live && q.segment === 'all'
      ? liveReachSql(b, reached, q.range, q.live, q.windowPrefix)
      : stagesReachSql(b, reached, q.segment, q.stages.find((s) => s.stage === 'signup'));
    // The live reach is read twice with the ideal split (idealAmongCounted): computed once.
    out.ctes.push(`reach AS ${q.idealSplit && fewLive(q) ? 'MATERIALIZED ' : ''}(${reach})`);
    const rows = b.d.unnestRows('reach r', ['r.actor_id AS actor_id'], [
      { alias: 'stage', items: reached.map((s) => b.params.bind(s.stage)) },
      { alias: 't', items: reached.map((s) => `r.${s.stage}`) },
    ]);
    out.reached = `SELECT y.actor_id, y.stage, ${week(b.d.timestampFromMs('y.t'))} AS p FROM (${rows}) y
        WHERE y.t >= ${b.params.bind(range.from, 'integer')} AND y.t < ${b.params.bind(range.to, 'integer')}${b.andWithin(within, 'y.t', true)}`;
  }
  return out;
}

/**
 * Per actor, the first-reach instant of every stage (null when not reached): for PQLs and time to value.
 * With `idealSince`, also when the actor's traits last started to fit the ideal user profile (column `ideal_since`).
 */
export function compileStageReach(ctx: QueryContext, stages: StageDefinition[], segment: Segment, idealSince = false): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const signup = stages.find((s) => s.stage === 'signup');
  const ctes = [`reach AS (${stagesReachSql(b, stages, segment, signup)})`];
  if (idealSince) ctes.push(b.idealSinceCte());
  const columns = stages.map((s) => `r.${s.stage} AS ${s.stage}`).join(', ');
  const sql = `${withClause(b, ctes, segment)}
    SELECT r.actor_id, u.account_id, ${columns}${idealSince ? ', i.t AS ideal_since' : ''}
    FROM reach r LEFT JOIN users u ON u.user_id = r.actor_id${idealSince ? ' LEFT JOIN ideal_since i ON i.actor_id = r.actor_id' : ''}
    ORDER BY r.actor_id${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}
