import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { exportEvents } from '../src/engine/ingest/export-events.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { InputError } from '../src/errors.js';
import { withMemoryStore } from './helpers/fixture-store.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/events.ndjson', import.meta.url));
/** The id of fixture line 5, which has no messageId: sha1 (base64url) of the line's JSON text. */
const HASHED_ID = 'h:lozuoIbrZ3SEri72cjo1mkFa6xM';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-import-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, lines: string[]): string {
  const path = join(tempDir(), name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const json = (value: unknown) => JSON.stringify(value);


const TABLES = ['events', 'identity_messages', 'identity_links', 'users', 'accounts', 'subscriptions', 'manual_values'];

async function counts(store: DuckDbStore): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = (await store.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0].n;
  return out;
}

async function eventRows(store: DuckDbStore) {
  return store.all(`
    SELECT id, event, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, user_id, anonymous_id, account_id, properties::VARCHAR AS properties
    FROM events ORDER BY id`);
}

async function actorOf(store: DuckDbStore): Promise<Record<string, string>> {
  const rows = await store.all<{ id: string; actor_id: string }>('SELECT id, actor_id FROM actor_events ORDER BY id');
  return Object.fromEntries(rows.map((r) => [r.id, r.actor_id]));
}

/** The fixture's events, as stored: written out by hand. */
const FIXTURE_EVENTS = [
  { id: 'b-1', event: 'Invite Sent', ts: '2026-01-07T12:00:00.000Z', user_id: 'u2', anonymous_id: null, account_id: null, properties: '{}' },
  { id: 'b-2', event: 'Screen Viewed', ts: '2026-01-07T12:01:00.000Z', user_id: 'u2', anonymous_id: null, account_id: null, properties: '{"name":"Inbox"}' },
  { id: HASHED_ID, event: 'Message Sent', ts: '2026-01-05T10:00:00.999Z', user_id: 'u1', anonymous_id: null, account_id: null, properties: '{"channel":"general"}' },
  { id: 'm-1', event: 'Page Viewed', ts: '2026-01-05T09:00:00.123Z', user_id: null, anonymous_id: 'anon-1', account_id: null, properties: '{"name":"Home","url":"https://acme.io/","path":"/"}' },
  {
    id: 'm-2', event: 'Signed Up', ts: '2026-01-05T09:10:00.000Z', user_id: 'u1', anonymous_id: 'anon-1', account_id: 'acme',
    properties: '{"plan":"free","referrer":"ads, \\"spring\\" campaign\\nline 2","utm":{"source":"g","tags":["a","b"]},"seats":3,"trial":true,"ratio":0.25,"note":"café ✓"}',
  },
  {
    id: 'ph-1', event: 'Page Viewed', ts: '2026-01-06T08:00:00.500Z', user_id: null, anonymous_id: 'ph-anon', account_id: null,
    properties: '{"$current_url":"https://acme.io/docs","$pathname":"/docs","url":"https://acme.io/docs","path":"/docs"}',
  },
  {
    id: 'ph-2', event: 'Workspace Created', ts: '2026-01-06T08:30:00.000Z', user_id: 'u2', anonymous_id: null, account_id: 'globex',
    properties: '{"$is_identified":true,"$groups":{"company":"globex"},"$set":{"plan":"team"}}',
  },
  { id: 'ph-3', event: 'Clicked', ts: '2026-01-07T12:02:00.000Z', user_id: 'u2', anonymous_id: null, account_id: null, properties: '{"$is_identified":true}' },
];

describe('importing the fixture', () => {
  it('stores both shapes, batch lines and array lines, exactly', async () => {
    await withMemoryStore(async (store) => {
      const report = await importEvents(store, FIXTURE);
      // 8 events + identify m-3 + the $set of ph-2.
      expect(report).toEqual({ format: 'ndjson', imported: 10, duplicates: 0, rejected: 0, errors: [] });
      expect(await eventRows(store)).toEqual(FIXTURE_EVENTS);
      expect(await store.all('SELECT id, kind, user_id FROM identity_messages ORDER BY id')).toEqual([
        { id: 'm-3', kind: 'identify', user_id: 'u1' },
        { id: 'ph-2#set', kind: 'identify', user_id: 'u2' },
      ]);
      expect(await store.all('SELECT user_id, traits FROM users ORDER BY user_id')).toEqual([
        { user_id: 'u1', traits: '{"role":"pm"}' },
        { user_id: 'u2', traits: '{"plan":"team"}' },
      ]);
      expect(await actorOf(store)).toMatchObject({ 'm-1': 'u1', 'm-2': 'u1', [HASHED_ID]: 'u1', 'ph-1': 'ph-anon', 'ph-2': 'u2' });
    });
  });

  it('reads stdin for -', async () => {
    await withMemoryStore(async (store) => {
      const stdin = Readable.from([
        json({ type: 'track', event: 'A', userId: 'u1', messageId: 's-1', timestamp: '2026-01-05T10:00:00Z' }) + '\n',
        'not json\n',
        json({ type: 'track', event: 'B', userId: 'u1', messageId: 's-2', timestamp: '2026-01-05T10:00:00Z' }) + '\n',
      ]);
      expect(await importEvents(store, '-', { stdin })).toMatchObject({
        format: 'ndjson', imported: 2, duplicates: 0, rejected: 1, errors: [{ line: 2 }],
      });
    });
  });
});

describe('--strict reads every row', () => {
  it('even when the input is ready before the transaction has begun', async () => {
    const lines = [1, 2, 3].map((n) => json({ type: 'track', event: 'A', userId: 'u1', messageId: `r-${n}`, timestamp: '2026-01-05T10:00:00Z' }));
    for (let attempt = 0; attempt < 5; attempt++) {
      await withMemoryStore(async (store) => {
        expect(await importEvents(store, '-', { strict: true, stdin: Readable.from([lines.join('\n') + '\n']) }))
          .toMatchObject({ imported: 3, duplicates: 0, rejected: 0 });
        expect(await importEvents(store, file('strict-good.ndjson', lines), { strict: true }))
          .toMatchObject({ imported: 0, duplicates: 3, rejected: 0 });
      });
    }
  });
});

describe('exact dedupe', () => {
  it('importing the same file twice imports nothing the second time', async () => {
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, FIXTURE)).toMatchObject({ imported: 10, duplicates: 0, rejected: 0 });
      const before = await counts(store);
      expect(before).toEqual({ events: 8, identity_messages: 2, identity_links: 1, users: 2, accounts: 0, subscriptions: 0, manual_values: 0 });
      const rowsBefore = await eventRows(store);
      expect(await importEvents(store, FIXTURE)).toEqual({ format: 'ndjson', imported: 0, duplicates: 10, rejected: 0, errors: [] });
      expect(await counts(store)).toEqual(before);
      expect(await eventRows(store)).toEqual(rowsBefore);
    });
  });

  it('the same messageId twice in one file is stored once', async () => {
    const line = json({ type: 'track', event: 'A', userId: 'u1', messageId: 'twice', timestamp: '2026-01-05T10:00:00Z' });
    const noId = json({ type: 'track', event: 'B', userId: 'u1', timestamp: '2026-01-05T10:00:00Z' });
    const path = file('twice.ndjson', [line, line, noId, noId]);
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path)).toMatchObject({ imported: 2, duplicates: 2, rejected: 0 });
      expect(await store.all('SELECT count(*) AS n FROM events')).toEqual([{ n: 2 }]);
      // Across batch boundaries inside one import, too.
      expect(await importEvents(store, file('again.ndjson', [noId, line, noId]), { batchSize: 1 })).toMatchObject({ imported: 0, duplicates: 3 });
    });
  });
});

