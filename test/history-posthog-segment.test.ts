import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { utcTime } from '../src/engine/ingest/history-fields.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { withMemoryStore } from './helpers/fixture-store.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures/history', name);

const dir = mkdtempSync(join(tmpdir(), 'truenorth-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


async function stored(store: DuckDbStore) {
  return store.all(`
    SELECT e.id, e.event, strftime(e.ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, e.anonymous_id, e.user_id, e.account_id, a.actor_id
    FROM events e JOIN actor_events a USING (id) ORDER BY e.ts`);
}

async function traits(store: DuckDbStore, userId: string): Promise<unknown> {
  const [user] = await store.all<{ traits: string }>('SELECT traits::VARCHAR AS traits FROM users WHERE user_id = $id', { id: userId });
  return JSON.parse(user.traits);
}

const POSTHOG_EVENTS = [
  // A time with no zone is UTC.
  { id: '01941a2b-0000-7000-8000-000000000001', event: 'Page Viewed', ts: '2026-01-05T09:00:00.250Z', anonymous_id: 'ph-anon-1', user_id: null, account_id: null, actor_id: 'dana' },
  { id: '01941a2b-0000-7000-8000-000000000003', event: 'Project Created', ts: '2026-01-05T09:20:00.000Z', anonymous_id: null, user_id: 'dana', account_id: 'hooli', actor_id: 'dana' },
];

describe('a PostHog event export', () => {
  it('JSONL (a batch export): events, $identify linking, set/set_once as traits; imported again, nothing more', async () => {
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, fixture('posthog.jsonl'))).toMatchObject({ imported: 3, duplicates: 0, rejected: 0 });
      expect(await stored(store)).toEqual(POSTHOG_EVENTS);
      expect(await traits(store, 'dana')).toEqual({ email: 'dana@acme.io', plan: 'pro', first_seen: '2026-01-05' });
      expect(await importEvents(store, fixture('posthog.jsonl'))).toMatchObject({ imported: 0, duplicates: 3 });
    });
  });

  it('CSV (JSON in the properties and set cells): the same store', async () => {
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, fixture('posthog.csv'))).toMatchObject({ format: 'csv', imported: 3, rejected: 0 });
      expect(await stored(store)).toEqual(POSTHOG_EVENTS);
      expect(await traits(store, 'dana')).toEqual({ email: 'dana@acme.io', plan: 'pro', first_seen: '2026-01-05' });
    });
  });

  it('a bad line names its line and the PostHog field', async () => {
    const path = join(dir, 'bad.jsonl');
    const [first] = readFileSync(fixture('posthog.jsonl'), 'utf8').split('\n');
    const good = JSON.parse(first) as Record<string, unknown>;
    writeFileSync(path, [JSON.stringify(good), JSON.stringify({ ...good, uuid: 'u-2', distinct_id: null }), JSON.stringify({ ...good, uuid: 'u-3', timestamp: 'later' })].join('\n'));
    await withMemoryStore(async (store) => {
      const report = await importEvents(store, path);
      expect(report.errors).toEqual([{ line: 2, reason: 'distinct_id: required' }, { line: 3, reason: 'timestamp: not a valid timestamp: "later"' }]);
    });
  });
});

describe('a Segment export', () => {
  it('S3 (gzipped messages as sent): pages, identify, group account; imported again, nothing more', async () => {
    const gz = join(dir, 'segment-logs-a1B2c3-1767603600000.gz');
    writeFileSync(gz, gzipSync(readFileSync(fixture('segment-s3.ndjson'))));
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, gz, { format: 'ndjson' })).toMatchObject({ imported: 3, rejected: 0 });
      expect(await stored(store)).toEqual([
        { id: 'ajs-next-1767603600000-0001', event: 'Page Viewed', ts: '2026-01-05T09:00:00.100Z', anonymous_id: 'seg-anon-4', user_id: null, account_id: null, actor_id: 'eve' },
        { id: 'node-1767607200000-0003', event: 'Report Shared', ts: '2026-01-05T10:00:00.000Z', anonymous_id: null, user_id: 'eve', account_id: 'umbrella', actor_id: 'eve' },
      ]);
      expect(await traits(store, 'eve')).toEqual({ email: 'eve@acme.io', role: 'admin' });
      expect(await importEvents(store, gz, { format: 'ndjson' })).toMatchObject({ imported: 0, duplicates: 3 });
    });
  });

  it('warehouse rows (snake_case, id, event_text, times without a zone), told from the first row or forced', async () => {
    const row = {
      id: 'wh-1', anonymous_id: 'seg-anon-5', user_id: 'fay', event: 'report_shared', event_text: 'Report Shared',
      timestamp: '2026-01-05 11:00:00.000000', received_at: '2026-01-05 11:00:01.000000', context_library_name: 'analytics-node',
    };
    const path = join(dir, 'tracks.json');
    writeFileSync(path, JSON.stringify(row) + '\n');
    const expected = [{ id: 'wh-1', event: 'Report Shared', ts: '2026-01-05T11:00:00.000Z', anonymous_id: 'seg-anon-5', user_id: 'fay', account_id: null, actor_id: 'fay' }];
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path)).toMatchObject({ imported: 1, rejected: 0 });
      expect(await stored(store)).toEqual(expected);
    });
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path, { from: 'segment' })).toMatchObject({ imported: 1, rejected: 0 });
      expect(await stored(store)).toEqual(expected);
    });
  });
});

describe('export times', () => {
  it('a time with no zone is UTC whatever the machine\'s zone; fractions past milliseconds are dropped; a zone is kept', () => {
    expect(utcTime('2026-01-05 09:00:00.250000')).toBe('2026-01-05T09:00:00.250Z');
    expect(utcTime('2026-01-05 09:00:00')).toBe('2026-01-05T09:00:00Z');
    expect(utcTime('2026-01-05T09:00:00.1+02:00')).toBe('2026-01-05T09:00:00.100+02:00');
    expect(utcTime('yesterday')).toBe('yesterday');
  });
});
