/**
 * The live first-reach state (DuckDB): per stored identity (an event's user id, else its anonymous
 * id) and per reach definition (an event selector and the n-th qualifying event), the n earliest
 * qualifying instants, and the identity's person. Kept at write time from a row watermark (`events`
 * is append only, so the rows from the watermark on are exactly the ones not folded yet) and merged
 * per person at read time: a late event lowers a list, a new link merges lists. An identity whose
 * link changed since its row's person was set is in the people changes past the definition's people
 * watermark, and is looked up in the links again, by the read and by the next fold. A stage counted
 * within days of signup is read from the recent events alone, anchored on the signup instants the
 * state holds.
 */
import { createHash } from 'node:crypto';
import type { EventSelector, StageDefinition, TimeRange } from '../../model/metrics.js';
import { DAY_MS } from '../../model/time.js';
import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';
import { EVENT_IDENTITY } from '../sql.js';

/** What one list of the state holds: the `keep` earliest instants of the events the selector matches. */
export interface ReachDefinition {
  selector: EventSelector;
  keep: number;
}

/** The key a definition's rows are stored under: a hash of the definition, so a changed definition is a new state. */
export function reachKey(definition: ReachDefinition): string {
  const canonical = JSON.stringify({ events: definition.selector.events, where: definition.selector.where, keep: definition.keep });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/**
 * The live state as a read found it: every event stored before row `folded` is in the state of each
 * definition it reads (the lowest watermark when the read was planned; watermarks only rise, so the
 * statement's own, read again inside it, is never lower). Only lets the read skip the older rows.
 */
export interface LiveState {
  folded: number;
}

/** A stage the state answers alone: one counted without a window from signup. */
const fromState = (stage: StageDefinition) => stage.withinDays === undefined;

/**
 * The definitions a journey needs kept: every stage without a window, and the first signup when a
 * stage has one. Visits count per week, not once, so they are read from the week's events.
 */
export function reachDefinitions(stages: readonly StageDefinition[]): ReachDefinition[] {
  const out = new Map<string, ReachDefinition>();
  const add = (d: ReachDefinition) => out.set(reachKey(d), d);
  for (const s of stages) if (fromState(s) && s.stage !== 'visit') add({ selector: s.selector, keep: s.atLeast ?? 1 });
  const signup = stages.find((s) => s.stage === 'signup');
  if (signup && stages.some((s) => !fromState(s))) add({ selector: signup.selector, keep: 1 });
  return [...out.values()];
}

/** The rows of `events` from `from` (a bound row number) on: per identity, the `keep` earliest qualifying instants. */
function foldRows(b: StatementBuilder, definition: ReachDefinition, from: string, keep: string): string {
  const ms = b.ms('e.ts');
  return `SELECT ${EVENT_IDENTITY} AS raw_key, list_slice(list(${ms} ORDER BY ${ms}), 1, ${keep}) AS ts FROM events e
    WHERE e.rowid >= ${from} AND ${b.selector(definition.selector)}
    GROUP BY raw_key`;
}

/** An identity's person (`k.raw_key`, links aliased `l`): the user its link names, else itself. */
const PERSON = 'coalesce(l.user_id, k.raw_key)';

/** Each identity `rawKeys` gives (a statement with a `raw_key` column), and its person as linked now (`actor_id`). */
const linkedPersons = (rawKeys: string) =>
  `SELECT k.raw_key, ${PERSON} AS actor_id FROM (${rawKeys}) k LEFT JOIN identity_links l ON l.anonymous_id = k.raw_key`;

/**
 * The statement that folds the rows from row `from` (its named parameter) on into the state, each
 * identity's row with its person as linked now. No upper bound: in the writing transaction DuckDB
 * numbers the rows it appended past every stored row until it commits, so a bound at the count of
 * rows would skip the transaction's own rows.
 */
export function compileFold(ctx: QueryContext, definition: ReachDefinition): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const key = b.params.bind(reachKey(definition));
  const keep = b.params.bind(definition.keep, 'integer');
  const sql = `INSERT INTO live_reach
    SELECT ${key}, k.raw_key, k.ts, ${PERSON} FROM (${foldRows(b, definition, '$from', keep)}) k
    LEFT JOIN identity_links l ON l.anonymous_id = k.raw_key
    ON CONFLICT (def, raw_key) DO UPDATE SET ts = list_slice(list_sort(list_concat(live_reach.ts, excluded.ts)), 1, ${keep}),
      actor_id = excluded.actor_id`;
  return { sql, params: b.params.values };
}

