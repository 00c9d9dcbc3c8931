import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importEventsToClickHouse } from '../src/engine/clickhouse/import.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { openChdb, truncateClickHouse } from './helpers/engines.js';

const EVENTS_SQL = 'SELECT id, event, user_id, anonymous_id, account_id, properties, actor_id FROM actor_events ORDER BY id';
const PEOPLE_SQL = 'SELECT user_id, account_id, traits FROM users ORDER BY user_id';

const track = (id: string, event: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'track', messageId: id, event, userId: 'u1', timestamp: '2026-01-05T09:00:00Z', ...extra });

// Hand-counted: the first file stores m-1 (its first copy), m-2 and the identify; the second file
// repeats m-2 with other content (a duplicate: the stored copy stays) and adds m-3.
const FIRST = [
  track('m-1', 'Signed Up', { anonymousId: 'a1', properties: { plan: 'free' } }),
  track('m-1', 'Signed Up', { anonymousId: 'a1', properties: { plan: 'pro' } }),
  track('m-2', 'Message Sent', { context: { groupId: 'acme' } }),
  JSON.stringify({ type: 'identify', messageId: 'i-1', userId: 'u1', timestamp: '2026-01-05T09:01:00Z', traits: { role: 'pm' } }),
  '{"type":"track"}',
];
const SECOND = [track('m-2', 'Message Sent', { properties: { channel: 'x' } }), track('m-3', 'Message Sent', { anonymousId: 'a2', userId: 'u2' })];

let ch: { store: ClickHouseStore; cleanup: () => Promise<void> };
let dir: string;
const file = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
};
const stagingTables = async () => (await ch.store.all<{ n: number }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name LIKE 'tn\\_stage\\_%'"))[0].n;

beforeAll(async () => {
  ch = await openChdb();
  dir = mkdtempSync(join(tmpdir(), 'tn-ch-import-'));
}, 60_000);
afterAll(async () => {
  await ch?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => truncateClickHouse(ch.store));

describe('bulk import into ClickHouse through staging tables', () => {
  it('counts duplicates within the file and against the store exactly, keeps the first copy, and stores what DuckDB stores', async () => {
    const files = [file('first.ndjson', FIRST), file('second.ndjson', SECOND)];
    expect(await importEventsToClickHouse(ch.store, files[0])).toMatchObject({ imported: 3, duplicates: 1, rejected: 1 });
    expect(await importEventsToClickHouse(ch.store, files[1])).toMatchObject({ imported: 1, duplicates: 1, rejected: 0 });
    expect(await importEventsToClickHouse(ch.store, files[0])).toMatchObject({ imported: 0, duplicates: 4, rejected: 1 });
    expect(await stagingTables()).toBe(0);

    const duck = await DuckDbStore.open(':memory:');
    try {
      expect(await importEvents(duck, files[0])).toMatchObject({ imported: 3, duplicates: 1, rejected: 1 });
      expect(await importEvents(duck, files[1])).toMatchObject({ imported: 1, duplicates: 1, rejected: 0 });
      const events = await ch.store.all(EVENTS_SQL);
      expect(events).toEqual(await duck.all(EVENTS_SQL));
      expect(events).toHaveLength(3);
      expect(events[0]).toMatchObject({ id: 'm-1', properties: '{"plan":"free"}', actor_id: 'u1' });
      expect(events[1]).toMatchObject({ id: 'm-2', properties: '{}', account_id: 'acme' });
      expect(await ch.store.all(PEOPLE_SQL)).toEqual(await duck.all(PEOPLE_SQL));
    } finally {
      await duck.close();
    }
  });

  it('--strict: a bad row stores nothing and leaves no staging table behind', async () => {
    const path = file('bad.ndjson', FIRST);
    await expect(importEventsToClickHouse(ch.store, path, { strict: true })).rejects.toThrow(/line 5: .*nothing was imported \(--strict\)/);
    expect((await ch.store.all<{ n: number }>('SELECT count() AS n FROM tn_events'))[0].n).toBe(0);
    expect(await stagingTables()).toBe(0);
  });
});
