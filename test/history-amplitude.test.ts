import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { withMemoryStore } from './helpers/fixture-store.js';

/** The same three events: as lines, and as Amplitude ships them (a zip of two gzipped hourly files). */
const LINES = join(import.meta.dirname, 'fixtures/history/amplitude.json');
const ZIP = join(import.meta.dirname, 'fixtures/history/amplitude.zip');

const dir = mkdtempSync(join(tmpdir(), 'truenorth-amplitude-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const EVENTS = [
  { id: 'amp-ins-1', event: 'Viewed Pricing', ts: '2026-01-05T09:00:00.123Z', user_id: null, anonymous_id: 'dev-9', account_id: null, actor_id: 'cleo' },
  { id: 'amp-ins-2', event: 'Signed Up', ts: '2026-01-05T09:05:00.000Z', user_id: 'cleo', anonymous_id: 'dev-9', account_id: 'initech', actor_id: 'cleo' },
  // No insert_id: the uuid is the id.
  { id: '5f0c1d2e-0003-4a4b-9c9d-000000000003', event: 'Message Sent', ts: '2026-01-05T10:00:00.500Z', user_id: 'cleo', anonymous_id: 'dev-9', account_id: 'initech', actor_id: 'cleo' },
];

async function stored(store: DuckDbStore) {
  return store.all(`
    SELECT e.id, e.event, strftime(e.ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, e.user_id, e.anonymous_id, e.account_id, a.actor_id
    FROM events e JOIN actor_events a USING (id) ORDER BY e.ts`);
}

describe('an Amplitude export', () => {
  it('as lines: events at UTC times, device linked to user, user_properties as traits, groups as account', async () => {
    await withMemoryStore(async (store) => {
      // 3 events and the traits of the one that carries user_properties.
      expect(await importEvents(store, LINES)).toMatchObject({ imported: 4, duplicates: 0, rejected: 0 });
      expect(await stored(store)).toEqual(EVENTS);
      const [props] = await store.all<{ p: string }>(`SELECT properties::VARCHAR AS p FROM events WHERE id = 'amp-ins-2'`);
      expect(JSON.parse(props.p)).toEqual({ plan: 'team' });
      const [user] = await store.all<{ traits: string; account_id: string }>(`SELECT traits::VARCHAR AS traits, account_id FROM users WHERE user_id = 'cleo'`);
      expect(JSON.parse(user.traits)).toEqual({ role: 'pm', plan: 'team' });
      expect(user.account_id).toBe('initech');
    });
  });

  it('as the zip Amplitude ships: the same store; imported again (either form), nothing more', async () => {
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, ZIP)).toMatchObject({ format: 'ndjson', imported: 4, duplicates: 0, rejected: 0 });
      expect(await stored(store)).toEqual(EVENTS);
      expect(await importEvents(store, ZIP)).toMatchObject({ imported: 0, duplicates: 4 });
      expect(await importEvents(store, LINES)).toMatchObject({ imported: 0, duplicates: 4 });
      expect(await store.all('SELECT count(*)::INTEGER AS n FROM events')).toEqual([{ n: 3 }]);
    });
  });

  it('a bad line names its line and the Amplitude field', async () => {
    const path = join(dir, 'bad.json');
    const [first] = readFileSync(LINES, 'utf8').split('\n');
    const good = JSON.parse(first) as Record<string, unknown>;
    writeFileSync(path, [
      JSON.stringify(good),
      JSON.stringify({ ...good, insert_id: 'x2', event_time: undefined, client_event_time: undefined }),
      JSON.stringify({ ...good, insert_id: 'x3', device_id: null }),
      JSON.stringify({ ...good, insert_id: 'x4', event_time: '2026-13-45 99:00:00' }),
    ].join('\n') + '\n');
    await withMemoryStore(async (store) => {
      const report = await importEvents(store, path);
      expect(report).toMatchObject({ imported: 1, rejected: 3 });
      expect(report.errors).toEqual([
        { line: 2, reason: 'event_time: required' },
        { line: 3, reason: 'user_id: either user_id or device_id is required' },
        { line: 4, reason: 'event_time: not a valid time: "2026-13-45 99:00:00"' },
      ]);
    });
  });

  it('in a zip, a bad line is named by its file in the archive and its line there', async () => {
    await withMemoryStore(async (store) => {
      const report = await importEvents(store, join(import.meta.dirname, 'fixtures/history/amplitude-bad-line.zip'));
      expect(report).toMatchObject({ imported: 1, rejected: 1 });
      expect(report.errors).toEqual([{ file: '412345/412345_2026-01-05_9#0.json.gz', line: 2, reason: 'event_type: required, a non-empty string' }]);
      await expect(importEvents(store, join(import.meta.dirname, 'fixtures/history/amplitude-bad-line.zip'), { strict: true }))
        .rejects.toThrow(/amplitude-bad-line\.zip \(412345\/412345_2026-01-05_9#0\.json\.gz\) line 2: event_type: required, a non-empty string; nothing was imported \(--strict\)$/);
    });
  });

  it('from stdin: a zip is refused in one line (it is read from its end), gzip is read', async () => {
    await withMemoryStore(async (store) => {
      await expect(importEvents(store, '-', { stdin: createReadStream(ZIP) })).rejects.toThrow('stdin: a zip archive is read only from a file given by its path');
      const gz = join(dir, 'hour.json.gz');
      writeFileSync(gz, gzipSync(readFileSync(LINES)));
      expect(await importEvents(store, '-', { stdin: createReadStream(gz) })).toMatchObject({ imported: 4, rejected: 0 });
    });
  });
});
