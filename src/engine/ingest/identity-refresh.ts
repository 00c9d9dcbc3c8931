import type { TrackedEvent } from '../../model/message.js';
import { countTraitChanges, countTraitRemovals } from '../duckdb/catalogue-summary.js';
import { forgetEventAccounts } from './event-accounts.js';
import { appendNullable, appendRows, timestampValue } from '../duckdb/append-rows.js';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { DuckDbStore } from '../duckdb/database.js';
import type { SqlParams } from '../sql-engine.js';
import {
  accountTraits, parseTraits, replayProfiles, type AccountTraitMessage, type EventAccountRow, type IdentityHistoryRow, type Profile,
} from './profile.js';

/** What a batch touched: the persons (user or anonymous ids) and accounts whose profiles may have changed. */
export interface IdentityTouch {
  persons: Iterable<string>;
  accounts: Iterable<string>;
}

/** A list bound as one JSON parameter: `IN (SELECT unnest(...))`. */
const ID_LIST = `(SELECT unnest(from_json($ids::JSON, '["VARCHAR"]')))`;
const idList = (ids: Iterable<string>) => ({ ids: JSON.stringify([...new Set(ids)]) });

/**
 * Appends ids whose person changed to `people_changes` (a link added or moved to another user, a
 * profile row written differently or removed): kept report weeks then drop only the weeks from
 * those people's earliest event on, not every week.
 */
export async function logPeopleChanges(store: DuckDbStore, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await store.run(`INSERT INTO people_changes SELECT * FROM ${ID_LIST}`, idList(ids));
}

/**
 * Recomputes, from the stored history, the traits of the touched accounts and the profile (traits,
 * account, trait history) of every user the touched persons belong to, plus the members of an account
 * whose traits changed. A linked anonymous id's traits are the user's: it keeps no row of its own.
 */
export async function refreshIdentity(store: DuckDbStore, touch: IdentityTouch): Promise<void> {
  const changedAccounts = await refreshAccounts(store, [...touch.accounts]);
  const persons = new Set(touch.persons);
  if (changedAccounts.length > 0) {
    const members = await store.all<{ person: string }>(`
      SELECT coalesce(user_id, anonymous_id) AS person FROM identity_messages WHERE kind = 'group' AND account_id IN ${ID_LIST}
      UNION SELECT person FROM user_event_accounts WHERE account_id IN ${ID_LIST}`, idList(changedAccounts));
    for (const m of members) if (m.person) persons.add(m.person);
  }
  if (persons.size === 0) return;
  // The users the persons belong to, each with its linked anonymous ids (one row with none if none).
  const rows = await store.all<{ user_id: string; anonymous_id: string | null }>(`
    WITH users AS (
      SELECT DISTINCT coalesce(l.user_id, p.person) AS user_id
      FROM ${ID_LIST} AS p(person) LEFT JOIN identity_links l ON l.anonymous_id = p.person)
    SELECT u.user_id, l.anonymous_id FROM users u LEFT JOIN identity_links l ON l.user_id = u.user_id`, idList(persons));
  const links = rows.flatMap((r) => (r.anonymous_id === null ? [] : [{ anonymous_id: r.anonymous_id, user_id: r.user_id }]));
  await refreshUsers(store, [...new Set(rows.map((r) => r.user_id))], links);
}

/**
 * Folds a relation of (person, account_id, ts), one row per person, into `user_event_accounts`: the
 * later instant wins, a tie goes to the newer write. Returns the persons whose account changed.
 */
export async function upsertEventAccounts(store: DuckDbStore, batch: string, params?: SqlParams): Promise<string[]> {
  forgetEventAccounts(store);
  const changed = await store.all<{ person: string }>(`
    SELECT s.person FROM ${batch} s LEFT JOIN user_event_accounts u ON u.person = s.person
    WHERE u.person IS NULL OR (s.ts >= u.ts AND s.account_id <> u.account_id)`, params);
  await store.run(`INSERT INTO user_event_accounts SELECT person, account_id, ts FROM ${batch}
    ON CONFLICT (person) DO UPDATE SET
      account_id = CASE WHEN excluded.ts >= user_event_accounts.ts THEN excluded.account_id ELSE user_event_accounts.account_id END,
      ts = greatest(excluded.ts, user_event_accounts.ts)`, params);
  return changed.map((c) => c.person);
}

