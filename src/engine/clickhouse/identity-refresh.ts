import type { TrackedEvent } from '../../model/message.js';
import { classifyEventAccounts, latestEventAccounts, settleEventAccounts, type KnownAccount, type LatestAccount } from '../ingest/event-accounts.js';
import type { IdentityTouch } from '../ingest/identity-refresh.js';
import {
  accountTraits, parseTraits, replayProfiles, type AccountTraitMessage, type EventAccountRow, type IdentityHistoryRow,
} from '../ingest/profile.js';
import { chTimestamp } from './connection.js';
import type { ClickHouseStore } from './store.js';
import { clickhouseJson, nextSeq } from './values.js';

/**
 * The ClickHouse side of `ingest/identity-refresh.ts`, with the same semantics: event accounts, link
 * changes and the profiles (traits, account, trait history) they touch, replayed by `ingest/profile.ts`.
 */

/** Keeps each person's event account, as the DuckDB writer does (`ingest/event-accounts.ts`); returns the persons whose account changed. */
export async function recordEventAccountsClickHouse(store: ClickHouseStore, events: readonly TrackedEvent[]): Promise<string[]> {
  return recordLatestAccountsClickHouse(store, latestEventAccounts(events));
}

/** The same, from each person's latest event naming an account (computed by the caller, e.g. in SQL). */
export async function recordLatestAccountsClickHouse(store: ClickHouseStore, latest: readonly LatestAccount[]): Promise<string[]> {
  if (latest.length === 0) return [];
  const stored = await store.connection.query(
    'SELECT person, account_id, toUnixTimestamp64Milli(ts) AS ts FROM user_event_accounts WHERE person IN {persons:Array(String)}',
    { persons: latest.map((l) => l.person) },
  ) as { person: string; account_id: string; ts: number }[];
  const known = new Map<string, KnownAccount>(stored.map((r) => [r.person, { account: r.account_id, ts: Number(r.ts), live: false }]));
  const { writes, changed, unsure } = classifyEventAccounts(latest, known);
  if (unsure.length > 0) {
    const rows = await store.connection.query(
      `SELECT person, toUnixTimestamp64Milli(max(ts)) AS latest FROM tn_events
       WHERE account_id IS NOT NULL AND ts > fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND person IN {persons:Array(String)}
       GROUP BY person`,
      { since: Math.min(...unsure.map((u) => u.ts)), persons: unsure.map((u) => u.person) },
    ) as { person: string; latest: number }[];
    const settled = settleEventAccounts(unsure, new Map(rows.map((r) => [r.person, Number(r.latest)])), known);
    writes.push(...settled);
    changed.push(...settled.map((w) => w.person));
  }
  await store.connection.insert('tn_user_event_accounts', writes.map((l) => ({ person: l.person, account_id: l.account_id, ts: chTimestamp(l.ts), written: nextSeq() })));
  return changed;
}

/** Link candidates that add or move a link (earliest wins; ties: the first in the batch): the ids whose profiles change. */
export async function relinkedClickHouse(store: ClickHouseStore, candidates: readonly { anonymous_id: string; user_id: string; ts: number }[]): Promise<string[]> {
  if (candidates.length === 0) return [];
  const earliest = new Map<string, { user_id: string; ts: number }>();
  for (const c of candidates) {
    const e = earliest.get(c.anonymous_id);
    if (!e || c.ts < e.ts) earliest.set(c.anonymous_id, c);
  }
  return relinkedFromEarliestClickHouse(store, earliest);
}

/** The same, from each anonymous id's earliest candidate (computed by the caller, e.g. in SQL). */
export async function relinkedFromEarliestClickHouse(store: ClickHouseStore, earliest: ReadonlyMap<string, { user_id: string; ts: number }>): Promise<string[]> {
  if (earliest.size === 0) return [];
  const stored = new Map((await store.connection.query(
    'SELECT anonymous_id, user_id, toUnixTimestamp64Milli(linked_at) AS ts FROM identity_links WHERE anonymous_id IN {ids:Array(String)}',
    { ids: [...earliest.keys()] },
  ) as { anonymous_id: string; user_id: string; ts: number }[]).map((r) => [r.anonymous_id, r]));
  const out: string[] = [];
  for (const [anon, link] of earliest) {
    const s = stored.get(anon);
    if (!s) out.push(anon, link.user_id);
    else if (link.ts < Number(s.ts) && link.user_id !== s.user_id) out.push(anon, link.user_id, s.user_id);
  }
  return out;
}

