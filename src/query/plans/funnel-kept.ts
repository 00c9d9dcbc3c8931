/**
 * The cohort funnel's level counts kept between writes (DuckDB). An actor's level depends only on
 * that actor's events and on who is who, and `events` is append only (a row's number is the count of
 * rows stored before it), so counts computed over the rows before a count N are brought up to the
 * rows before a later count M by computing again only the actors whose new events can change their
 * level: their levels over the rows before N leave the counts, those over the rows before M enter.
 *
 * Which new events can change a level: every chain starts at a step-1 instant in the range and ends
 * within the window of it, so an actor's events past its **horizon** (its latest step-1 instant in
 * the range plus the window) are in no chain, and a threshold step's reach (or the first signup it
 * counts from) that such an event moves stays past the horizon. So only an event that can start a
 * chain (step 1's, before the range's end) or one not past its actor's horizon moves a level. The
 * horizons are kept for the actors whose horizon is at or after the **cutoff** (the range's end less
 * the window); an event before the cutoff (a late one) computes its actor again whatever its horizon.
 *
 * Each statement also answers who was who when it ran (the people signature, read in the same
 * snapshot), so counts are only ever combined with counts of the same identities.
 */
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, withClause, type QueryContext } from '../context.js';
import { DAY_MS } from '../../model/time.js';
import { anchoredFunnelCtes, funnelEventNames, levelCountsSql, needsIdealActors, type FunnelQuery } from './funnel.js';
import { compilePeopleSignature } from './live.js';

/**
 * A row of a kept funnel statement: level counts of one side (`before`, `after`), an actor's horizon
 * (`horizon`, epoch ms), a candidate actor and its earliest new event (`new`, `horizon` holding the
 * instant) or earliest new event that can start a chain (`entry`), events read (`read`), or the
 * people signature (`people`).
 */
export interface KeptFunnelRow {
  side: 'before' | 'after' | 'horizon' | 'new' | 'entry' | 'read' | 'people';
  level: number | null;
  breakdown: string | null;
  actors: number | null;
  actor_id: string | null;
  horizon: number | null;
  people: string | null;
}

const ACTOR = 'coalesce(l.user_id, e.user_id, e.anonymous_id)';
const LINKED = 'LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)';
const NO_TEXT = 'CAST(NULL AS VARCHAR)';
const NO_NUMBER = 'CAST(NULL AS BIGINT)';

/** The events stored before row `before` (a bound parameter) with their actor, as the chain plan reads them. */
function storedEvents(before: string, join = ''): string {
  return `(SELECT e.event, e.ts, e.properties, ${ACTOR} AS actor_id, e.rowid AS row_number
    FROM events e ${join} ${LINKED} WHERE e.rowid < ${before})`;
}

/** One side's level counts as kept rows: `level`, `breakdown` (NULL without a split), `actors`. */
function sideCounts(b: StatementBuilder, q: FunnelQuery, side: 'before' | 'after', best: string): string {
  const counts = levelCountsSql(b, q, best);
  const breakdown = counts.keys.includes('breakdown') ? 'breakdown' : NO_TEXT;
  return `SELECT '${side}' AS side, level, ${breakdown} AS breakdown, actors, ${NO_TEXT} AS actor_id, ${NO_NUMBER} AS horizon, ${NO_TEXT} AS people
    FROM (${counts.sql}) ${side}_counts`;
}

/** The instant from which events move only the actors whose horizon reaches them: the range's end less the window. */
export function horizonCutoff(q: FunnelQuery): number {
  return q.range.to - Math.round(q.windowDays * DAY_MS);
}

/** The horizon of each actor of a plan (prefix) whose horizon is at or after the cutoff. */
function horizons(b: StatementBuilder, q: FunnelQuery, prefix: string): string {
  const window = b.params.bind(Math.round(q.windowDays * DAY_MS), 'integer');
  return `SELECT 'horizon', NULL, NULL, NULL, actor_id, max(t) + ${window}, NULL FROM ${prefix}s1
    GROUP BY actor_id HAVING max(t) + ${window} >= ${b.params.bind(horizonCutoff(q), 'integer')}`;
}

/** The names of the events that can start a chain: step 1's, and the signup stage's when step 1 counts from it. */
function entryEventNames(q: FunnelQuery): string[] {
  const first = q.steps[0];
  const signup = first.withinDays === undefined ? [] : [q.steps.find((s) => s.stage === 'signup') ?? q.signup];
  return [...new Set([first, ...signup].flatMap((s) => s?.selector.events ?? []))];
}

