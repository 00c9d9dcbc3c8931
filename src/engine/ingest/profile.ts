import type { JsonObject } from '../../model/message.js';

/**
 * A person's profile replayed from its identity history (docs/identity.md): the one place the trait
 * rules live, shared by the DuckDB and the ClickHouse writers.
 *
 * - Messages apply in time order (ties: message id), whatever the order they arrived in, over the
 *   merged history of the user and every anonymous id linked to it.
 * - In one message, `$set_once` keys are written only where the trait has no value yet, then `set`
 *   overwrites, then `unset` removes.
 * - The account is the latest `group` call's; without one, the account named by the person's latest
 *   event that names one (`context.groupId`, `properties.account_id`, PostHog `$groups`).
 */
export interface TraitMessage {
  kind: string;
  ts: number;
  accountId: string | null;
  set: JsonObject;
  setOnce: JsonObject;
  unset: string[];
}

/** One `group` call on an account: its traits, applied in time order. */
export interface AccountTraitMessage {
  accountId: string;
  ts: number;
  traits: JsonObject;
}

/** The profile from `validFrom` until the next snapshot: what the ideal user profile is evaluated on. */
export interface ProfileSnapshot {
  validFrom: number;
  accountId: string | null;
  traits: JsonObject;
  accountTraits: JsonObject;
}

export interface Profile {
  accountId: string | null;
  traits: JsonObject;
  updatedAt: number;
  snapshots: ProfileSnapshot[];
}

/** Traits are data: with no prototype, a `__proto__` key is stored, not swallowed. */
export function emptyTraits(): JsonObject {
  return Object.create(null) as JsonObject;
}

export function applyTraits(traits: JsonObject, m: Pick<TraitMessage, 'set' | 'setOnce' | 'unset'>): void {
  for (const [key, value] of Object.entries(m.setOnce)) if (!Object.hasOwn(traits, key)) traits[key] = value;
  Object.assign(traits, m.set);
  for (const key of m.unset) delete traits[key];
}

/** An account's traits: its group calls merged in time order. */
export function accountTraits(history: readonly AccountTraitMessage[]): JsonObject {
  const traits = emptyTraits();
  for (const h of history) Object.assign(traits, h.traits);
  return traits;
}

/**
 * Replays a user's merged history (sorted by time, then id). `accountHistory` holds the group calls
 * of every account the user belongs to at some point (sorted); `eventAccount` is the account of the
 * person's latest event naming one. Null when there is nothing to build a profile from.
 */
export function replayProfile(
  history: readonly TraitMessage[], accountHistory: readonly AccountTraitMessage[], eventAccount: { accountId: string; ts: number } | null,
): Profile | null {
  if (history.length === 0 && !eventAccount) return null;
  const involved = new Set(history.filter((m) => m.kind === 'group' && m.accountId).map((m) => m.accountId!));
  if (eventAccount) involved.add(eventAccount.accountId);
  const accounts = accountHistory.filter((a) => involved.has(a.accountId));
  const instants = [...new Set([...history.map((m) => m.ts), ...accounts.map((a) => a.ts)])].sort((a, b) => a - b);

  const traits = emptyTraits();
  const byAccount = new Map<string, JsonObject>();
  let groupAccount: string | null = null;
  let next = 0;
  let nextAccount = 0;
  const snapshots: ProfileSnapshot[] = [];
  let previous = '';
  for (const t of instants) {
    for (; next < history.length && history[next].ts <= t; next++) {
      const m = history[next];
      if (m.kind === 'identify') applyTraits(traits, m);
      else if (m.kind === 'group' && m.accountId) groupAccount = m.accountId;
    }
    for (; nextAccount < accounts.length && accounts[nextAccount].ts <= t; nextAccount++) {
      const a = accounts[nextAccount];
      Object.assign(byAccount.get(a.accountId) ?? byAccount.set(a.accountId, emptyTraits()).get(a.accountId)!, a.traits);
    }
    const accountId = groupAccount ?? eventAccount?.accountId ?? null;
    const snapshot: ProfileSnapshot = { validFrom: t, accountId, traits: { ...traits }, accountTraits: { ...(accountId ? byAccount.get(accountId) : undefined) } };
    const key = JSON.stringify([snapshot.accountId, snapshot.traits, snapshot.accountTraits]);
    if (key !== previous) snapshots.push(snapshot);
    previous = key;
  }
  const updatedAt = history.length > 0 ? history[history.length - 1].ts : eventAccount!.ts;
  return { accountId: groupAccount ?? eventAccount?.accountId ?? null, traits, updatedAt, snapshots };
}

/** The stored form of a message's `$set_once` / `$unset` (JSON text) read back. */
export function parseUnset(text: string | null | undefined): string[] {
  if (!text) return [];
  const value = JSON.parse(text) as unknown;
  return Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : [];
}

export function parseTraits(text: string | null | undefined): JsonObject {
  if (!text) return emptyTraits();
  return Object.assign(emptyTraits(), JSON.parse(text) as JsonObject);
}

/** One identify or group message of a person (a user id or an anonymous id), as both engines read it. */
export type IdentityHistoryRow = {
  person: string;
  kind: string;
  account_id: string | null;
  traits: string;
  set_once: string | null;
  unset: string | null;
  ts: number;
};

/** The latest event's account of a person (a user id or an anonymous id). */
export type EventAccountRow = { person: string; account_id: string; ts: number };

/**
 * The users' profiles: `owner` maps each of their ids to the user, `rows` are those ids' messages in
 * time order, `eventAccounts` their latest events' accounts (the latest over a user's ids wins; on a
 * tie the user id's own), and `groupCalls` reads the named accounts' group calls.
 */
export async function replayProfiles(
  users: readonly string[], owner: ReadonlyMap<string, string>, rows: readonly IdentityHistoryRow[], eventAccountRows: readonly EventAccountRow[],
  groupCalls: (accounts: string[]) => Promise<AccountTraitMessage[]>,
): Promise<[string, Profile][]> {
  const history = new Map<string, TraitMessage[]>();
  for (const h of rows) {
    const user = owner.get(h.person)!;
    const list = history.get(user) ?? history.set(user, []).get(user)!;
    list.push({ kind: h.kind, ts: Number(h.ts), accountId: h.account_id, set: parseTraits(h.traits), setOnce: parseTraits(h.set_once), unset: parseUnset(h.unset) });
  }
  const eventAccounts = new Map<string, { accountId: string; ts: number }>();
  for (const e of eventAccountRows) {
    const user = owner.get(e.person)!;
    const best = eventAccounts.get(user);
    const ts = Number(e.ts);
    if (!best || ts > best.ts || (ts === best.ts && e.person === user)) eventAccounts.set(user, { accountId: e.account_id, ts });
  }
  const accounts = new Set([...eventAccounts.values()].map((e) => e.accountId));
  for (const h of rows) if (h.kind === 'group' && h.account_id) accounts.add(h.account_id);
  const accountMessages = await groupCalls([...accounts]);
  const profiles: [string, Profile][] = [];
  for (const user of users) {
    const profile = replayProfile(history.get(user) ?? [], accountMessages, eventAccounts.get(user) ?? null);
    if (profile) profiles.push([user, profile]);
  }
  return profiles;
}
