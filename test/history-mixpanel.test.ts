import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { withMemoryStore } from './helpers/fixture-store.js';

const MIXPANEL = join(import.meta.dirname, 'fixtures/history/mixpanel.ndjson');

const dir = mkdtempSync(join(tmpdir(), 'truenorth-mixpanel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/** Each stored event: name, time, ids, account and the person it counts for. */
async function stored(store: DuckDbStore) {
  return store.all(`
    SELECT e.event, strftime(e.ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, e.user_id, e.anonymous_id, e.account_id, a.actor_id
    FROM events e JOIN actor_events a USING (id) ORDER BY e.ts`);
}

describe('a Mixpanel raw export', () => {
  it('is told from its first record: events, seconds and milliseconds, ids, accounts and identity', async () => {
    await withMemoryStore(async (store) => {
      const report = await importEvents(store, MIXPANEL);
      expect(report).toMatchObject({ format: 'ndjson', imported: 6, duplicates: 1, rejected: 0, errors: [] });
      expect(await stored(store)).toEqual([
        // Before `$identify` linked anon-7 to bob: counted for bob.
        { event: 'Viewed Docs', ts: '2026-01-05T08:50:00.000Z', user_id: null, anonymous_id: 'anon-7', account_id: null, actor_id: 'bob' },
        { event: 'Invite Sent', ts: '2026-01-05T08:52:00.000Z', user_id: 'bob', anonymous_id: null, account_id: null, actor_id: 'bob' },
        // `$device:d-1` is the device d-1, linked to ada by the next event ($device_id with $user_id).
        { event: '$mp_web_page_view', ts: '2026-01-05T09:00:00.000Z', user_id: null, anonymous_id: 'd-1', account_id: null, actor_id: 'ada' },
        // `time` in milliseconds.
        { event: 'Signed Up', ts: '2026-01-05T09:10:00.000Z', user_id: 'ada', anonymous_id: 'd-1', account_id: null, actor_id: 'ada' },
        { event: 'Message Sent', ts: '2026-01-05T10:00:00.000Z', user_id: 'ada', anonymous_id: null, account_id: 'acme', actor_id: 'ada' },
      ]);
      const [page] = await store.all<{ properties: string }>(`SELECT properties::VARCHAR AS properties FROM events WHERE event = '$mp_web_page_view'`);
      expect(JSON.parse(page.properties)).toEqual({ current_url_path: '/pricing', mp_lib: 'web', $browser: 'Firefox' });
      expect(await store.all(`SELECT user_id, anonymous_id FROM identity_links ORDER BY user_id`)).toEqual([
        { user_id: 'ada', anonymous_id: 'd-1' },
        { user_id: 'bob', anonymous_id: 'anon-7' },
      ]);
    });
  });

  it('imported again, stores nothing more ($insert_id dedupes), also gzipped under any name', async () => {
    const gz = join(dir, 'export-2026-01.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(MIXPANEL)));
    await withMemoryStore(async (store) => {
      await importEvents(store, MIXPANEL);
      const again = await importEvents(store, gz);
      expect(again).toMatchObject({ imported: 0, duplicates: 7, rejected: 0 });
      expect(await store.all('SELECT count(*)::INTEGER AS n FROM events')).toEqual([{ n: 5 }]);
    });
  });

  it('a bad line is reported with its line and the Mixpanel field; the others are imported', async () => {
    const path = join(dir, 'bad.ndjson');
    writeFileSync(path, [
      JSON.stringify({ event: 'Signed Up', properties: { time: 1767604200, distinct_id: 'u1', $insert_id: 'b1' } }),
      JSON.stringify({ event: 'Signed Up', properties: { distinct_id: 'u2', $insert_id: 'b2' } }),
      JSON.stringify({ event: 'Signed Up', properties: { time: 'yesterday', distinct_id: 'u3', $insert_id: 'b3' } }),
      JSON.stringify({ event: 'Signed Up', properties: { time: 1767604200, $insert_id: 'b4' } }),
    ].join('\n') + '\n');
    await withMemoryStore(async (store) => {
      const report = await importEvents(store, path);
      expect(report).toMatchObject({ imported: 1, rejected: 3 });
      expect(report.errors).toEqual([
        { line: 2, reason: 'properties.time: required' },
        { line: 3, reason: 'properties.time: expected epoch seconds or milliseconds' },
        { line: 4, reason: 'properties.distinct_id: required (or $user_id / $device_id)' },
      ]);
    });
  });

  it('--from mixpanel reads a file whose first record alone would not say so', async () => {
    const path = join(dir, 'merge.ndjson');
    writeFileSync(path, [
      JSON.stringify({ event: '$merge', properties: { time: 1767603000, distinct_id: 'carl', $distinct_ids: ['carl', 'tmp-3'], $insert_id: 'g1' } }),
      JSON.stringify({ event: 'Clicked', properties: { time: 1767602000, distinct_id: '$device:tmp-3', $insert_id: 'g2' } }),
    ].join('\n') + '\n');
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path, { from: 'mixpanel' })).toMatchObject({ imported: 2, rejected: 0 });
      expect(await stored(store)).toMatchObject([{ event: 'Clicked', anonymous_id: 'tmp-3', actor_id: 'carl' }]);
    });
  });

  it('$distinct_id_before_identity links the id an older SDK used before identify (events without $device_id)', async () => {
    const path = join(dir, 'before-identity.ndjson');
    writeFileSync(path, [
      JSON.stringify({ event: 'Viewed Home', properties: { time: 1767600000, distinct_id: '18c2f-anon-g', $insert_id: 'h1' } }),
      JSON.stringify({ event: 'Signed Up', properties: { time: 1767600600, distinct_id: 'gus', $distinct_id_before_identity: '18c2f-anon-g', $insert_id: 'h2' } }),
    ].join('\n') + '\n');
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path)).toMatchObject({ imported: 2, rejected: 0 });
      expect((await stored(store)).map((e) => e.actor_id)).toEqual(['gus', 'gus']);
    });
  });
});
