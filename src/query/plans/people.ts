/**
 * The people behind a number: one page of the actors a count counts, from the same CTEs the count's
 * own plan uses (stages, funnel, retention, leading), so a list cannot drift from its number.
 */
import type { Segment, StageDefinition, TimeRange } from '../../model/metrics.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, withClause, type QueryContext } from '../context.js';
import { funnelLevelCtes, type FunnelQuery } from './funnel.js';
import { leadingCtes, type LeadingQuery } from './leading.js';
import { retentionCtes, type RetentionQuery } from './retention.js';
import { stageActorRows } from './stages.js';

/** A page of a list: at most `limit` rows after skipping `offset`, in id order. */
export interface PageQuery {
  limit: number;
  offset: number;
}

/**
 * Rows: first one with `actor_id` NULL and `total` the size of the whole list, then the page's
 * `actor_id`s in ascending order. `members` is a relation with one row per member (column `actor_id`).
 */
function page(b: StatementBuilder, ctes: string[], members: string, p: PageQuery, segment: Segment): CompiledQuery {
  const sql = `${withClause(b, [...ctes, `members AS (${members})`], segment)}
    SELECT actor_id, total FROM (
      SELECT NULL AS actor_id, count(*) AS total, 0 AS part FROM members
      UNION ALL
      SELECT actor_id, NULL AS total, 1 AS part FROM (
        SELECT actor_id FROM members ORDER BY actor_id LIMIT ${b.params.bind(p.limit, 'integer')} OFFSET ${b.params.bind(p.offset, 'integer')}
      ) paged
    ) listed ORDER BY part, actor_id${b.d.joinSettings()}`;
  return { sql, params: b.params.values };
}

export interface StagePeopleQuery {
  /** The journey's stages (the reach of every stage comes from one pass, as in the counts). */
  stages: StageDefinition[];
  stage: StageDefinition['stage'];
  /** One week. */
  week: TimeRange;
  segment: Segment;
}

/** The actors a weekly stage cell counts: visitors of the week, or the actors who first reached the stage in it. */
export function compileStagePeople(ctx: QueryContext, q: StagePeopleQuery, p: PageQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const stages = q.stage === 'visit' ? q.stages.filter((s) => s.stage === 'visit') : q.stages.filter((s) => s.stage !== 'visit');
  const rows = stageActorRows(b, { stages, range: q.week, segment: q.segment });
  const members = rows.visits
    ? `SELECT DISTINCT x.actor_id, ${rows.visits.stage} AS stage FROM (${rows.visits.sql}) x`
    : `SELECT x.actor_id FROM (${rows.reached}) x WHERE x.stage = ${b.params.bind(q.stage)}`;
  return page(b, rows.ctes, members, p, q.segment);
}

/** The actors who reached funnel step `step` (1-based), or with `dropped` those who stopped there. */
export function compileFunnelPeople(ctx: QueryContext, q: FunnelQuery, step: number, dropped: boolean, p: PageQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ctes = funnelLevelCtes(b, q);
  const level = b.params.bind(step, 'integer');
  return page(b, ctes, `SELECT actor_id FROM best WHERE level ${dropped ? '=' : '>='} ${level}`, p, q.segment);
}

/**
 * The actors of a retention cell: cohort `cohort` ('YYYY-MM-DD', its period's start) and period
 * `offset`; offset null is the whole cohort. In "on or after" mode, those whose last active period is
 * `offset` or later, as the report accumulates.
 */
export function compileRetentionPeople(ctx: QueryContext, q: RetentionQuery, cohort: string, offset: number | null, p: PageQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const ctes = retentionCtes(b, q);
  const c = b.params.bind(cohort);
  if (offset === null) return page(b, ctes, `SELECT actor_id FROM cohorts WHERE cohort = ${c}`, p, q.segment);
  const k = b.params.bind(offset, 'integer');
  const members = `SELECT actor_id FROM retained WHERE cohort = ${c} AND k ${q.definition.mode === 'on' ? '=' : '>='} ${k}`;
  return page(b, ctes, members, p, q.segment);
}

/** Of a leading indicator's cohort, the actors who did `event` at least `atLeast` times in the behaviour window, or (did false) the rest. */
export function compileIndicatorPeople(ctx: QueryContext, q: LeadingQuery, event: string, atLeast: number, did: boolean, p: PageQuery): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const { ctes } = leadingCtes(b, q);
  const doers = `SELECT actor_id FROM per_event WHERE event = ${b.params.bind(event)} AND n >= ${b.params.bind(atLeast, 'integer')}`;
  return page(b, ctes, did ? doers : `SELECT actor_id FROM cohort0 WHERE actor_id NOT IN (${doers})`, p, q.segment);
}

/** Rows: `id`, `account_id`, `traits` (JSON text) of the users among `ids`. */
export function compileUserTraits(ctx: QueryContext, ids: readonly string[]): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const sql = `SELECT u.user_id AS id, u.account_id AS account_id, CAST(u.traits AS VARCHAR) AS traits
    FROM users u WHERE ${inList(b, 'u.user_id', ids)}`;
  return { sql, params: b.params.values };
}

/** Rows: `id`, `traits` (JSON text) of the accounts among `ids`. */
export function compileAccountTraits(ctx: QueryContext, ids: readonly string[]): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const sql = `SELECT a.account_id AS id, CAST(a.traits AS VARCHAR) AS traits FROM accounts a WHERE ${inList(b, 'a.account_id', ids)}`;
  return { sql, params: b.params.values };
}

/** Rows: `id`, `last_ms`: the instant of the latest event of each actor (or account, with `accounts`) among `ids`. */
export function compileLastActivity(ctx: QueryContext, ids: readonly string[], accounts = false): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const column = accounts ? 'e.account_id' : 'e.actor_id';
  const sql = `SELECT ${column} AS id, max(${b.ms('e.ts')}) AS last_ms FROM ${b.actorEvents(accounts)} e
    WHERE ${inList(b, column, ids)} GROUP BY ${column}`;
  return { sql, params: b.params.values };
}

function inList(b: StatementBuilder, column: string, ids: readonly string[]): string {
  return ids.length ? `${column} IN (${ids.map((id) => b.params.bind(id)).join(', ')})` : 'FALSE';
}
