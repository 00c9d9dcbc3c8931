/**
 * The live first-reach state on DuckDB (query/plans/live.ts says what it holds and how reads merge
 * it): `ensureLiveState` keeps exactly the definitions a journey needs, building a new one from every
 * stored event (a changed definition is a new key, so a config change rebuilds what it changed and
 * drops what no stage uses); `foldLiveState` adds the events past each watermark and gives the
 * identities whose link changed since their person as linked now, in the writer's transaction. A
 * read adds the rows past the watermark itself, so folding late never changes an answer.
 */
import type { StageDefinition } from '../../model/metrics.js';
import { duckdbDialect } from '../../query/dialects/duckdb.js';
import { compileFold, compilePeopleChanges, compileRelink, compileStoredEvents, reachDefinitions, reachKey, type ReachDefinition } from '../../query/plans/live.js';
import type { SqlEngine, SqlParams } from '../sql-engine.js';

/** The writing connection of a DuckDB file (DuckDbStore). */
interface Writer extends SqlEngine {
  run(sql: string, params?: SqlParams): Promise<number>;
}

/** The writer folds once this many events are past a watermark; reads merge fewer than that themselves. */
export const LIVE_FOLD_EVERY = 20_000;

export interface LiveStateProgress {
  /** The definition being built (1-based) of how many. */
  definition: number;
  definitions: number;
  /** Events it was built from. */
  events: number;
}

/** The reach definitions keep no timezone or week start: any query context compiles them alike. */
const context = { dialect: duckdbDialect, time: { timezone: 'UTC', weekStart: 'monday' as const }, idealUser: null };

async function count(store: SqlEngine, q: { sql: string; params: SqlParams }): Promise<number> {
  const [row] = await store.all<{ n: number }>(q.sql, q.params);
  return Number(row.n);
}
const storedEvents = (store: SqlEngine) => count(store, compileStoredEvents());
/** The people changes logged so far, the caller's transaction's own included. */
const peopleChanges = (store: SqlEngine) => count(store, compilePeopleChanges());

/** Folds every row from `from` on (the caller's transaction's own included; compileFold) into the state. */
async function fold(store: Writer, definition: ReachDefinition, from: number): Promise<void> {
  const q = compileFold(context, definition);
  await store.run(q.sql, { ...q.params, from });
}

/** Runs `work` in one committed transaction: the server's write lane, or the store's own. */
export type InTransaction = <T>(work: (store: Writer) => Promise<T>) => Promise<T>;

/**
 * Keeps the state of exactly these stages' definitions: drops the others, then builds each missing
 * one from every stored event in one transaction of its own (its rows and its watermark commit
 * together, so a definition is either whole or absent). Answers how many it built.
 */
export async function ensureLiveState(
  inTransaction: InTransaction, stages: readonly StageDefinition[], onProgress?: (p: LiveStateProgress) => void,
): Promise<number> {
  const wanted = reachDefinitions(stages);
  const keys = new Set(wanted.map(reachKey));
  // Read in the lane too: a server's writing connection serves its write queue alone.
  const existing = new Set((await inTransaction((s) => s.all<{ def: string }>('SELECT def FROM live_state_defs'))).map((r) => r.def));
  const stale = [...existing].filter((def) => !keys.has(def));
  if (stale.length) {
    await inTransaction(async (s) => {
      for (const def of stale) {
        await s.run('DELETE FROM live_reach WHERE def = $def', { def });
        await s.run('DELETE FROM live_state_defs WHERE def = $def', { def });
      }
    });
  }
  const missing = wanted.filter((d) => !existing.has(reachKey(d)));
  for (const [i, definition] of missing.entries()) {
    const def = reachKey(definition);
    const events = await inTransaction(async (s) => {
      const stored = await storedEvents(s);
      await s.run('DELETE FROM live_reach WHERE def = $def', { def });
      await fold(s, definition, 0);
      await s.run('INSERT INTO live_state_defs VALUES ($def, $definition, $watermark, $people, now()::TIMESTAMP)', {
        def, definition: JSON.stringify(definition), watermark: stored, people: await peopleChanges(s),
      });
      return stored;
    });
    onProgress?.({ definition: i + 1, definitions: missing.length, events });
  }
  return missing.length;
}

/**
 * Folds the events past each definition's watermark once at least `atLeast` wait, or once a people
 * change was logged since its last fold, in the caller's transaction (a batch that rolls back folds
 * nothing). Answers how many definitions it folded.
 */
export async function foldLiveState(store: Writer, atLeast = LIVE_FOLD_EVERY): Promise<number> {
  const defs = await store.all<{ def: string; definition: string; watermark: number; people_watermark: number }>(
    'SELECT def, CAST(definition AS VARCHAR) AS definition, watermark, people_watermark FROM live_state_defs');
  if (!defs.length) return 0;
  const stored = await storedEvents(store);
  const people = await peopleChanges(store);
  let folded = 0;
  for (const d of defs) {
    // A link alone (no new event) still moves identities to another person: relinked at once.
    if (stored - Number(d.watermark) < atLeast && people === Number(d.people_watermark)) continue;
    const definition = JSON.parse(d.definition) as ReachDefinition;
    await fold(store, definition, Number(d.watermark));
    const relink = compileRelink(definition);
    await store.run(relink.sql, { ...relink.params, people: Number(d.people_watermark) });
    await store.run('UPDATE live_state_defs SET watermark = $stored, people_watermark = $people WHERE def = $def', { stored, people, def: d.def });
    folded++;
  }
  return folded;
}