/** Re-merges the accounts' traits; returns the accounts whose stored traits changed. */
async function refreshAccounts(store: DuckDbStore, accounts: string[]): Promise<string[]> {
  if (accounts.length === 0) return [];
  const history = await accountHistory(store, accounts);
  const stored = new Map((await store.all<{ account_id: string; traits: string }>(
    `SELECT account_id, traits::VARCHAR AS traits FROM accounts WHERE account_id IN ${ID_LIST}`, idList(accounts),
  )).map((r) => [r.account_id, r.traits]));
  const changed: { id: string; traits: string; updated: number }[] = [];
  for (const id of new Set(history.map((h) => h.accountId))) {
    const own = history.filter((h) => h.accountId === id);
    const traits = JSON.stringify(accountTraits(own));
    if (stored.get(id) !== traits) changed.push({ id, traits, updated: own[own.length - 1].ts });
  }
  if (changed.length > 0) {
    await store.run('CREATE TEMP TABLE IF NOT EXISTS stage_account_traits AS SELECT * FROM accounts LIMIT 0');
    await appendRows(store, 'stage_account_traits', 'temp', changed, (a, c) => {
      a.appendVarchar(c.id);
      a.appendVarchar(c.traits);
      a.appendTimestamp(timestampValue(c.updated));
    });
    await countTraitChanges(store, 'accounts', 'stage_account_traits');
    await store.run('INSERT OR REPLACE INTO accounts SELECT * FROM stage_account_traits');
    await store.run('DELETE FROM stage_account_traits');
  }
  return changed.map((c) => c.id);
}

async function accountHistory(store: DuckDbStore, accounts: string[]): Promise<AccountTraitMessage[]> {
  if (accounts.length === 0) return [];
  const rows = await store.all<{ account_id: string; traits: string; ts: number }>(`
    SELECT account_id, traits::VARCHAR AS traits, epoch_ms(ts) AS ts FROM identity_messages
    WHERE kind = 'group' AND account_id IN ${ID_LIST} ORDER BY ts, id`, idList(accounts));
  return rows.map((r) => ({ accountId: r.account_id, ts: r.ts, traits: parseTraits(r.traits) }));
}

/** One pass for all the users (with their linked anonymous ids): merged histories, event accounts and accounts' histories. */
async function refreshUsers(store: DuckDbStore, users: string[], links: { anonymous_id: string; user_id: string }[]): Promise<void> {
  const owner = new Map<string, string>(users.map((u) => [u, u]));
  for (const l of links) owner.set(l.anonymous_id, l.user_id);
  const persons = [...owner.keys()];
  const rows = await store.all<IdentityHistoryRow>(`
    SELECT coalesce(user_id, anonymous_id) AS person, kind, account_id, traits::VARCHAR AS traits, set_once::VARCHAR AS set_once,
      unset::VARCHAR AS unset, epoch_ms(ts) AS ts
    FROM identity_messages WHERE kind IN ('identify', 'group') AND coalesce(user_id, anonymous_id) IN ${ID_LIST}
    ORDER BY ts, id`, idList(persons));
  const eventAccounts = await store.all<EventAccountRow>(
    `SELECT person, account_id, epoch_ms(ts) AS ts FROM user_event_accounts WHERE person IN ${ID_LIST}`, idList(persons));
  const profiles = await replayProfiles(users, owner, rows, eventAccounts, (accounts) => accountHistory(store, accounts));

  await store.run(`DELETE FROM user_trait_history WHERE user_id IN ${ID_LIST}`, idList(persons));
  if (links.length > 0) {
    const linkedAway = idList(links.map((l) => l.anonymous_id));
    await countTraitRemovals(store, 'users', ID_LIST, linkedAway);
    await store.run(`INSERT INTO people_changes SELECT user_id FROM users WHERE user_id IN ${ID_LIST}`, linkedAway);
    await store.run(`DELETE FROM users WHERE user_id IN ${ID_LIST}`, linkedAway);
  }
  await storeProfiles(store, profiles);
}