describe('identity across files (out-of-order arrival)', () => {
  it('page views imported first become the user’s when the linking message arrives in a later file', async () => {
    const visits = file('visits.ndjson', [
      json({ type: 'page', anonymousId: 'anon-9', messageId: 'v-1', timestamp: '2026-01-05T09:00:00Z' }),
      json({ type: 'page', anonymousId: 'anon-9', messageId: 'v-2', timestamp: '2026-01-05T09:01:00Z' }),
    ]);
    const signup = file('signup.ndjson', [
      json({ type: 'identify', anonymousId: 'anon-9', userId: 'u9', messageId: 'i-new', timestamp: '2026-01-05T09:05:00Z', traits: { plan: 'team', role: 'pm' } }),
      json({ type: 'track', event: 'Signed Up', userId: 'u9', messageId: 's-1', timestamp: '2026-01-05T09:05:00Z' }),
    ]);
    const older = file('older-identify.ndjson', [
      json({ type: 'identify', userId: 'u9', messageId: 'i-old', timestamp: '2026-01-05T09:02:00Z', traits: { plan: 'free', company_size: 12 } }),
    ]);
    await withMemoryStore(async (store) => {
      await importEvents(store, visits);
      expect(await actorOf(store)).toEqual({ 'v-1': 'anon-9', 'v-2': 'anon-9' });
      await importEvents(store, signup);
      expect(await actorOf(store)).toEqual({ 's-1': 'u9', 'v-1': 'u9', 'v-2': 'u9' });
      await importEvents(store, older);
      const [user] = await store.all<{ traits: string }>(`SELECT traits FROM users WHERE user_id = 'u9'`);
      expect(JSON.parse(user.traits)).toEqual({ plan: 'team', role: 'pm', company_size: 12 });
      expect(await store.all('SELECT id FROM identity_messages ORDER BY ts')).toEqual([{ id: 'i-old' }, { id: 'i-new' }]);
    });
  });
});