/**
 * How many events a change read again (`read`). Also what keeps DuckDB from evaluating every step's
 * condition on every stored event: when all the readers of a shared relation filter it, it pushes
 * their conditions into it, below the join that keeps the few rows they need (without it the change
 * statement took 1.6 times as long at 1M).
 */
const readRow = (relation: string) => `SELECT 'read', NULL, NULL, count(*), NULL, NULL, NULL FROM ${relation}`;

const peopleRow = () => `SELECT 'people', NULL, NULL, NULL, NULL, NULL, (${compilePeopleSignature().sql})`;

/** Every actor's level counts and the tracked horizons over the rows before `stored`, and `people`. */
export function compileKeptFunnel(ctx: QueryContext, q: FunnelQuery, stored: number): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const before = b.params.bind(stored, 'integer');
  const ctes = anchoredFunnelCtes(b, q, { events: storedEvents(before), prefix: '' });
  const sql = `${withClause(b, ctes, q.segment, needsIdealActors(q))}
    ${sideCounts(b, q, 'after', 'best')}
    UNION ALL ${horizons(b, q, '')}
    UNION ALL ${peopleRow()}`;
  return { sql, params: b.params.values };
}

/**
 * Per actor with events of the funnel's names among the rows `kept`…`stored`−1, the earliest of them
 * (`new`, in `horizon`), and the earliest that can start a chain (`entry`), and `people`.
 */
export function compileFunnelNews(ctx: QueryContext, q: FunnelQuery, kept: number, stored: number): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const rows = `e.rowid >= ${b.params.bind(kept, 'integer')} AND e.rowid < ${b.params.bind(stored, 'integer')}`;
  const earliest = (side: string, where: string) => `SELECT '${side}' AS side, ${NO_NUMBER} AS level, ${NO_TEXT} AS breakdown, ${NO_NUMBER} AS actors,
      ${ACTOR} AS actor_id, min(${b.ms('e.ts')}) AS horizon, ${NO_TEXT} AS people
    FROM events e ${LINKED} WHERE ${rows} AND ${where} GROUP BY 5`;
  const sql = `${earliest('new', b.eventIn(funnelEventNames(q)))}
    UNION ALL ${earliest('entry', `${b.eventIn(entryEventNames(q))} AND ${b.ms('e.ts')} < ${b.params.bind(q.range.to, 'integer')}`)}
    UNION ALL ${peopleRow()}`;
  return { sql, params: b.params.values };
}

/**
 * The change in level counts of some actors (a bound JSON list) from the rows before `kept` to the
 * rows before `stored`: rows `before` and `after`, their `horizon`s after, and `people`.
 */
export function compileFunnelChange(ctx: QueryContext, q: FunnelQuery, actors: readonly string[], kept: number, stored: number): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const from = b.params.bind(kept, 'integer');
  const to = b.params.bind(stored, 'integer');
  // An actor's events are those of its own id and of the anonymous ids linked to it: only those rows
  // (of the names the funnel reads) are read again. The keys are unnested from one list, so the join
  // is planned with them (few) as its build side.
  const ctes = [
    `touched AS MATERIALIZED (SELECT DISTINCT unnest(from_json(${b.params.bind(JSON.stringify(actors))}, '["VARCHAR"]')) AS actor_id)`,
    `touched_keys AS MATERIALIZED (SELECT actor_id AS raw_key FROM touched
      UNION SELECT l.anonymous_id FROM identity_links l JOIN touched t ON t.actor_id = l.user_id)`,
    `touched_events AS MATERIALIZED (SELECT * FROM ${storedEvents(to, `JOIN (SELECT unnest((SELECT list(raw_key) FROM touched_keys)) AS raw_key) k
      ON k.raw_key = coalesce(e.user_id, e.anonymous_id)`)} x
      WHERE ${b.eventIn(funnelEventNames(q), 'x.event')} AND x.actor_id IN (SELECT actor_id FROM touched))`,
    ...anchoredFunnelCtes(b, q, { events: `(SELECT * FROM touched_events WHERE row_number < ${from})`, prefix: 'before_' }),
    ...anchoredFunnelCtes(b, q, { events: 'touched_events', prefix: 'after_' }),
  ];
  const sql = `${withClause(b, ctes, q.segment, needsIdealActors(q))}
    ${sideCounts(b, q, 'before', 'before_best')}
    UNION ALL ${sideCounts(b, q, 'after', 'after_best')}
    UNION ALL ${horizons(b, q, 'after_')}
    UNION ALL ${readRow('touched_events')}
    UNION ALL ${peopleRow()}`;
  return { sql, params: b.params.values };
}