export async function refreshIdentityClickHouse(store: ClickHouseStore, touch: IdentityTouch): Promise<void> {
  const changedAccounts = await refreshAccounts(store, [...new Set(touch.accounts)]);
  const persons = new Set(touch.persons);
  if (changedAccounts.length > 0) {
    const members = await store.connection.query(`
      SELECT coalesce(user_id, anonymous_id) AS person FROM identity_messages WHERE kind = 'group' AND account_id IN {accounts:Array(String)}
      UNION DISTINCT SELECT person FROM user_event_accounts WHERE account_id IN {accounts:Array(String)}`, { accounts: changedAccounts }) as { person: string | null }[];
    for (const m of members) if (m.person) persons.add(m.person);
  }
  if (persons.size === 0) return;
  const list = [...persons];
  const links = await store.connection.query(
    'SELECT anonymous_id, user_id FROM identity_links WHERE anonymous_id IN {ids:Array(String)}', { ids: list },
  ) as { anonymous_id: string; user_id: string }[];
  const linked = new Map(links.map((l) => [l.anonymous_id, l.user_id]));
  await refreshUsers(store, [...new Set(list.map((p) => linked.get(p) ?? p))]);
}

async function refreshAccounts(store: ClickHouseStore, accounts: string[]): Promise<string[]> {
  if (accounts.length === 0) return [];
  const history = await accountHistory(store, accounts);
  const stored = new Map((await store.connection.query(
    'SELECT account_id, traits FROM accounts WHERE account_id IN {accounts:Array(String)}', { accounts },
  ) as { account_id: string; traits: string }[]).map((r) => [r.account_id, r.traits]));
  const rows: Record<string, unknown>[] = [];
  for (const id of new Set(history.map((h) => h.accountId))) {
    const own = history.filter((h) => h.accountId === id);
    const traits = accountTraits(own);
    // Compared as parsed JSON: ClickHouse may print a stored number differently from JSON.stringify.
    if (stored.has(id) && JSON.stringify(parseTraits(stored.get(id))) === JSON.stringify(traits)) continue;
    rows.push({ account_id: id, traits: clickhouseJson(traits), updated_at: chTimestamp(own[own.length - 1].ts), written: nextSeq() });
  }
  await store.connection.insert('tn_accounts', rows);
  return rows.map((r) => r.account_id as string);
}

async function accountHistory(store: ClickHouseStore, accounts: string[]): Promise<AccountTraitMessage[]> {
  if (accounts.length === 0) return [];
  const rows = await store.connection.query(`
    SELECT account_id, traits, toUnixTimestamp64Milli(ts) AS ts FROM identity_messages
    WHERE kind = 'group' AND account_id IN {accounts:Array(String)} ORDER BY ts, id`, { accounts }) as { account_id: string; traits: string; ts: number }[];
  return rows.map((r) => ({ accountId: r.account_id, ts: Number(r.ts), traits: parseTraits(r.traits) }));
}

async function refreshUsers(store: ClickHouseStore, users: string[]): Promise<void> {
  const c = store.connection;
  const links = await c.query('SELECT anonymous_id, user_id FROM identity_links WHERE user_id IN {users:Array(String)}', { users }) as { anonymous_id: string; user_id: string }[];
  const owner = new Map<string, string>(users.map((u) => [u, u]));
  for (const l of links) owner.set(l.anonymous_id, l.user_id);
  const persons = [...owner.keys()];
  // The storage table: the view leaves out the `$set_once` / `$unset` columns older stores lacked.
  const rows = await c.query(`
    SELECT person, kind, account_id, traits, set_once, unset, toUnixTimestamp64Milli(ts) AS ts FROM tn_identity_messages FINAL
    WHERE kind IN ('identify', 'group') AND person IN {persons:Array(String)} ORDER BY ts, id`, { persons }) as IdentityHistoryRow[];
  const eventAccounts = await c.query(
    'SELECT person, account_id, toUnixTimestamp64Milli(ts) AS ts FROM user_event_accounts WHERE person IN {persons:Array(String)}', { persons },
  ) as EventAccountRow[];
  const profiles = await replayProfiles(users, owner, rows, eventAccounts, (accounts) => accountHistory(store, accounts));
  await c.insert('tn_users', profiles.map(([user, p]) => ({
    user_id: user, account_id: p.accountId, traits: clickhouseJson(p.traits), updated_at: chTimestamp(p.updatedAt), written: nextSeq(),
  })));
  const generation = nextSeq();
  await c.insert('tn_user_trait_history', profiles.flatMap(([user, p]) => p.snapshots.map((s) => ({
    user_id: user, valid_from: chTimestamp(s.validFrom), account_id: s.accountId, traits: clickhouseJson(s.traits),
    account_traits: clickhouseJson(s.accountTraits), generation,
  }))));
}