/** Lines 1–4 and 6–7 are good; line 5 has an empty event. Lines 1–4 hold a link, traits and an account. */
const WITH_BAD_LINE_5 = [
  json({ type: 'page', anonymousId: 'anon-s', messageId: 'x-1', timestamp: '2026-01-08T09:00:00Z' }),
  json({ type: 'identify', anonymousId: 'anon-s', userId: 'u-s', messageId: 'x-2', timestamp: '2026-01-08T09:01:00Z', traits: { role: 'dev' } }),
  json({ type: 'group', userId: 'u-s', groupId: 'initech', messageId: 'x-3', timestamp: '2026-01-08T09:02:00Z', traits: { seats: 3 } }),
  json({ type: 'track', event: 'Message Sent', userId: 'u-s', messageId: 'x-4', timestamp: '2026-01-08T09:03:00Z' }),
  json({ type: 'track', event: '', userId: 'u-s', messageId: 'x-5', timestamp: '2026-01-08T09:04:00Z' }),
  json({ type: 'track', event: 'Message Sent', userId: 'u-s', messageId: 'x-6', timestamp: '2026-01-08T09:05:00Z' }),
  json({ type: 'track', event: 'Message Sent', userId: 'u-s', messageId: 'x-7', timestamp: '2026-01-08T09:06:00Z' }),
];