/**
 * The statement that gives a definition's rows of every identity in the people changes from log row
 * `$people` on its person as linked now (with the fold, in the writer's transaction).
 */
export function compileRelink(definition: ReachDefinition): CompiledQuery {
  const sql = `UPDATE live_reach SET actor_id = c.actor_id
    FROM (${linkedPersons('SELECT DISTINCT raw_key FROM people_changes WHERE rowid >= $people')}) c
    WHERE live_reach.def = $def AND live_reach.raw_key = c.raw_key`;
  return { sql, params: { def: reachKey(definition) } };
}

/**
 * Per actor who first signed up shortly before a cut, how many of each windowed stage's qualifying
 * events fell in its window before the cut (at most the stage's `n`: n means reached before the
 * cut). Stages in the journey's order.
 */
export interface WindowPrefixRow {
  /** The period the prefix is kept under (its first day). */
  period: string;
  actor_id: string;
  counts: number[];
}

/** The windowed stages' events before `cut`, summed up per actor (compileWindowPrefix's rows). */
export interface WindowPrefix {
  cut: number;
  rows: readonly WindowPrefixRow[];
}

/**
 * `reach` as stagesReachSql answers it (actor_id and one instant per stage), from the state and the
 * rows past its watermark; a stage with a window from signup is read from the events since
 * `range.from` less its window, or, with a prefix cut at `range.from`, from the range's own events
 * and the prefix. A missing state is an error, never an empty answer.
 */
export function liveReachSql(b: StatementBuilder, stages: readonly StageDefinition[], range: TimeRange, live: LiveState, prefix?: WindowPrefix): string {
  const { state, windowed } = liveStateSql(b, stages, range, live);
  if (!windowed.length) return `SELECT * FROM (${state}) reach WHERE ${stages.map((s) => `"${s.stage}" IS NOT NULL`).join(' OR ') || 'FALSE'}`;
  if (prefix && prefix.cut !== range.from) throw new Error('a window prefix must end where the range starts');
  return withinSignupWindow(b, stages, windowed, state, range, prefix);
}

