/**
 * A person's account from events: the account of its latest event that names one. The writers write
 * a row only when that account changes; deciding a change after a restart (when the latest instant is
 * no longer in memory) asks the events. Out-of-order events must not move the account back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { ClickHouseWriter } from '../src/engine/clickhouse/writer.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { classifyEventAccounts, settleEventAccounts, type KnownAccount } from '../src/engine/ingest/event-accounts.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { normalizeAll, openChdb } from './helpers/engines.js';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 10, minute)).toISOString();
const track = (id: string, minute: number, account: string) =>
  ({ type: 'track', messageId: id, userId: 'p', event: 'Message Sent', timestamp: at(minute), context: { groupId: account } });
/** Batches, each written in its own transaction; a `reopen` between them forgets what the writer held in memory. */
const STORY: (unknown[] | 'reopen')[] = [
  [track('e1', 10, 'acct-a')],
  [track('e2', 50, 'acct-a')], // the same account later: nothing to write
  'reopen',
  [track('e3', 30, 'acct-b')], // older than e2: acct-a stays, though the stored row still says minute 10
  [track('e4', 40, 'acct-b')],
  'reopen',
  [track('e5', 60, 'acct-b')], // later than every event: acct-b
  [track('e6', 55, 'acct-a')], // older than e5: acct-b stays
];
const EXPECTED = ['acct-a', 'acct-a', 'acct-a', 'acct-a', 'acct-b', 'acct-b'];

describe('classifying a batch against what is known', () => {
  it('writes new persons and changes it is sure of, and asks the events about the others', () => {
    const known = new Map<string, KnownAccount>([
      ['live', { account: 'a', ts: 100, live: true }],
      ['loaded', { account: 'a', ts: 100, live: false }],
    ]);
    const latest = [
      { person: 'new', account_id: 'x', ts: 5 },
      { person: 'live', account_id: 'b', ts: 100 }, // a tie goes to the later write
      { person: 'loaded', account_id: 'b', ts: 150 },
    ];
    const { writes, changed, unsure } = classifyEventAccounts(latest, known);
    expect(writes.map((w) => w.person)).toEqual(['new', 'live']);
    expect(changed).toEqual(['new', 'live']);
    expect(unsure.map((u) => u.person)).toEqual(['loaded']);
    // The events hold a later one naming an account: no change, and the instant is now known.
    expect(settleEventAccounts(unsure, new Map([['loaded', 200]]), known)).toEqual([]);
    expect(known.get('loaded')).toEqual({ account: 'a', ts: 200, live: true });
  });
});

describe('out-of-order events across restarts', () => {
  let dir: string;
  let ch: ClickHouseStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'truenorth-event-accounts-'));
    ({ store: ch, cleanup } = await openChdb());
  });
  afterAll(async () => {
    await cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DuckDB: the account of the latest event, whatever the arrival order and the restarts', async () => {
    const path = join(dir, 'accounts.duckdb');
    let store = await DuckDbStore.open(path);
    const seen: string[] = [];
    try {
      for (const step of STORY) {
        if (step === 'reopen') {
          await store.close();
          store = await DuckDbStore.open(path);
          continue;
        }
        const writer = new IngestWriter(store, 'test');
        await store.transaction(() => writer.write(normalizeAll(step)));
        seen.push((await store.all<{ account_id: string }>(`SELECT account_id FROM user_event_accounts WHERE person = 'p'`))[0].account_id);
      }
    } finally {
      await store.close();
    }
    expect(seen).toEqual(EXPECTED);
  });

  it('DuckDB: a new person appended in a transaction that rolls back is appended again by the retry, once', async () => {
    const store = await DuckDbStore.open(join(dir, 'rollback.duckdb'));
    try {
      const batch = normalizeAll([track('r1', 10, 'acct-a')]);
      await expect(store.transaction(async () => {
        await new IngestWriter(store, 'test').write(batch);
        throw new Error('the group failed after its writes');
      })).rejects.toThrow('the group failed');
      await store.transaction(() => new IngestWriter(store, 'test').write(batch));
      // A person the table holds goes through the replacing path, not a second append.
      await store.transaction(() => new IngestWriter(store, 'test').write(normalizeAll([track('r2', 20, 'acct-b')])));
      expect(await store.all(`SELECT person, account_id FROM user_event_accounts`)).toEqual([{ person: 'p', account_id: 'acct-b' }]);
    } finally {
      await store.close();
    }
  });

  it('ClickHouse: the same answers', async () => {
    const seen: string[] = [];
    for (const step of STORY) {
      if (step === 'reopen') continue; // the ClickHouse writer holds nothing in memory
      await new ClickHouseWriter(ch, 'test').write(normalizeAll(step));
      seen.push(((await ch.all<{ account_id: string }>(`SELECT account_id FROM user_event_accounts WHERE person = 'p'`))[0]).account_id);
    }
    expect(seen).toEqual(EXPECTED);
  });
});
