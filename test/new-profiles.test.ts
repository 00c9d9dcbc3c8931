/**
 * New people from events alone get their profiles appended (appendNewProfiles) instead of refreshed
 * from the stored history: the rows written must be exactly those a full refresh writes, so a full
 * refresh of everyone afterwards changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { refreshIdentity } from '../src/engine/ingest/identity-refresh.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { normalizeAll } from './helpers/engines.js';

let n = 0;
const id = () => `m-${++n}`;
const at = (hour: number) => `2026-03-02T${String(hour).padStart(2, '0')}:00:00Z`;
const track = (ids: object, hour: number, account?: string) =>
  ({ type: 'track', event: 'Message Sent', ...ids, timestamp: at(hour), messageId: id(), ...(account ? { context: { groupId: account } } : {}) });

const BEFORE = [
  { type: 'group', userId: 'owner', groupId: 'acct-1', traits: { plan: 'pro' }, timestamp: at(8), messageId: id() },
  { type: 'group', userId: 'owner', groupId: 'acct-1', traits: { seats: 9 }, timestamp: at(12), messageId: id() },
  { type: 'identify', userId: 'known', traits: { role: 'eng' }, timestamp: at(8), messageId: id() },
  track({ userId: 'known' }, 9, 'acct-1'),
  { type: 'identify', userId: 'identified', traits: { role: 'pm' }, timestamp: at(8), messageId: id() },
  { type: 'identify', userId: 'linked', anonymousId: 'anon-linked', traits: {}, timestamp: at(8), messageId: id() },
];
/** Track events only: new people (one anonymous), people known another way, and a known person's new account. */
const TRACKS = [
  track({ userId: 'new-1' }, 10, 'acct-1'), track({ userId: 'new-1' }, 11, 'acct-2'),
  track({ userId: 'new-2' }, 13, 'acct-1'), track({ anonymousId: 'new-anon' }, 10, 'acct-2'),
  track({ userId: 'new-3' }, 10),
  track({ userId: 'known' }, 14, 'acct-2'), track({ userId: 'identified' }, 10, 'acct-1'), track({ anonymousId: 'anon-linked' }, 10, 'acct-1'),
];

const PEOPLE = ['owner', 'known', 'identified', 'linked', 'anon-linked', 'new-1', 'new-2', 'new-3', 'new-anon'];

async function stored(store: DuckDbStore) {
  return {
    users: await store.all('SELECT user_id, account_id, CAST(traits AS VARCHAR) AS traits, epoch_ms(updated_at) AS updated FROM users ORDER BY user_id'),
    history: await store.all(`SELECT user_id, epoch_ms(valid_from) AS valid_from, account_id, CAST(traits AS VARCHAR) AS traits,
      CAST(account_traits AS VARCHAR) AS account_traits FROM user_trait_history ORDER BY user_id, valid_from`),
    traitKeys: await store.all('SELECT * FROM catalogue_trait_keys ORDER BY ALL'),
    changes: await store.all('SELECT raw_key, count(*) AS n FROM people_changes GROUP BY raw_key ORDER BY raw_key'),
  };
}

describe('profiles of new people from events', () => {
  it('are appended as a full refresh writes them', async () => {
    const store = await DuckDbStore.open(':memory:');
    try {
      const writer = new IngestWriter(store, 'test');
      await store.transaction(() => writer.write(normalizeAll(BEFORE)));
      await store.transaction(() => writer.write(normalizeAll(TRACKS)));
      const appended = await stored(store);
      // By hand: new-1's latest event names acct-2 (11:00), which has no group call; new-2 is in acct-1, whose
      // traits at 13:00 are plan and seats; new-3 names no account, so has no profile.
      expect(appended.users).toContainEqual({ user_id: 'new-1', account_id: 'acct-2', traits: '{}', updated: Date.parse(at(11)) });
      expect(appended.history.filter((h) => (h as { user_id: string }).user_id === 'new-2')).toEqual([
        { user_id: 'new-2', valid_from: Date.parse(at(8)), account_id: 'acct-1', traits: '{}', account_traits: '{"plan":"pro"}' },
        { user_id: 'new-2', valid_from: Date.parse(at(12)), account_id: 'acct-1', traits: '{}', account_traits: '{"plan":"pro","seats":9}' },
      ]);
      expect(appended.users.map((u) => (u as { user_id: string }).user_id)).not.toContain('new-3');
      // A new profile is a change of those people: kept report weeks from their events on are dropped.
      for (const person of ['new-1', 'new-2', 'new-anon']) expect(appended.changes).toContainEqual({ raw_key: person, n: 1 });
      expect(appended.users).toContainEqual({ user_id: 'known', account_id: 'acct-2', traits: '{"role":"eng"}', updated: Date.parse(at(8)) });

      await store.transaction(() => refreshIdentity(store, { persons: PEOPLE, accounts: [] }));
      expect(await stored(store)).toEqual(appended);
    } finally {
      await store.close();
    }
  });
});