/** Per actor, the state's instant of every stage counted without a window, and the first signup (`s$signup_first`) when a stage has one. */
function liveStateSql(b: StatementBuilder, stages: readonly StageDefinition[], range: TimeRange, live: LiveState): { state: string; windowed: StageDefinition[] } {
  const definitions = reachDefinitions(stages);
  const keyOf = new Map(definitions.map((d) => [reachKey(d), b.params.bind(reachKey(d))]));
  const bound = (d: ReachDefinition) => keyOf.get(reachKey(d))!;
  const keys = [...keyOf.values()].join(', ');
  const watermark = (key: string) => `(SELECT w.watermark FROM live_state_defs w WHERE w.def = ${key})`;
  // The rows past the lowest watermark read once for every definition (each keeps those past its own).
  const selects = definitions.map((d) => `(${b.selector(d.selector)})`);
  const lowest = `coalesce((SELECT min(w.watermark) FROM live_state_defs w WHERE w.def IN (${keys}) HAVING count(*) = ${definitions.length}),
      error('the live state is not built'))`;
  // The first bound is a constant, so DuckDB skips the older row groups; the second is exact.
  const tailRows = `tail_rows AS MATERIALIZED (SELECT e.rowid AS r, ${EVENT_IDENTITY} AS raw_key, ${b.ms('e.ts')} AS t,
      ${selects.map((m, i) => `${m} AS m${i}`).join(', ')} FROM events e
      WHERE e.rowid >= ${b.params.bind(live.folded, 'integer')} AND e.rowid >= ${lowest} AND (${selects.join(' OR ')}))`;
  const tails = definitions.map((d, i) => `SELECT ${bound(d)} AS def, t.raw_key, list(t.t) AS ts FROM tail_rows t
      WHERE t.m${i} AND t.r >= ${watermark(bound(d))} GROUP BY t.raw_key`);
  const signup = stages.find((s) => s.stage === 'signup');
  const windowed = stages.filter((s) => !fromState(s));
  if (windowed.length && !signup) throw new Error('a stage counted from signup needs the signup stage');
  // A person's reach (and first signup) is one of their identities' instants: only the people with an
  // instant from the range's start (less the widest window from signup) to its end can count in it.
  const from = range.from - widestWindow(windowed);
  // The state's rows keep their person; only the identities of the rows past the watermarks and those
  // whose link changed since the state's persons were set are looked up in the links (few: one list).
  const lowestPeople = `(SELECT min(w.people_watermark) FROM live_state_defs w WHERE w.def IN (${keys}))`;
  // Gathered into lists and unnested again, so that DuckDB sizes it as one row and builds its joins on it.
  const lookedUp = linkedPersons(`SELECT unnest(list(DISTINCT x.raw_key)) AS raw_key FROM (SELECT t.raw_key FROM tail_rows t
      UNION ALL SELECT c.raw_key FROM people_changes c WHERE c.rowid >= ${lowestPeople}) x`);
  const relinked = `relinked AS MATERIALIZED (SELECT unnest(p.raw_keys) AS raw_key, unnest(p.actors) AS actor_id
    FROM (SELECT list(k.raw_key) AS raw_keys, list(k.actor_id) AS actors FROM (${lookedUp}) k) p)`;
  const keyed = `SELECT coalesce(x.actor_id, s.actor_id) AS actor_id, s.def, s.ts FROM live_reach s
      LEFT JOIN relinked x ON x.raw_key = s.raw_key WHERE s.def IN (${keys})
    UNION ALL SELECT x.actor_id, t.def, t.ts FROM (${tails.join(' UNION ALL ')}) t JOIN relinked x ON x.raw_key = t.raw_key`;
  const merged = `WITH ${tailRows}, ${relinked}, keyed AS MATERIALIZED (${keyed})
    SELECT k.actor_id, k.def, k.ts FROM keyed k
    WHERE k.actor_id IN (SELECT c.actor_id FROM keyed c
      WHERE list_min(c.ts) < ${b.params.bind(range.to, 'integer')} AND list_max(c.ts) >= ${b.params.bind(from, 'integer')})`;
  // The n-th instant of all of a person's identities' lists (a list read past the watermark is unsorted).
  const nth = (d: ReachDefinition, column: string) => d.keep === 1
    ? `min(list_min(m.ts)) FILTER (WHERE m.def = ${bound(d)}) AS ${column}`
    : `list_sort(flatten(list(m.ts) FILTER (WHERE m.def = ${bound(d)})))[${b.params.bind(d.keep, 'integer')}] AS ${column}`;
  const columns = stages.filter(fromState).map((s) => nth({ selector: s.selector, keep: s.atLeast ?? 1 }, `"${s.stage}"`));
  if (windowed.length) columns.push(nth({ selector: signup!.selector, keep: 1 }, '"s$signup_first"'));
  return { state: `SELECT m.actor_id, ${columns.join(', ')} FROM (${merged}) m GROUP BY m.actor_id`, windowed };
}

const windowOf = (s: StageDefinition) => Math.round(s.withinDays! * DAY_MS);

/** The widest window from signup among these stages (ms; 0 when no stage has one). */
export function widestWindow(stages: readonly StageDefinition[]): number {
  return Math.max(0, ...stages.filter((s) => !fromState(s)).map(windowOf));
}

/** The longest range whose events a live read takes for few: a week, also across a clock change. */
const FEW_EVENTS_SPAN = 8 * DAY_MS;

/** Whether a live read of this range reads few events: the week a write recomputes, not a first read of every week. */
export const fewEventsIn = (range: TimeRange) => range.to - range.from <= FEW_EVENTS_SPAN;

/**
 * CTEs defining `name`: per event `where` selects (alias `e`), its actor (`actor_id`, as `actor_events`
 * gives it) and these columns, for a statement that expects few. DuckDB sizes a join from table
 * statistics, so joining a handful of filtered events to the identity links builds its hash table
 * on every link; the events' ids collected into one list first are the side it builds on.
 */
export function fewActorEvents(name: string, where: string, columns: Record<string, string>): string[] {
  const aliases = Object.keys(columns);
  return [
    `${name}_rows AS MATERIALIZED (SELECT ${EVENT_IDENTITY} AS raw_key, ${aliases.map((c) => `${columns[c]} AS ${c}`).join(', ')}
      FROM events e WHERE ${where})`,
    `${name}_actors AS (${linkedPersons(`SELECT unnest(list(DISTINCT raw_key)) AS raw_key FROM ${name}_rows`)})`,
    `${name} AS (SELECT ${aliases.map((c) => `r.${c}`).join(', ')}, a.actor_id FROM ${name}_rows r JOIN ${name}_actors a ON a.raw_key = r.raw_key)`,
  ];
}

