import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEventsToClickHouse } from '../src/engine/clickhouse/import.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { openChdb, truncateClickHouse } from './helpers/engines.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures/history', name);

/** Every event with the person it counts for, in a form both engines give alike. */
const EVENTS_SQL = `SELECT id, event, user_id, anonymous_id, actor_id FROM actor_events ORDER BY id`;

let ch: { store: ClickHouseStore; cleanup: () => Promise<void> };
beforeAll(async () => { ch = await openChdb(); }, 60_000);
afterAll(async () => { await ch?.cleanup(); });

async function onDuckDb(files: string[]): Promise<unknown[]> {
  const store = await DuckDbStore.open(':memory:');
  try {
    for (const file of files) await importEvents(store, file);
    return await store.all(EVENTS_SQL);
  } finally {
    await store.close();
  }
}

describe('history exports on ClickHouse', () => {
  it.each([
    ['Mixpanel', ['mixpanel.ndjson'], 6],
    ['Amplitude (zip)', ['amplitude.zip'], 4],
    ['PostHog (CSV)', ['posthog.csv'], 3],
  ])('%s: the same events and people as on DuckDB; imported again, nothing more', async (_name, names, messages) => {
    await truncateClickHouse(ch.store);
    const files = names.map(fixture);
    for (const file of files) expect(await importEventsToClickHouse(ch.store, file)).toMatchObject({ imported: messages, rejected: 0 });
    for (const file of files) expect(await importEventsToClickHouse(ch.store, file)).toMatchObject({ imported: 0 });
    const duck = await onDuckDb(files);
    expect(duck.length).toBeGreaterThan(0);
    expect(await ch.store.all(EVENTS_SQL)).toEqual(duck);
  });
});