describe('--strict', () => {
  it.each([
    ['in the first batch', 20_000],
    ['after two batches were written (batchSize 2)', 2],
    ['with every row its own batch', 1],
  ])('leaves the store untouched on a bad row %s', async (_name, batchSize) => {
    const path = file('strict.ndjson', WITH_BAD_LINE_5);
    await withMemoryStore(async (store) => {
      await importEvents(store, FIXTURE);
      const before = await counts(store);
      const rowsBefore = await eventRows(store);
      const error = await importEvents(store, path, { strict: true, batchSize }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(`${path} line 5: event: required, a non-empty string; nothing was imported (--strict)`);
      expect(await counts(store)).toEqual(before);
      expect(await eventRows(store)).toEqual(rowsBefore);
      expect(await store.all(`SELECT count(*) AS n FROM users WHERE user_id = 'u-s'`)).toEqual([{ n: 0 }]);

      // The store is still usable: a good file imports under --strict, and all of it is committed.
      const good = file('good.ndjson', WITH_BAD_LINE_5.filter((_, i) => i !== 4));
      expect(await importEvents(store, good, { strict: true, batchSize })).toMatchObject({ imported: 6, duplicates: 0, rejected: 0 });
      expect(await counts(store)).toEqual({ ...before, events: before.events + 4, identity_messages: before.identity_messages + 2, identity_links: 2, users: 3, accounts: 1 });
    });
  });

  it('a garbled line also rolls back everything, NDJSON and CSV', async () => {
    const ndjson = file('garbled.ndjson', [...WITH_BAD_LINE_5.slice(0, 4), '{"type":"track","event":"Mess', ...WITH_BAD_LINE_5.slice(5)]);
    const csv = file('garbled.csv', [
      'type,event,userId,timestamp,messageId',
      'track,A,u-c,2026-01-08T09:00:00Z,c-1',
      'track,B,u-c,2026-01-08T09:00:00Z,c-2',
      'track,C,u-c,2026-01-08T09:00:00Z,c-3',
      'track,D,u-c,2026-01-',
      'track,E,u-c,2026-01-08T09:00:00Z,c-5',
    ]);
    await withMemoryStore(async (store) => {
      const before = await counts(store);
      const ndjsonError = await importEvents(store, ndjson, { strict: true, batchSize: 2 }).catch((e: Error) => e.message);
      expect(ndjsonError).toMatch(new RegExp(`^${ndjson} line 5: invalid JSON \\(.*\\); nothing was imported \\(--strict\\)$`));
      const csvError = await importEvents(store, csv, { strict: true, batchSize: 2 }).catch((e: Error) => e.message);
      expect(csvError).toBe(`${csv} line 5: invalid CSV (Invalid Record Length: columns length is 5, got 4); nothing was imported (--strict)`);
      expect(await counts(store)).toEqual(before);
    });
  });
});

describe('the default policy skips and reports bad rows', () => {
  it('imports the good rows and reports each bad one with its line', async () => {
    const path = file('skip.ndjson', [
      ...WITH_BAD_LINE_5,
      json({ type: 'track', event: 'X', messageId: 'x-8', timestamp: '2026-01-08T09:07:00Z' }),
      json({ type: 'track', event: 'X', userId: 'u-s', messageId: 'x-9', timestamp: 'not a time' }),
      json({ type: 'track', event: 'X', userId: 'u-s', messageId: 'x-10', timestamp: '2026-01-08T09:07:00Z', properties: [1] }),
      json({ type: 'track', event: 'X', userId: 'u-s', messageId: 'x-11', timestamp: '2026-01-08T09:07:00Z', context: { groupId: 'g'.repeat(513) } }),
      json({ type: 'bogus', userId: 'u-s', messageId: 'x-12', timestamp: '2026-01-08T09:07:00Z' }),
      json({ batch: [{ type: 'track', event: 'Y', userId: 'u-s', messageId: 'x-13', timestamp: '2026-01-08T09:08:00Z' }, { type: 'track', userId: 'u-s' }] }),
    ]);
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path, { batchSize: 2 })).toEqual({
        format: 'ndjson', imported: 7, duplicates: 0, rejected: 7,
        errors: [
          { line: 5, reason: 'event: required, a non-empty string' },
          { line: 8, reason: 'userId: either userId or anonymousId is required' },
          { line: 9, reason: 'timestamp: not a valid timestamp: "not a time"' },
          { line: 10, reason: 'properties: expected an object' },
          { line: 11, reason: 'context.groupId: longer than 512 characters' },
          { line: 12, reason: 'type: expected one of track, identify, page, screen, group, alias, got "bogus"' },
          { line: 13, reason: 'timestamp: required' },
        ],
      });
      expect(await store.all('SELECT id FROM events ORDER BY ts')).toEqual([
        { id: 'x-1' }, { id: 'x-4' }, { id: 'x-6' }, { id: 'x-7' }, { id: 'x-13' },
      ]);
    });
  });
});

