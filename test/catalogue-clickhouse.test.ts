/**
 * The event catalogue kept at write time on ClickHouse (materialized views into aggregating tables)
 * answers what aggregating the stored events answers, through the writer, a bulk import and an
 * upgrade that fills it from the events stored before; and the catalogue report on ClickHouse
 * equals DuckDB's on the same messages.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { readClickHouseCatalogueSummary } from '../src/engine/clickhouse/catalogue-summary.js';
import { clickHousePort } from '../src/engine/clickhouse/port.js';
import { CLICKHOUSE_SCHEMA_VERSION } from '../src/engine/clickhouse/schema.js';
import { ClickHouseWriter } from '../src/engine/clickhouse/writer.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { eventCatalogue } from '../src/reports/catalogue.js';
import { reportContext } from '../src/reports/context.js';
import { loadBoth, normalizeAll, openChdb } from './helpers/engines.js';

let dir: string;
let ch: ClickHouseStore;
let duck: DuckDbStore;
let cleanupCh: () => Promise<void>;
const MODEL = modelFromConfig(parseConfig(exampleConfigYaml('Catalogue')));

const track = (id: string, event: string, who: { userId?: string; anonymousId?: string }, day: number, properties: Record<string, unknown>) => ({
  type: 'track', event, messageId: id, timestamp: new Date(Date.UTC(2026, 0, 5 + day, 9)).toISOString(), properties, ...who,
});
const BATCHES = [
  [
    track('a1', 'Signed Up', { userId: 'u1' }, 0, { plan: 'pro', seats: 2 }),
    track('a2', 'Signed Up', { anonymousId: 'anon-1' }, 1, { plan: 'free' }),
    track('a3', 'Message Sent', { userId: 'u1' }, 2, { 'with space': true }),
  ],
  [
    // a1 again: stored once, counted once.
    track('a1', 'Signed Up', { userId: 'u1' }, 0, { plan: 'pro', seats: 2 }),
    track('a4', 'Message Sent', { userId: 'u2' }, 40, {}),
    track('a5', 'Message Sent', { userId: 'u1' }, 3, { channel: 'general', plan: 'team' }),
  ],
];

/** The catalogue's facts by aggregating the deduplicated events. */
async function aggregated(): Promise<unknown> {
  const events = await ch.all(`SELECT event, count() AS n, toFloat64(toUnixTimestamp64Milli(min(ts))) AS first_ms, toFloat64(toUnixTimestamp64Milli(max(ts))) AS last_ms,
      arraySort(groupUniqArray(toString(source))) AS sources, uniqExact(coalesce(user_id, anonymous_id)) AS senders
    FROM events GROUP BY event ORDER BY n DESC, event`);
  const keys = await ch.all('SELECT event, key, count() AS n FROM events ARRAY JOIN JSONExtractKeys(properties) AS key GROUP BY event, key ORDER BY event, key');
  return { events, keys };
}

async function kept(): Promise<unknown> {
  const summary = await readClickHouseCatalogueSummary(ch);
  const byKey = (a: { event: string; key: string }, b: { event: string; key: string }) => a.event.localeCompare(b.event) || a.key.localeCompare(b.key);
  return {
    events: summary.events.map((e) => ({ ...e, senders: summary.senders.get(e.event) })),
    keys: [...summary.keys].sort(byKey),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-catalogue-ch-'));
  ({ store: ch, cleanup: cleanupCh } = await openChdb());
  ({ duck } = await loadBoth(ch, BATCHES));
}, 30_000);