/**
 * The events that can decide a windowed reach of the actors anchored at their first signup (`anchors`:
 * actor_id, s) from `since` to `until`, each inside its actor's widest window; and, per stage, the
 * condition that keeps an event inside that stage's own window. With `few`, through fewActorEvents.
 */
function anchoredEvents(b: StatementBuilder, windowed: readonly StageDefinition[], since: string, until: string, few = false) {
  const ms = b.ms('e.ts');
  const widest = b.params.bind(widestWindow(windowed), 'integer');
  const selects = windowed.map((s) => `(${b.selector(s.selector)})`);
  const where = `e.ts >= ${b.d.timestampFromMs(since)} AND e.ts < ${b.d.timestampFromMs(until)} AND (${selects.join(' OR ')})`;
  const near = `${ms} >= a.s AND ${ms} <= a.s + ${widest}`;
  const ctes = few ? fewActorEvents('window_events', where, Object.fromEntries([['ts', 'e.ts'], ...selects.map((m, i) => [`m${i}`, m])])) : [];
  const from = few
    ? `FROM window_events e JOIN anchors a ON a.actor_id = e.actor_id WHERE ${near}`
    : `FROM ${b.actorEvents()} e JOIN anchors a ON a.actor_id = e.actor_id WHERE ${where} AND ${near}`;
  const inWindow = (s: StageDefinition) => {
    const i = windowed.indexOf(s);
    return `${few ? `e.m${i}` : selects[i]} AND ${ms} <= a.s + ${b.params.bind(windowOf(s), 'integer')}`;
  };
  const n = (s: StageDefinition) => b.params.bind(s.atLeast ?? 1, 'integer');
  return { ctes, from, inWindow, ms, n };
}

const anchorsCte = (since: string, until: string) => `anchors AS (SELECT actor_id, "s$signup_first" AS s FROM state
    WHERE "s$signup_first" >= ${since} AND "s$signup_first" < ${until})`;

/**
 * The state's stages beside the windowed ones, read from the events of the actors who signed up
 * recently enough, each event kept only inside its actor's window (so the lists stay short). With a
 * prefix, only the range's own events are read: an actor reaches a stage in the range at the
 * (n − its count before)-th of the range's events, and not at all when it reached it before.
 */
function withinSignupWindow(b: StatementBuilder, stages: readonly StageDefinition[], windowed: StageDefinition[], state: string, range: TimeRange, prefix?: WindowPrefix): string {
  const since = b.params.bind(range.from - widestWindow(windowed), 'integer');
  const until = b.params.bind(range.to, 'integer');
  const events = anchoredEvents(b, windowed, prefix ? b.params.bind(range.from, 'integer') : since, until, prefix !== undefined && fewEventsIn(range));
  const { n } = events;
  const lists = windowed.map((s) => `list_slice(list(${events.ms} ORDER BY ${events.ms}) FILTER (WHERE ${events.inWindow(s)}), 1, ${n(s)}) AS "${s.stage}"`);
  const recent = `SELECT e.actor_id, ${lists.join(', ')} ${events.from} GROUP BY e.actor_id`;
  const nthOf = (s: StageDefinition, i: number) => prefix
    ? `CASE WHEN coalesce(p.counts[${i + 1}], 0) < ${n(s)} THEN w."${s.stage}"[${n(s)} - coalesce(p.counts[${i + 1}], 0)] END`
    : `w."${s.stage}"[${n(s)}]`;
  const ctes = [`state AS MATERIALIZED (${state})`, anchorsCte(since, until), ...events.ctes, `recent AS (${recent})`];
  if (prefix) {
    const rows = b.params.bind(JSON.stringify(prefix.rows.map((r) => ({ a: r.actor_id, c: r.counts }))));
    ctes.push(`prefix AS (SELECT x.a AS actor_id, x.c AS counts
      FROM (SELECT unnest(from_json(${rows}, '[{"a":"VARCHAR","c":"BIGINT[]"}]')) AS x) u)`);
  }
  const windowedColumns = windowed.map((s, i) => `${nthOf(s, i)} AS "${s.stage}"`);
  ctes.push(`windowed AS (SELECT a.actor_id, ${windowedColumns.join(', ')} FROM anchors a
    LEFT JOIN recent w ON w.actor_id = a.actor_id${prefix ? ' LEFT JOIN prefix p ON p.actor_id = a.actor_id' : ''})`);
  const columns = stages.map((s) => (fromState(s) ? `a."${s.stage}" AS "${s.stage}"` : `w."${s.stage}" AS "${s.stage}"`));
  return `WITH ${ctes.join(',\n    ')}
    SELECT * FROM (SELECT a.actor_id, ${columns.join(', ')} FROM state a LEFT JOIN windowed w ON w.actor_id = a.actor_id) reach
    WHERE ${stages.map((s) => `"${s.stage}" IS NOT NULL`).join(' OR ')}`;
}