describe('a truncated or garbled line gets its line number (blank lines counted)', () => {
  it('NDJSON: line 7 of a 9-line file', async () => {
    const good = (n: number) => json({ type: 'track', event: 'A', userId: 'u1', messageId: `n-${n}`, timestamp: '2026-01-05T10:00:00Z' });
    const path = file('nine.ndjson', [
      good(1), good(2), '', good(4), '   ', good(6),
      '{"type":"track","event":"A","userId":"u1","messageId":"n-7","timest',
      '', good(9),
    ]);
    await withMemoryStore(async (store) => {
      const report = await importEvents(store, path);
      expect(report).toMatchObject({ imported: 5, duplicates: 0, rejected: 1 });
      expect(report.errors).toHaveLength(1);
      expect(report.errors[0].line).toBe(7);
      expect(report.errors[0].reason).toMatch(/^invalid JSON \(/);
    });
  });

  it('NDJSON with CRLF line ends', async () => {
    const path = join(tempDir(), 'crlf.ndjson');
    writeFileSync(path, [json({ type: 'track', event: 'A', userId: 'u1', messageId: 'r-1', timestamp: '2026-01-05T10:00:00Z' }), '', '{oops'].join('\r\n') + '\r\n');
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path)).toMatchObject({ imported: 1, rejected: 1, errors: [{ line: 3 }] });
    });
  });

  it('CSV: line 7 of a 9-line file; the rows after it are still read', async () => {
    const path = file('nine.csv', [
      'type,event,userId,timestamp,messageId,properties',
      'track,A,u1,2026-01-05T10:00:00Z,c-2,',
      '',
      'track,A,u1,2026-01-05T10:00:00Z,c-4,"{""k"":1}"',
      'track,A,u1,2026-01-05T10:00:00Z,c-5,"{""note"":""two lines"",',
      '""k"":2}"',
      'track,A,u1,2026-01-05T10:0',
      'track,A,u1,yesterday,c-8,',
      'track,A,u1,2026-01-05T10:00:00Z,c-9,',
    ]);
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path)).toEqual({
        format: 'csv', imported: 4, duplicates: 0, rejected: 2,
        errors: [
          { line: 7, reason: 'invalid CSV (Invalid Record Length: columns length is 6, got 4)' },
          { line: 8, reason: 'timestamp: not a valid timestamp: "yesterday"' },
        ],
      });
      expect(await store.all('SELECT id, properties::VARCHAR AS p FROM events ORDER BY id')).toEqual([
        { id: 'c-2', p: '{}' },
        { id: 'c-4', p: '{"k":1}' },
        { id: 'c-5', p: '{"note":"two lines","k":2}' },
        { id: 'c-9', p: '{}' },
      ]);
    });
  });

  it('CSV: an unclosed quote is reported at the line it opens on', async () => {
    const path = file('quote.csv', [
      'type,event,userId,timestamp,messageId',
      'track,A,u1,2026-01-05T10:00:00Z,q-2',
      '',
      'track,"A,u1,2026-01-05T10:00:00Z,q-4',
      'track,A,u1,2026-01-05T10:00:00Z,q-5',
    ]);
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path)).toEqual({
        format: 'csv', imported: 1, duplicates: 0, rejected: 1,
        errors: [{ line: 4, reason: 'invalid CSV (Quote Not Closed: the parsing is finished with an opening quote)' }],
      });
    });
  });

  it('CSV: a cell that is not JSON in a JSON column', async () => {
    const path = file('badjson.csv', ['type,event,userId,timestamp,messageId,properties', 'track,A,u1,2026-01-05T10:00:00Z,j-2,{oops']);
    await withMemoryStore(async (store) => {
      expect(await importEvents(store, path)).toMatchObject({ imported: 0, rejected: 1, errors: [{ line: 2, reason: 'properties: invalid JSON' }] });
    });
  });
});

describe('round trip through export', () => {
  it.each(['csv', 'parquet', 'ndjson'] as const)('%s: the events table is identical after export and re-import', async (format) => {
    const out = join(tempDir(), `events.${format}`);
    await withMemoryStore(async (source) => {
      await importEvents(source, FIXTURE);
      expect(await eventRows(source)).toEqual(FIXTURE_EVENTS);
      expect(await exportEvents(source, out, format)).toBe(8);
    });
    await withMemoryStore(async (copy) => {
      expect(await importEvents(copy, out)).toEqual({ format, imported: 8, duplicates: 0, rejected: 0, errors: [] });
      expect(await eventRows(copy)).toEqual(FIXTURE_EVENTS);
      // And importing the export again deduplicates it entirely.
      expect(await importEvents(copy, out)).toMatchObject({ imported: 0, duplicates: 8 });
    });
  });

  it('Parquet rows are numbered for errors', async () => {
    const path = join(tempDir(), 'rows.parquet');
    await withMemoryStore(async (store) => {
      await store.run(`COPY (SELECT * FROM (VALUES
          ('track', 'A', 'u1', '2026-01-05T10:00:00Z', 'p-1'),
          ('track', '',  'u1', '2026-01-05T10:00:00Z', 'p-2'),
          ('track', 'C', 'u1', '2026-01-05T10:00:00Z', 'p-3')) t(type, event, "userId", timestamp, "messageId")) TO '${path}' (FORMAT parquet)`);
      expect(await importEvents(store, path)).toEqual({
        format: 'parquet', imported: 2, duplicates: 0, rejected: 1, errors: [{ line: 2, reason: 'event: required, a non-empty string' }],
      });
    });
  });
});