afterAll(async () => {
  await duck?.close();
  await cleanupCh?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('the event catalogue kept at write time on ClickHouse', () => {
  it('equals the aggregate of the stored events, a duplicate counted once', async () => {
    const summary = await readClickHouseCatalogueSummary(ch);
    expect(summary.total).toBe(5);
    expect(summary.events.map((e) => [e.event, e.n])).toEqual([['Message Sent', 3], ['Signed Up', 2]]);
    expect(await kept()).toEqual(await aggregated());
  });

  it('the catalogue report equals DuckDB\'s on the same messages', async () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    const onClickHouse = await eventCatalogue(reportContext(ch, MODEL, now));
    expect(onClickHouse).toEqual(await eventCatalogue(reportContext(duck, MODEL, now)));
    expect(onClickHouse.events.find((e) => e.event === 'Signed Up')).toMatchObject({ count: 2, actors: 2, properties: [{ key: 'plan', share: 1 }, { key: 'seats', share: 0.5 }] });
  });

  it('a bulk import adds its events; a file imported again adds nothing', async () => {
    const file = join(dir, 'more.ndjson');
    writeFileSync(file, [track('b1', 'Signed Up', { userId: 'u3' }, 5, { plan: 'pro' }), track('a3', 'Message Sent', { userId: 'u1' }, 2, { 'with space': true })]
      .map((m) => JSON.stringify(m)).join('\n'));
    const port = clickHousePort(ch);
    expect(await port.importers.events(file)).toMatchObject({ imported: 1, duplicates: 1 });
    expect(await port.importers.events(file)).toMatchObject({ imported: 0, duplicates: 2 });
    expect((await readClickHouseCatalogueSummary(ch)).total).toBe(6);
    expect(await kept()).toEqual(await aggregated());
    await importEvents(duck, file);
    const now = Date.parse('2026-03-01T00:00:00Z');
    expect(await eventCatalogue(reportContext(ch, MODEL, now))).toEqual(await eventCatalogue(reportContext(duck, MODEL, now)));
  });

  it('a message two writers stored at once, at one instant or two, is counted once', async () => {
    const raced = (id: string, ts: string) => normalizeAll([{ ...track(id, 'Raced', { userId: 'u-race' }, 0, { lap: 1 }), timestamp: ts }]);
    const [first, second] = [new ClickHouseWriter(ch, 'http'), new ClickHouseWriter(ch, 'http')];
    const received = Date.parse('2026-12-01T10:00:00Z');
    await Promise.all([first.write(raced('r-same', '2026-01-20T10:00:00.000Z'), received), second.write(raced('r-same', '2026-01-20T10:00:00.000Z'), received)]);
    await Promise.all([first.write(raced('r-skew', '2026-01-20T11:00:00.000Z'), received), second.write(raced('r-skew', '2026-01-20T11:00:02.500Z'), received + 2_500)]);
    // Both writers checked before either inserted: both messages went in twice.
    expect(await ch.all(`SELECT count() AS n FROM tn_catalogue_copies FINAL WHERE event = 'Raced'`)).toEqual([{ n: 2 }]);
    expect((await readClickHouseCatalogueSummary(ch)).events.find((e) => e.event === 'Raced')).toMatchObject({ n: 2 });
    // Counts, keys and senders are exact; the last time seen may be the removed copy's, 2.5 s later.
    type Kept = { events: Array<{ event: string; last_ms: number }> };
    const lastOf = (k: Kept) => k.events.find((e) => e.event === 'Raced')!.last_ms;
    const withoutLast = (k: Kept) => ({ ...k, events: k.events.map((e) => ({ ...e, last_ms: e.event === 'Raced' ? 0 : e.last_ms })) });
    for (const merge of [false, true]) {
      if (merge) await ch.connection.command('OPTIMIZE TABLE tn_events FINAL');
      const [have, want] = [await kept() as Kept, await aggregated() as Kept];
      expect(withoutLast(have)).toEqual(withoutLast(want));
      expect(lastOf(have) - lastOf(want)).toBeGreaterThanOrEqual(0);
      expect(lastOf(have) - lastOf(want)).toBeLessThanOrEqual(2_500);
    }
  });

  it('an upgrade from a store that kept no catalogue fills it from the events stored before', async () => {
    const expected = await aggregated();
    for (const table of ['tn_catalogue_events', 'tn_catalogue_property_keys', 'tn_catalogue_copies', 'tn_schema_migrations']) await ch.connection.command(`TRUNCATE TABLE ${table}`);
    await ch.connection.insert('tn_schema_migrations', [{ version: 7, name: 'before the kept catalogue', applied_at: Math.floor(Date.now() / 1000) }]);
    const now = Date.parse('2026-03-01T00:00:00Z');
    // The report reads the kept catalogue, not the events: emptied, it shows none.
    expect((await eventCatalogue(reportContext(ch, MODEL, now))).total_events).toBe(0);
    await ch.migrate();
    expect(await ch.schemaVersion()).toBe(CLICKHOUSE_SCHEMA_VERSION);
    expect(await kept()).toEqual(expected);
    expect((await eventCatalogue(reportContext(ch, MODEL, now))).total_events).toBe(8);
  });
});