/**
 * The prefix of the windowed stages before `cut` (WindowPrefixRow, kept under `period`): read once,
 * it lets the weeks from the cut on read their own events only.
 */
export function compileWindowPrefix(ctx: QueryContext, stages: readonly StageDefinition[], cut: number, period: string, live: LiveState): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const { state, windowed } = liveStateSql(b, stages, { from: cut, to: cut }, live);
  if (!windowed.length) throw new Error('no stage is counted within days of signup');
  const since = b.params.bind(cut - widestWindow(windowed), 'integer');
  const until = b.params.bind(cut, 'integer');
  const events = anchoredEvents(b, windowed, since, until);
  const counts = windowed.map((s) => `least(count(*) FILTER (WHERE ${events.inWindow(s)}), ${events.n(s)})`);
  const sql = `WITH state AS MATERIALIZED (${state}), ${anchorsCte(since, until)}
    SELECT ${b.params.bind(period)} AS period, e.actor_id, [${counts.join(', ')}] AS counts
    ${events.from} GROUP BY e.actor_id`;
  return { sql, params: b.params.values };
}

/** The definitions whose state is built, and the events each holds (the rows before its watermark). */
export function compileLiveKeys(): CompiledQuery {
  return { sql: 'SELECT def, watermark FROM live_state_defs ORDER BY def', params: {} };
}

/** How many events are stored: the row number the next one gets (`events` is append only). */
export function compileStoredEvents(): CompiledQuery {
  return { sql: 'SELECT count(*) AS n FROM events', params: {} };
}

/** A set's sum of row hashes: a changed, added or removed row changes it. */
const tableSignature = (columns: string, table: string) => `(SELECT count(*) || ':' || coalesce(sum(hash(${columns})), 0) FROM ${table})`;
const ACCOUNTS_SIGNATURE = tableSignature('account_id, CAST(traits AS VARCHAR)', 'accounts');

/**
 * One text that changes whenever who is who changes: the identity links, and the users' and accounts'
 * traits and accounts (the segments read them).
 */
export function compilePeopleSignature(): CompiledQuery {
  const sql = `SELECT ${tableSignature('anonymous_id, user_id', 'identity_links')} || '/' || ${tableSignature('user_id, account_id, CAST(traits AS VARCHAR)', 'users')}
    || '/' || ${ACCOUNTS_SIGNATURE} AS s`;
  return { sql, params: {} };
}

/** One text that changes whenever an account's traits change (a user's change is in `people_changes`). */
export function compileAccountsSignature(): CompiledQuery {
  return { sql: `SELECT ${ACCOUNTS_SIGNATURE} AS s`, params: {} };
}

/** How many people changes are logged: the row number the next one gets (`people_changes` is append only). */
export function compilePeopleChanges(): CompiledQuery {
  return { sql: 'SELECT count(*) AS n FROM people_changes', params: {} };
}

/**
 * The earliest instant (epoch ms, `t`; null when none) among the events of the people changed from
 * log row `from` on: of each logged id, and of the anonymous ids linked to a logged user. A result
 * that counts people can change only in the periods ending after it.
 */
export function compileChangedPeopleEarliest(from: number): CompiledQuery {
  const sql = `WITH changed AS (SELECT DISTINCT raw_key FROM people_changes WHERE rowid >= $from),
    raw_keys AS (SELECT raw_key FROM changed UNION SELECT l.anonymous_id FROM identity_links l JOIN changed c ON c.raw_key = l.user_id)
    SELECT epoch_ms(min(e.ts)) AS t FROM events e WHERE ${EVENT_IDENTITY} IN (SELECT raw_key FROM raw_keys)`;
  return { sql, params: { from } };
}
