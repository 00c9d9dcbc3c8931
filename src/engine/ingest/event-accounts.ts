import type { TrackedEvent } from '../../model/message.js';
import { appendRows, timestampValue } from '../duckdb/append-rows.js';
import type { DuckDbStore } from '../duckdb/database.js';
import type { DuckDBAppender } from '@duckdb/node-api';

/**
 * A person's account from events: the account named by its latest event that names one (a tie goes
 * to the later write). `user_event_accounts` keeps, per person, that account and the instant of the
 * event that set it; a batch writes a row only when the account is new or changes, never to move the
 * instant on, which keeps the steady stream of events of known people free of writes.
 *
 * Deciding that an event changes a person's account needs the latest instant of that person's events
 * naming an account. Within a process the writer keeps it in memory (`live`); a row loaded from the
 * table (after a start or a rollback) only gives a lower bound, so then the events are asked.
 */
export interface KnownAccount {
  account: string;
  /** The latest instant seen naming an account: exact when `live`, else a lower bound. */
  ts: number;
  live: boolean;
}

export interface LatestAccount {
  person: string;
  account_id: string;
  ts: number;
}

/** Per person, the account of its latest event in the batch that names one (ties: the later in the batch). */
export function latestEventAccounts(events: readonly TrackedEvent[]): LatestAccount[] {
  const latest = new Map<string, LatestAccount>();
  for (const e of events) {
    const person = e.userId ?? e.anonymousId;
    if (!e.accountId || !person) continue;
    const current = latest.get(person);
    if (!current || e.timestamp >= current.ts) latest.set(person, { person, account_id: e.accountId, ts: e.timestamp });
  }
  return [...latest.values()];
}

/**
 * Decides a batch against what is known (`known` is updated in place): the rows to write, the
 * persons whose account changes, and the candidates whose change needs the events' latest instant.
 */
export function classifyEventAccounts(latest: readonly LatestAccount[], known: Map<string, KnownAccount>) {
  const writes: LatestAccount[] = [];
  const changed: string[] = [];
  const unsure: LatestAccount[] = [];
  for (const row of latest) {
    const k = known.get(row.person);
    if (!k || (k.account !== row.account_id && row.ts >= k.ts && k.live)) {
      writes.push(row);
      changed.push(row.person);
      known.set(row.person, { account: row.account_id, ts: row.ts, live: true });
    } else if (k.account === row.account_id) {
      k.ts = Math.max(k.ts, row.ts);
    } else if (row.ts >= k.ts) {
      unsure.push(row);
    }
  }
  return { writes, changed, unsure };
}

/**
 * Settles the unsure candidates with the latest instant of each one's events naming an account
 * (absent: none after the candidate): a candidate with no later event changes the account.
 */
export function settleEventAccounts(unsure: readonly LatestAccount[], latestInstant: Map<string, number>, known: Map<string, KnownAccount>) {
  const writes: LatestAccount[] = [];
  for (const row of unsure) {
    const later = latestInstant.get(row.person);
    if (later !== undefined && later > row.ts) {
      known.set(row.person, { account: known.get(row.person)!.account, ts: later, live: true });
    } else {
      writes.push(row);
      known.set(row.person, { account: row.account_id, ts: row.ts, live: true });
    }
  }
  return writes;
}

const caches = new WeakMap<DuckDbStore, Promise<Map<string, KnownAccount>>>();
const watched = new WeakSet<DuckDbStore>();
/** Stores whose connection has the staging table. */
const staged = new WeakSet<DuckDbStore>();

/** The store's known accounts: loaded once from the table, kept by the writers, dropped by a rollback. */
function knownAccounts(store: DuckDbStore): Promise<Map<string, KnownAccount>> {
  let cached = caches.get(store);
  if (!cached) {
    const loading = store
      .all<{ person: string; account_id: string; ts: number }>('SELECT person, account_id, epoch_ms(ts) AS ts FROM user_event_accounts')
      .then((rows) => new Map(rows.map((r) => [r.person, { account: r.account_id, ts: Number(r.ts), live: false }])));
    cached = loading;
    caches.set(store, loading);
    if (!watched.has(store)) {
      watched.add(store);
      store.onRollback(() => {
        caches.delete(store);
        staged.delete(store);
      });
    }
    loading.catch(() => {
      if (caches.get(store) === loading) caches.delete(store);
    });
  }
  return cached;
}

/** Loads the store's known accounts ahead of its first write (a server starting). */
export async function loadEventAccounts(store: DuckDbStore): Promise<void> {
  await knownAccounts(store);
}

/** After rows were written to `user_event_accounts` by another path (a bulk import): load them again. */
export function forgetEventAccounts(store: DuckDbStore): void {
  caches.delete(store);
}

/**
 * Keeps each person's event account, in the writer's transaction. Answers the persons whose account
 * changed, and of them those the table had no row for (`added`, with the rows written).
 */
export async function recordEventAccounts(store: DuckDbStore, events: readonly TrackedEvent[]): Promise<{ changed: string[]; added: LatestAccount[] }> {
  const latest = latestEventAccounts(events);
  if (latest.length === 0) return { changed: [], added: [] };
  const known = await knownAccounts(store);
  // Persons the table has no row for (`known` holds every row): theirs are plain appends.
  const unknown = new Set(latest.flatMap((r) => (known.has(r.person) ? [] : [r.person])));
  const { writes, changed, unsure } = classifyEventAccounts(latest, known);
  if (unsure.length > 0) {
    const rows = await store.all<{ person: string; ts: number }>(`
      SELECT coalesce(user_id, anonymous_id) AS person, epoch_ms(max(ts)) AS ts FROM events
      WHERE account_id IS NOT NULL AND ts > epoch_ms($since::BIGINT)
        AND coalesce(user_id, anonymous_id) IN (SELECT unnest(from_json($persons::JSON, '["VARCHAR"]')))
      GROUP BY 1`, { since: Math.min(...unsure.map((u) => u.ts)), persons: JSON.stringify(unsure.map((u) => u.person)) });
    const settled = settleEventAccounts(unsure, new Map(rows.map((r) => [r.person, Number(r.ts)])), known);
    writes.push(...settled);
    changed.push(...settled.map((s) => s.person));
  }
  const added = writes.filter((w) => unknown.has(w.person));
  if (added.length > 0) await appendRows(store, 'user_event_accounts', 'main', added, appendAccount);
  const replaced = writes.filter((w) => !unknown.has(w.person));
  if (replaced.length > 0) await replaceEventAccounts(store, replaced);
  return { changed, added };
}

function appendAccount(a: DuckDBAppender, row: LatestAccount): void {
  a.appendVarchar(row.person);
  a.appendVarchar(row.account_id);
  a.appendTimestamp(timestampValue(row.ts));
}

async function replaceEventAccounts(store: DuckDbStore, writes: readonly LatestAccount[]): Promise<void> {
  if (!staged.has(store)) {
    // Created once per connection; a rollback of the transaction that created it drops it again.
    await store.run('CREATE TEMP TABLE IF NOT EXISTS stage_event_accounts (person VARCHAR, account_id VARCHAR, ts TIMESTAMP)');
    staged.add(store);
  }
  await appendRows(store, 'stage_event_accounts', 'temp', writes, appendAccount);
  await store.run('INSERT OR REPLACE INTO user_event_accounts SELECT person, account_id, ts FROM stage_event_accounts');
  await store.run('DELETE FROM stage_event_accounts');
}