/** A profile as a row of `users` (and of its staging copy). */
function appendProfile(a: DuckDBAppender, [user, p]: [string, Profile]): void {
  a.appendVarchar(user);
  appendNullable(a, p.accountId);
  a.appendVarchar(JSON.stringify(p.traits));
  a.appendTimestamp(timestampValue(p.updatedAt));
}

async function storeProfiles(store: DuckDbStore, profiles: [string, Profile][]): Promise<void> {
  if (profiles.length === 0) return;
  await store.run('CREATE TEMP TABLE IF NOT EXISTS stage_profiles AS SELECT * FROM users LIMIT 0');
  await appendRows(store, 'stage_profiles', 'temp', profiles, appendProfile);
  await countTraitChanges(store, 'users', 'stage_profiles');
  await store.run(`INSERT INTO people_changes SELECT s.user_id FROM stage_profiles s LEFT JOIN users u ON u.user_id = s.user_id
    WHERE u.user_id IS NULL OR u.account_id IS DISTINCT FROM s.account_id OR CAST(u.traits AS VARCHAR) IS DISTINCT FROM CAST(s.traits AS VARCHAR)`);
  await store.run('INSERT OR REPLACE INTO users SELECT * FROM stage_profiles');
  await store.run('DELETE FROM stage_profiles');
  await appendSnapshots(store, profiles);
}

async function appendSnapshots(store: DuckDbStore, profiles: [string, Profile][]): Promise<void> {
  const snapshots = profiles.flatMap(([user, p]) => p.snapshots.map((s) => ({ user, s })));
  await appendRows(store, 'user_trait_history', 'main', snapshots, (a, { user, s }) => {
    a.appendVarchar(user);
    a.appendTimestamp(timestampValue(s.validFrom));
    appendNullable(a, s.accountId);
    a.appendVarchar(JSON.stringify(s.traits));
    a.appendVarchar(JSON.stringify(s.accountTraits));
  });
}

/**
 * The profiles of people new to the store from their events alone (`added`: their event accounts,
 * just written): those with no profile, link, identity message or trait history yet (one query says
 * which) are replayed as every profile is, from their event account, and appended; nothing stored
 * is read or replaced for them. Answers the persons left for `refreshIdentity`.
 */
export async function appendNewProfiles(store: DuckDbStore, added: readonly EventAccountRow[]): Promise<string[]> {
  if (added.length === 0) return [];
  const known = new Set((await store.all<{ person: string }>(`
    SELECT p.person FROM ${ID_LIST} AS p(person) WHERE p.person IN (
      SELECT user_id FROM users UNION ALL SELECT anonymous_id FROM identity_links UNION ALL SELECT user_id FROM identity_links
      UNION ALL SELECT coalesce(user_id, anonymous_id) FROM identity_messages UNION ALL SELECT user_id FROM user_trait_history)`, idList(added.map((a) => a.person)))).map((r) => r.person));
  const fresh = added.filter((a) => !known.has(a.person));
  const users = fresh.map((a) => a.person);
  const profiles = await replayProfiles(users, new Map(users.map((u) => [u, u])), [], fresh, (accounts) => accountHistory(store, accounts));
  // Traits come from identity messages, which these people have none of: the trait-key counts stay as they are.
  if (profiles.some(([, p]) => Object.keys(p.traits).length > 0)) return added.map((a) => a.person);
  await appendRows(store, 'users', 'main', profiles, appendProfile);
  await appendRows(store, 'people_changes', 'main', users, (a, user) => a.appendVarchar(user));
  await appendSnapshots(store, profiles);
  return added.flatMap((a) => (known.has(a.person) ? [a.person] : []));
}
