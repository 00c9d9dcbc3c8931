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
 * Where a changed actor's events come from: finding them among the stored events means reading the
 * ids of every stored event, so the kept funnel hands the statement the events it knows instead: all
 * the events of the actors it computed again lately (kept with their row numbers and brought up with
 * each change's new rows), and only the new ones of an actor with none stored before (its key is not
 * among the stored ids' keys, read once). Only the other actors' events are read from the stored
 * events, and returned so they are known next time.
 *
 * Each statement also answers who was who when it ran (the people signature, read in the same
 * snapshot), so counts are only ever combined with counts of the same identities.
 */
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, withClause, type QueryContext } from '../context.js';
import { DAY_MS } from '../../model/time.js';
import { anchoredFunnelCtes, funnelEventNames, levelCountsSql, needsIdealActors, type FunnelQuery } from './funnel.js';
import { compilePeopleSignature } from './live.js';
import { EVENT_IDENTITY, LINK_OF_EVENT, LINKED_ACTOR } from '../sql.js';

/**
 * A row of a kept funnel statement: level counts of one side (`before`, `after`), an actor's horizon
 * (`horizon`, epoch ms), a candidate actor and its earliest new event (`new`, `horizon` holding the
 * instant, `actors` the actor's key: a hash of its id) or earliest new event that can start a chain
 * (`entry`), one event of an actor (`row`: `event`, `properties`, `row_number`, `horizon` holding its
 * instant in µs), events read (`read`), or the people signature (`people`).
 */
export interface KeptFunnelRow {
  side: 'before' | 'after' | 'horizon' | 'new' | 'entry' | 'row' | 'read' | 'people';
  level: number | null;
  breakdown: string | null;
  actors: number | null;
  actor_id: string | null;
  horizon: number | null;
  people: string | null;
  event: string | null;
  properties: string | null;
  row_number: number | null;
}

/** An event of the funnel's names handed to a change statement (from what a kept funnel holds): its actor, name, instant (epoch µs), properties (JSON text) and row number. */
export interface ActorEvent {
  a: string;
  e: string;
  t: number;
  p: string;
  r: number;
}

const NO_TEXT = 'CAST(NULL AS VARCHAR)';
const NO_NUMBER = 'CAST(NULL AS BIGINT)';
/** The columns of a `row`, NULL for the other sides. */
const NO_EVENT = 'NULL, NULL, NULL';
/** An actor's key: a hash of its id, exact in a double (the set of actors with stored events keeps these). */
const actorKey = (actor: string) => `CAST(hash(${actor}) >> 12 AS BIGINT)`;

/** The events stored before row `before` (a bound parameter) with their actor, as the chain plan reads them. */
function storedEvents(before: string, join = ''): string {
  return `(SELECT e.event, e.ts, e.properties, ${LINKED_ACTOR} AS actor_id, e.rowid AS row_number
    FROM events e ${join} ${LINK_OF_EVENT} WHERE e.rowid < ${before})`;
}

/** One side's level counts as kept rows: `level`, `breakdown` (NULL without a split), `actors`. */
function sideCounts(b: StatementBuilder, q: FunnelQuery, side: 'before' | 'after', best: string): string {
  const counts = levelCountsSql(b, q, best);
  const breakdown = counts.keys.includes('breakdown') ? 'breakdown' : NO_TEXT;
  return `SELECT '${side}' AS side, level, ${breakdown} AS breakdown, actors, ${NO_TEXT} AS actor_id, ${NO_NUMBER} AS horizon, ${NO_TEXT} AS people,
      ${NO_TEXT} AS event, ${NO_TEXT} AS properties, ${NO_NUMBER} AS row_number
    FROM (${counts.sql}) ${side}_counts`;
}

/** The instant from which events move only the actors whose horizon reaches them: the range's end less the window. */
export function horizonCutoff(q: FunnelQuery): number {
  return q.range.to - Math.round(q.windowDays * DAY_MS);
}

