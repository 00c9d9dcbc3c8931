import type { IdentityMessage, NormalizedMessage, TrackedEvent } from '../../model/message.js';
import { FOLD_EVERY, foldNewEvents } from '../duckdb/catalogue-summary.js';
import { foldLiveState, LIVE_FOLD_EVERY } from '../duckdb/live-state.js';
import { appendNullable, appendRows, timestampValue } from '../duckdb/append-rows.js';
import { insertEvents } from '../duckdb/insert-events.js';
import type { DuckDbStore } from '../duckdb/database.js';
import type { DuckDBAppender } from '@duckdb/node-api';
import { loadEventAccounts, recordEventAccounts } from './event-accounts.js';
import { appendNewProfiles, logPeopleChanges, refreshIdentity } from './identity-refresh.js';
import { fingerprint, fingerprintValue, type Fingerprint } from './dedupe-index.js';
import { claimIds } from './dedupe-store.js';

export { claimIds, forgetDedupeIndex } from './dedupe-store.js';

export interface WriteCounts {
  /** Messages newly stored (events and identity messages). */
  inserted: number;
  /** Messages whose id was already stored, or repeated within the batch. */
  duplicates: number;
}

/**
 * How events go into `events`: `appender`, DuckDB's appender, which inserts synchronously on this
 * thread when it flushes; `statement`, one INSERT run on DuckDB's threads from the rows handed over
 * as text (insert-events.ts), while this thread goes on with other work. Both store the same rows.
 */
export type EventsInsert = 'appender' | 'statement';

export interface IngestWriterOptions {
  /** How events go into `events`; default the appender. */
  eventsInsert?: EventsInsert;
  /**
   * `inline` (the default): the catalogue summary and the live state are folded in the writer's
   * transaction every so many events; `caller`: the caller folds them itself (the server's write
   * queue, in a transaction of their own that no request waits on).
   */
  folds?: 'inline' | 'caller';
}

/**
 * The columns `events` and `identity_messages` share, in their order: id, fingerprint, event name or
 * call kind, timestamp, the three ids, the properties or traits as JSON, when received, the source.
 */
function appendStoredMessage(
  a: DuckDBAppender, m: NormalizedMessage, f: Fingerprint, name: string, json: string, received: ReturnType<typeof timestampValue>, source: string,
): void {
  a.appendVarchar(m.id);
  a.appendUHugeInt(fingerprintValue(f));
  a.appendVarchar(name);
  a.appendTimestamp(timestampValue(m.timestamp));
  appendNullable(a, m.userId);
  appendNullable(a, m.anonymousId);
  appendNullable(a, m.accountId);
  a.appendVarchar(json);
  a.appendTimestamp(received);
  a.appendVarchar(source);
}

/** Link candidates: messages carrying both an anonymous id and a user id. */
export const STAGE_LINKS = `CREATE TEMP TABLE IF NOT EXISTS stage_links (anonymous_id VARCHAR, user_id VARCHAR, ts TIMESTAMP)`;

const STAGING = [
  `CREATE TEMP TABLE IF NOT EXISTS stage_identity (
     id VARCHAR, id_hash UHUGEINT, kind VARCHAR, ts TIMESTAMP, user_id VARCHAR, anonymous_id VARCHAR, account_id VARCHAR,
     traits VARCHAR, received_at TIMESTAMP, source VARCHAR, set_once VARCHAR, unset VARCHAR)`,
  STAGE_LINKS,
];

/**
 * Writes normalised messages to the store: exact dedupe on message id, identity links that apply
 * retroactively, and current user/account traits (latest timestamp wins; history is kept).
 * The caller decides the transaction boundary.
 *
 * Events go straight into `events` (one pass, no staging copy; EventsInsert says how); identity
 * messages, which are few, go through a staging table the trait refresh reads; the messages carrying
 * both ids are collected as link candidates on the way.
 */
export class IngestWriter {
  private prepared = false;

  constructor(private readonly store: DuckDbStore, private readonly source: string, private readonly options: IngestWriterOptions = {}) {
    // Staging tables created inside a transaction that rolls back are gone: create them again.
    store.onRollback(() => {
      this.prepared = false;
    });
  }

  async write(messages: readonly NormalizedMessage[], receivedAt: number = Date.now()): Promise<WriteCounts> {
    if (messages.length === 0) return { inserted: 0, duplicates: 0 };
    const index = await claimIds(this.store);
    const fingerprints = messages.map((m) => fingerprint(m.id));
    const fresh = await index.claim(fingerprints);
    // The others were stored already, or repeated in this batch.
    const claimed: Claimed[] = messages.flatMap((m, i) => (fresh[i] ? [{ m, f: fingerprints[i] }] : []));
    return { inserted: await this.writeClaimed(claimed, receivedAt), duplicates: messages.length - claimed.length };
  }

  /**
   * Stores messages whose ids were claimed in the store's dedupe index (`claimIds`); answers how many.
   * `eventAccounts: false`: the caller keeps the events' accounts itself (with rows stored another way);
   * `touched`: persons whose profiles the caller's own rows changed, refreshed with the batch's.
   */
  async writeClaimed(
    claimed: readonly Claimed[], receivedAt: number = Date.now(), options: { eventAccounts?: boolean; touched?: readonly string[] } = {},
  ): Promise<number> {
    if (claimed.length === 0) return 0;
    await this.prepare();
    const events: { m: TrackedEvent; f: Fingerprint }[] = [];
    const identities: { m: IdentityMessage; f: Fingerprint }[] = [];
    for (const c of claimed) {
      if (c.m.kind === 'event') events.push({ m: c.m, f: c.f });
      else identities.push({ m: c.m, f: c.f });
    }

    const received = timestampValue(receivedAt);
    if (events.length > 0) {
      if (this.options.eventsInsert === 'statement') await insertEvents(this.store, events.map((e) => e.m), receivedAt, this.source);
      else await this.appendEvents(events, received);
      if (this.options.folds !== 'caller') {
        await foldEventually(this.store, events.length);
        await foldLiveEventually(this.store, events.length);
      }
    }
    if (identities.length > 0) {
      await appendRows(this.store, 'stage_identity', 'temp', identities, (a, { m, f }) => {
        appendStoredMessage(a, m, f, m.kind, JSON.stringify(m.traits), received, this.source);
        appendNullable(a, m.setOnce ? JSON.stringify(m.setOnce) : null);
        appendNullable(a, m.unset ? JSON.stringify(m.unset) : null);
      });
      await this.store.run(`INSERT INTO identity_messages SELECT * FROM stage_identity`);
      await this.store.run('DELETE FROM stage_identity');
    }
    const accounts = options.eventAccounts === false ? { changed: [], added: [] } : await recordEventAccounts(this.store, events.map((e) => e.m));
    // Link candidates: the stored messages carrying both ids, events first, in batch order.
    const links: NormalizedMessage[] = [];
    const relinked: string[] = [];
    for (const { m } of events) if (m.userId !== null && m.anonymousId !== null && m.anonymousId !== m.userId) links.push(m);
    for (const { m } of identities) if (m.userId !== null && m.anonymousId !== null && m.anonymousId !== m.userId) links.push(m);
    if (links.length > 0) {
      await appendRows(this.store, 'stage_links', 'temp', links, (a, m) => {
        a.appendVarchar(m.anonymousId!);
        a.appendVarchar(m.userId!);
        a.appendTimestamp(timestampValue(m.timestamp));
      });
      relinked.push(...(await linkStagedIdentities(this.store)));
    }
    const touched = options.touched ?? [];
    const accountChanged = await this.newProfilesAppended(accounts, identities.length + relinked.length + touched.length === 0);
    if (identities.length > 0 || accountChanged.length > 0 || relinked.length > 0 || touched.length > 0) {
      await refreshIdentity(this.store, {
        persons: [...identities.flatMap(({ m }) => (m.userId ?? m.anonymousId) ?? []), ...accountChanged, ...relinked, ...touched],
        accounts: identities.flatMap(({ m }) => (m.kind === 'group' && m.accountId ? [m.accountId] : [])),
      });
    }
    return events.length + identities.length;
  }

  /**
   * The persons whose event account changed, less those new people whose profiles were appended
   * (`appendNewProfiles`): only in a batch that changes nothing else about people.
   */
  private async newProfilesAppended(accounts: Awaited<ReturnType<typeof recordEventAccounts>>, onlyEventAccounts: boolean): Promise<string[]> {
    if (!onlyEventAccounts || accounts.added.length === 0) return accounts.changed;
    const added = new Set(accounts.added.map((a) => a.person));
    const left = await appendNewProfiles(this.store, accounts.added);
    return [...accounts.changed.filter((p) => !added.has(p)), ...left];
  }