/** The horizon of each actor of a plan (prefix) whose horizon is at or after the cutoff. */
function horizons(b: StatementBuilder, q: FunnelQuery, prefix: string): string {
  const window = b.params.bind(Math.round(q.windowDays * DAY_MS), 'integer');
  return `SELECT 'horizon', NULL, NULL, NULL, actor_id, max(t) + ${window}, NULL, ${NO_EVENT} FROM ${prefix}s1
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
const readRow = (relation: string) => `SELECT 'read', NULL, NULL, count(*), NULL, NULL, NULL, ${NO_EVENT} FROM ${relation}`;

const peopleRow = () => `SELECT 'people', NULL, NULL, NULL, NULL, NULL, (${compilePeopleSignature().sql}), ${NO_EVENT}`;

/**
 * Each event of a relation (`event`, `ts`, `properties`, `actor_id`, `row_number`) as a `row`; its
 * properties only when a step's condition (or the signup stage's) reads them, else an empty object.
 */
function eventRows(q: FunnelQuery, relation: string): string {
  const readsProperties = [...q.steps, ...(q.signup ? [q.signup] : [])].some((s) => s.selector.where.length > 0);
  return `SELECT 'row', NULL, NULL, NULL, actor_id, epoch_us(ts), NULL, event, ${readsProperties ? 'CAST(properties AS VARCHAR)' : `'{}'`}, row_number FROM ${relation}`;
}

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
 * (`new`, in `horizon`, with the actor's key), and the earliest that can start a chain (`entry`);
 * each of those events (`row`), and `people`.
 */
export function compileFunnelNews(ctx: QueryContext, q: FunnelQuery, kept: number, stored: number): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const rows = `e.rowid >= ${b.params.bind(kept, 'integer')} AND e.rowid < ${b.params.bind(stored, 'integer')}`;
  const earliest = (side: string, where: string) => `SELECT '${side}' AS side, ${NO_NUMBER} AS level, ${NO_TEXT} AS breakdown, ${actorKey('actor_id')} AS actors,
      actor_id, min(${b.ms('ts')}) AS horizon, ${NO_TEXT} AS people, ${NO_TEXT} AS event, ${NO_TEXT} AS properties, ${NO_NUMBER} AS row_number
    FROM new_events WHERE ${where} GROUP BY actor_id`;
  // Entry events are among the funnel's (funnelEventNames holds the signup stage whenever a step counts from it).
  const sql = `WITH new_events AS MATERIALIZED (SELECT e.event, e.ts, e.properties, ${LINKED_ACTOR} AS actor_id, e.rowid AS row_number
      FROM events e ${LINK_OF_EVENT} WHERE ${rows} AND ${b.eventIn(funnelEventNames(q))})
    ${earliest('new', 'TRUE')}
    UNION ALL ${earliest('entry', `${b.eventIn(entryEventNames(q), 'event')} AND ${b.ms('ts')} < ${b.params.bind(q.range.to, 'integer')}`)}
    UNION ALL ${eventRows(q, 'new_events')}
    UNION ALL ${peopleRow()}`;
  return { sql, params: b.params.values };
}

/**
 * The keys of every id with events of the funnel's names among the rows before `stored` and of every
 * user an anonymous id is linked to (`keys`), and `people`: an actor with stored events (its own or
 * a linked id's) has its key among them, whoever else does.
 */
export function compileFunnelActors(ctx: QueryContext, q: FunnelQuery, stored: number): CompiledQuery {
  const b = new StatementBuilder(ctx);
  // Distinct first, then one list of doubles (exact: the keys have 52 bits), lighter than a distinct list of bigints.
  const sql = `SELECT (SELECT list(CAST(key AS DOUBLE)) FROM (SELECT DISTINCT key FROM (
      SELECT ${actorKey(EVENT_IDENTITY)} AS key FROM events e WHERE e.rowid < ${b.params.bind(stored, 'integer')} AND ${b.eventIn(funnelEventNames(q))}
      UNION ALL SELECT ${actorKey('user_id')} FROM identity_links) ids) distinct_ids) AS keys, (${compilePeopleSignature().sql}) AS people`;
  return { sql, params: b.params.values };
}

/** Which actors a change computes again, and where their events come from. */
export interface ChangedActors {
  /** The events (of the funnel's names, rows before `stored`) of those actors whose events are known: all of them. */
  known: readonly ActorEvent[];
  /** The others, whose events are read from the stored events. */
  read: readonly string[];
  /** Whether the events read are returned (as `row`s), to be known next time. */
  keep: boolean;
}

/**
 * The change in level counts of some actors from the rows before `kept` to the rows before `stored`:
 * rows `before` and `after`, their `horizon`s after, the events read for the actors not known
 * (`row`, when kept), and `people`.
 */
export function compileFunnelChange(ctx: QueryContext, q: FunnelQuery, changed: ChangedActors, kept: number, stored: number): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const from = b.params.bind(kept, 'integer');
  const fields = '{"a":"VARCHAR","e":"VARCHAR","t":"BIGINT","p":"JSON","r":"BIGINT"}';
  const known = `SELECT k.e AS event, make_timestamp(k.t) AS ts, k.p AS properties, k.a AS actor_id, k.r AS row_number
    FROM (SELECT unnest(from_json(${b.params.bind(eventsJson(changed.known))}, '[${fields}]'), recursive := true)) k`;
  const ctes = [
    ...(changed.read.length ? readCtes(b, q, changed.read, stored) : []),
    `touched_events AS MATERIALIZED (${known}${changed.read.length ? ' UNION ALL SELECT * FROM read_events' : ''})`,
    // Whether the profile holds is asked of these actors alone.
    ...(needsIdealActors(q) ? [b.idealActorsCte('touched_events')] : []),
    ...anchoredFunnelCtes(b, q, { events: `(SELECT * FROM touched_events WHERE row_number < ${from})`, prefix: 'before_' }),
    ...anchoredFunnelCtes(b, q, { events: 'touched_events', prefix: 'after_' }),
  ];
  const sql = `${withClause(b, ctes, q.segment, false)}
    ${sideCounts(b, q, 'before', 'before_best')}
    UNION ALL ${sideCounts(b, q, 'after', 'after_best')}
    UNION ALL ${horizons(b, q, 'after_')}
    UNION ALL ${readRow('touched_events')}${changed.read.length && changed.keep ? ` UNION ALL ${eventRows(q, 'read_events')}` : ''}
    UNION ALL ${peopleRow()}`;
  return { sql, params: b.params.values };
}

/** Events as a JSON list; the properties are JSON text already. */
function eventsJson(events: readonly ActorEvent[]): string {
  return `[${events.map((x) => `{"a":${JSON.stringify(x.a)},"e":${JSON.stringify(x.e)},"t":${x.t},"p":${x.p},"r":${x.r}}`).join(',')}]`;
}

/**
 * `read_events`: the events of the funnel's names stored before row `stored` of some actors, read from
 * the stored events. An actor's events are those of its own id and of the anonymous ids linked to it:
 * only those rows are read. The keys are unnested from one list, so the join is planned with them
 * (few) as its build side.
 */
function readCtes(b: StatementBuilder, q: FunnelQuery, actors: readonly string[], stored: number): string[] {
  const to = b.params.bind(stored, 'integer');
  return [
    `read_actors AS MATERIALIZED (SELECT DISTINCT unnest(from_json(${b.params.bind(JSON.stringify(actors))}, '["VARCHAR"]')) AS actor_id)`,
    `read_keys AS MATERIALIZED (SELECT actor_id AS raw_key FROM read_actors
      UNION SELECT l.anonymous_id FROM identity_links l JOIN read_actors t ON t.actor_id = l.user_id)`,
    `read_events AS MATERIALIZED (SELECT * FROM ${storedEvents(to, `JOIN (SELECT unnest((SELECT list(raw_key) FROM read_keys)) AS raw_key) k
      ON k.raw_key = ${EVENT_IDENTITY}`)} x
      WHERE ${b.eventIn(funnelEventNames(q), 'x.event')} AND x.actor_id IN (SELECT actor_id FROM read_actors))`,
  ];
}