  private appendEvents(events: readonly { m: TrackedEvent; f: Fingerprint }[], received: ReturnType<typeof timestampValue>): Promise<void> {
    return appendRows(this.store, 'events', 'main', events, (a, { m: e, f }) => {
      appendStoredMessage(a, e, f, e.event, JSON.stringify(e.properties), received, this.source);
    });
  }

  /**
   * What the first write would load, loaded now (a server starting, so that its first requests do not
   * wait on it): the staging tables of this connection and, in a store of at most WARM_UP_TO messages,
   * the dedupe index and the known event accounts. A larger store's take seconds and memory to load,
   * which a server that only reads should not spend: they load at its first write.
   */
  async warm(): Promise<void> {
    const [{ n }] = await this.store.all<{ n: number }>('SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM identity_messages) AS n');
    if (Number(n) <= WARM_UP_TO) {
      await claimIds(this.store);
      await loadEventAccounts(this.store);
    }
    await this.prepare();
  }

  private async prepare(): Promise<void> {
    if (this.prepared) return;
    for (const sql of STAGING) await this.store.run(sql);
    this.prepared = true;
  }

}

/** Stored messages up to which `warm` loads the dedupe index and the known event accounts. */
export const WARM_UP_TO = 100_000;

/** A message and its id's fingerprint, claimed in the dedupe index. */
export interface Claimed {
  m: NormalizedMessage;
  f: Fingerprint;
}

/**
 * Runs `fold` in the writer's transaction once `every` events were appended to a store since it
 * last ran (a store opened folds everything); a fold that fails is tried again at the next write.
 */
function foldEvery(every: number, fold: (store: DuckDbStore) => Promise<unknown>): (store: DuckDbStore, appended: number) => Promise<void> {
  const since = new WeakMap<DuckDbStore, number>();
  return async (store, appended) => {
    const count = (since.get(store) ?? 0) + appended;
    if (count < every) {
      since.set(store, count);
      return;
    }
    await fold(store);
    since.set(store, 0);
  };
}

/** Folds the catalogue summary once FOLD_EVERY events were appended. */
export const foldEventually = foldEvery(FOLD_EVERY, foldNewEvents);
/** Folds the live first-reach state once LIVE_FOLD_EVERY events were appended. */
const foldLiveEventually = foldEvery(LIVE_FOLD_EVERY, (store) => foldLiveState(store));

/**
 * Folds the staged link candidates into `identity_links` and empties the stage: any message carrying
 * both ids links the anonymous id to the user; the earliest link wins, whatever the arrival order.
 * Returns the ids whose profiles the new or moved links change: the anonymous ids and both users.
 */
export async function linkStagedIdentities(store: DuckDbStore): Promise<string[]> {
  // The candidates that add a link or move one earlier; those that also change who it links are `changed`.
  const earlier = await store.all<{ anonymous_id: string; user_id: string; previous: string | null }>(`
    SELECT s.anonymous_id, s.user_id, l.user_id AS previous
    FROM (SELECT anonymous_id, arg_min(user_id, ts) AS user_id, min(ts) AS ts FROM stage_links GROUP BY anonymous_id) s
    LEFT JOIN identity_links l ON l.anonymous_id = s.anonymous_id
    WHERE l.anonymous_id IS NULL OR s.ts < l.linked_at`);
  const changed = earlier.filter((c) => c.previous === null || c.previous !== c.user_id);
  // Without one, the links stay as they are and are not written (readers keep what they computed from them).
  if (earlier.length > 0) {
    await store.run(`
      INSERT INTO identity_links
      SELECT anonymous_id, arg_min(user_id, ts), min(ts) FROM stage_links
      GROUP BY anonymous_id
      ON CONFLICT (anonymous_id) DO UPDATE SET
        user_id = CASE WHEN excluded.linked_at < identity_links.linked_at THEN excluded.user_id ELSE identity_links.user_id END,
        linked_at = least(excluded.linked_at, identity_links.linked_at)`);
  }
  await store.run('DELETE FROM stage_links');
  await logPeopleChanges(store, changed.map((c) => c.anonymous_id));
  return changed.flatMap((c) => [c.anonymous_id, c.user_id, ...(c.previous === null ? [] : [c.previous])]);
}
