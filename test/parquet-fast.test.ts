/**
 * The in-database Parquet path stores exactly what the normaliser stores: the same file imported
 * with it and without it (an extra column makes a file ineligible and sends every row through the
 * normaliser) gives identical events, links and reports, on tricky rows and on the demo company.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../src/demo/index.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { exportEvents } from '../src/engine/ingest/export-events.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { readCatalogueSummary } from '../src/engine/duckdb/catalogue-summary.js';

let dir: string;
let instance: DuckDBInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-parquet-fast-'));
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => {
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes rows (all text columns, the export's names) to Parquet; `extra` adds a column no fast path takes. */
async function parquet(name: string, rows: (string | null)[][], extra = false): Promise<string> {
  const connection = await instance.connect();
  const path = join(dir, name);
  const columns = ['type', 'event', 'userId', 'anonymousId', 'timestamp', 'messageId', 'context.groupId', 'properties'];
  const literal = (v: string | null) => (v === null ? 'NULL::VARCHAR' : `'${v.replaceAll("'", "''")}'`);
  const values = rows.map((r) => `(${[...r.map(literal), ...(extra ? ["'x'"] : [])].join(', ')})`).join(',\n');
  const names = [...columns, ...(extra ? ['x'] : [])].map((c) => `"${c}"`).join(', ');
  await connection.run(`COPY (SELECT * FROM (VALUES ${values}) t(${names})) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  return path;
}

/**
 * The stored rows. A row without a messageId gets a content hash of the whole message as its id, and
 * the ineligible copy of a file has one more column: those ids differ by construction, so they are
 * compared without the id.
 */
async function stored(store: DuckDbStore) {
  return {
    events: await store.all(`SELECT CASE WHEN id LIKE 'h:%' THEN 'h:' ELSE id END AS id, CASE WHEN id LIKE 'h:%' THEN '' ELSE id_hash::VARCHAR END AS h,
      event, ts, user_id, anonymous_id, account_id, properties::VARCHAR AS p, source FROM events ORDER BY 1, p`),
    links: await store.all('SELECT * FROM identity_links ORDER BY anonymous_id'),
    accounts: await store.all('SELECT * FROM user_event_accounts ORDER BY person'),
    catalogue: sortedSummary(await readCatalogueSummary(store)),
  };
}

/** The catalogue summary in one order (its reads give the rows in any). */
function sortedSummary(summary: Awaited<ReturnType<typeof readCatalogueSummary>>) {
  const by = (a: { event: string; key?: string }, b: { event: string; key?: string }) => `${a.event}\u0000${a.key ?? ''}`.localeCompare(`${b.event}\u0000${b.key ?? ''}`);
  return { ...summary, events: [...summary.events].sort(by), keys: [...summary.keys].sort(by), senders: [...summary.senders].sort() };
}

async function both(fast: string, slow: string, before: string[] = []) {
  const a = await DuckDbStore.open(':memory:');
  const b = await DuckDbStore.open(':memory:');
  try {
    for (const f of before) {
      await importEvents(a, f);
      await importEvents(b, f);
    }
    const ra = await importEvents(a, fast);
    const rb = await importEvents(b, slow);
    return { fast: { report: ra, ...(await stored(a)) }, slow: { report: rb, ...(await stored(b)) } };
  } finally {
    await a.close();
    await b.close();
  }
}

const T = '2026-03-04T05:06:07.890Z';
const row = (id: string | null, props: string | null, over: Partial<Record<'type' | 'event' | 'userId' | 'anonymousId' | 'timestamp' | 'groupId', string | null>> = {}): (string | null)[] => [
  over.type === undefined ? 'track' : over.type, over.event === undefined ? 'Clicked' : over.event, over.userId === undefined ? 'u1' : over.userId,
  over.anonymousId === undefined ? 'a1' : over.anonymousId, over.timestamp === undefined ? T : over.timestamp, id, over.groupId === undefined ? null : over.groupId, props,
];

const TRICKY: (string | null)[][] = [
  row('plain', '{"a":1,"b":"x","c":true,"d":null}'),
  row('empty-props', null),
  row('empty-props-text', ''),
  row('obj', '{}'),
  row('decimal-ok', '{"p":12.5,"q":-0.25,"r":0.001}'),
  row('trailing-zero', '{"p":1.50}'),
  row('point-zero', '{"p":100.0}'),
  row('exponent', '{"p":1e5}'),
  row('neg-zero', '{"p":-0}'),
  row('tiny', '{"p":0.0000001}'),
  row('big-int', '{"p":12345678901234567890}'),
  row('sixteen', '{"p":1234567890.123456}'),
  row('numeric-key', '{"b":1,"2":2}'),
  row('dup-key', '{"a":1,"a":2}'),
  row('dup-key-apart', '{"a":1,"b":2,"c":3,"a":4}'),
  // Past 64 keys the duplicates are counted another way.
  row('many-keys', `{${Array.from({ length: 70 }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  row('many-keys-dup', `{${Array.from({ length: 70 }, (_, i) => `"k${i}":${i}`).join(',')},"k3":0}`),
  row('nested', '{"a":{"b":1,"b":2},"c":[1,2]}'),
  row('nested-plain', '{"$groups":{"company":"acct_1"},"c":[1,"x",null],"d":{}}'),
  row('nested-inner-account', '{"$groups":{"account_id":"inner"}}'),
  row('nested-top-account', '{"account_id":"top","g":{"x":1}}'),
  row('escaped', '{"a":"\\u00e9\\"q\\\\"}'),
  row('spaced', '{"a": 1}'),
  row('unicode', '{"a":"é✓😀\u2028"}'),
  row('array-props', '[1,2]'),
  row('null-props', 'null'),
  row('bad-json', '{"a":'),
  row('nan', '{"a":NaN}'),
  row('group-number', '{}', { groupId: '123' }),
  row('group-decimal', '{}', { groupId: '1.50' }),
  row('group-bool', '{}', { groupId: 'true' }),
  row('group-text', '{"account_id":"ignored"}', { groupId: 'acct-9' }),
  row('account-string', '{"account_id":"acct-7"}'),
  row('account-number', '{"account_id":42}'),
  row('account-null', '{"account_id":null}'),
  row('account-empty', '{"account_id":""}'),
  row('account-false', '{"account_id":false}'),
  row('account-named-in-text', '{"note":"account_id","account_id":"acct-3"}'),
  row('edge-numbers', '{"p":0.0001,"q":123456789012345,"r":-0.5,"s":12345678901234.5,"t":0}'),
  row('feb-30', '{}', { timestamp: '2026-02-30T00:00:00Z' }),
  row('no-zone', '{}', { timestamp: '2026-03-04T05:06:07' }),
  row('fraction-1', '{}', { timestamp: '2026-03-04T05:06:07.5Z' }),
  row('offset', '{}', { timestamp: '2026-03-04T05:06:07+02:00' }),
  row('old', '{}', { timestamp: '1969-12-31T23:59:59Z' }),
  row('page', '{"path":"/x"}', { type: 'page', event: null }),
  row('identify', null, { type: 'identify', event: null }),
  row('no-type', '{}', { type: null }),
  row('Track', '{}', { type: 'Track' }),
  row('no-ids', '{}', { userId: null, anonymousId: null }),
  row('empty-ids', '{}', { userId: '', anonymousId: '' }),
  row('anon-only', '{}', { userId: null, anonymousId: 'a9' }),
  row('same-ids', '{}', { userId: 'same', anonymousId: 'same' }),
  row('long-id-' + 'x'.repeat(600), '{}'),
  row('dup', '{"n":1}'),
  row('dup', '{"n":2}'),
  row('dup-mixed', '{"n":1.50}'),
  row('dup-mixed', '{"n":2}'),
  row(null, '{"no":"id"}'),
  row('', '{"empty":"id"}'),
  row('late-link', '{}', { userId: 'u2', anonymousId: 'a2', timestamp: '2026-03-05T00:00:00Z' }),
  row('early-link', '{}', { userId: 'u3', anonymousId: 'a2', timestamp: '2026-03-01T00:00:00Z' }),
];

/** The rows of TRICKY the fast path takes (one of each id). */
const CLEAN = ['plain', 'empty-props', 'empty-props-text', 'obj', 'decimal-ok', 'unicode', 'group-text', 'account-string', 'account-null',
  'account-empty', 'account-named-in-text', 'edge-numbers', 'nested-plain', 'many-keys', 'fraction-1', 'anon-only', 'same-ids', 'late-link', 'early-link'];

describe('Parquet imported in the database', () => {
  it('stores exactly what the normaliser stores, row by row, on tricky rows', async () => {
    const { fast, slow } = await both(await parquet('tricky.parquet', TRICKY), await parquet('tricky-slow.parquet', TRICKY, true));
    expect(fast.events).toEqual(slow.events);
    expect(fast.links).toEqual(slow.links);
    expect(fast.report).toEqual(slow.report);
    expect(fast.events.length).toBeGreaterThan(20);
  });

  it('checks every row apart from its properties when all of them are plain, in one pass or two', async () => {
    const plain = TRICKY.map((r) => [...r.slice(0, 7), '{"k":1}']);
    // Only tracks: the single pass is tried, meets a refused row, and the import starts again checked.
    for (const [name, rows] of [['plain-props', plain], ['plain-tracks', plain.filter((r) => r[0] === 'track')]] as const) {
      const { fast, slow } = await both(await parquet(`${name}.parquet`, rows), await parquet(`${name}-slow.parquet`, rows, true));
      expect(fast.events).toEqual(slow.events);
      expect(fast.links).toEqual(slow.links);
      expect(fast.report).toEqual(slow.report);
      expect(fast.report.rejected).toBeGreaterThan(0);
    }
  });

  it('stores a clean file read once, its summary, links and accounts read from the file, as the normaliser does', async () => {
    const clean = TRICKY.filter((r) => CLEAN.includes(r[5]!));
    const { fast, slow } = await both(await parquet('clean.parquet', clean), await parquet('clean-slow.parquet', clean, true));
    expect(fast).toEqual(slow);
    expect(fast.events).toHaveLength(CLEAN.length);
    expect(fast.catalogue.keys.length).toBeGreaterThan(5);
    expect(fast.accounts.length).toBeGreaterThan(0);
  });

  it('skips ids already stored and keeps the first copy, like the normaliser', async () => {
    const first = await parquet('first.parquet', [row('dup', '{"n":0}'), row('kept', '{}')]);
    const { fast, slow } = await both(await parquet('again.parquet', TRICKY), await parquet('again-slow.parquet', TRICKY, true), [first]);
    expect(fast.events).toEqual(slow.events);
    expect(fast.report).toEqual(slow.report);
    expect(fast.events.find((e) => e.id === 'dup')?.p).toBe('{"n":0}');
  });

  it('stores a large file in its order, with and without ids stored before', async () => {
    // Small row groups: DuckDB reads and inserts them in parallel.
    const path = join(dir, 'ordered.parquet');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT 'track' AS type, 'Clicked' AS event, 'u' || (i % 97) AS userId, 'a' || (i % 89) AS anonymousId,
        strftime(TIMESTAMP '2026-01-01' + INTERVAL (i % 5000) SECOND, '%Y-%m-%dT%H:%M:%S.000Z') AS timestamp, 'o' || lpad(i::VARCHAR, 7, '0') AS messageId,
        NULL::VARCHAR AS "context.groupId", '{"i":' || i || '}' AS properties FROM range(200000) t(i))
      TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    connection.closeSync();
    const before = await parquet('ordered-before.parquet', [row('o0100000', '{"i":-1}')]);
    for (const earlier of [[], [before]]) {
      const store = await DuckDbStore.open(':memory:');
      try {
        for (const f of earlier) await importEvents(store, f);
        const report = await importEvents(store, path);
        expect(report).toMatchObject({ imported: 200_000 - earlier.length, duplicates: earlier.length });
        const [{ descents }] = await store.all<{ descents: number }>(`SELECT count(*) FILTER (WHERE id < previous) AS descents
          FROM (SELECT id, lag(id) OVER (ORDER BY rowid) AS previous FROM events WHERE id <> 'o0100000' OR properties::VARCHAR <> '{"i":-1}')`);
        expect(Number(descents)).toBe(0);
      } finally {
        await store.close();
      }
    }
  });

  it('imports within the store’s memory budget and leaves it as it was, also when the import fails', async () => {
    const previous = process.env.TRUENORTH_MEMORY_LIMIT;
    process.env.TRUENORTH_MEMORY_LIMIT = '300MB';
    const store = await DuckDbStore.open(':memory:');
    if (previous === undefined) delete process.env.TRUENORTH_MEMORY_LIMIT;
    else process.env.TRUENORTH_MEMORY_LIMIT = previous;
    const limit = async () => (await store.all<{ l: string }>(`SELECT current_setting('memory_limit') AS l`))[0].l;
    try {
      const before = await limit();
      expect(before).toBe('286.1 MiB');
      await importEvents(store, await parquet('budget.parquet', [row('b1', '{}'), row('b2', '{"n":1}')]));
      expect(await limit()).toBe(before);
      await expect(importEvents(store, await parquet('budget-bad.parquet', [row('b3', '{}'), row('b4', '{"a":')]), { strict: true })).rejects.toThrow(/line 2/);
      expect(await limit()).toBe(before);
      expect((await store.all<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('rolls everything back under --strict when a row the normaliser reads is bad', async () => {
    const store = await DuckDbStore.open(':memory:');
    try {
      await expect(importEvents(store, await parquet('strict.parquet', [row('ok', '{}'), row('bad', '{"a":'), row('ok2', '{}')]), { strict: true }))
        .rejects.toThrow(/line 2/);
      expect((await store.all<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n).toBe(0);
      // A later write still deduplicates against what the fast path stored.
      await importEvents(store, await parquet('fine.parquet', [row('ok', '{}')]));
      const again = await importEvents(store, await parquet('fine2.parquet', [row('ok', '{"other":1}')]), { format: 'parquet' });
      expect(again).toMatchObject({ imported: 0, duplicates: 1 });
    } finally {
      await store.close();
    }
  });

  it('imports the demo company’s export exactly as the normaliser does', async () => {
    const demo = await generateDemo({ outDir: join(dir, 'demo'), users: 150, seed: 7, weeks: 12, endDate: '2026-11-16' });
    const source = await DuckDbStore.open(':memory:');
    const file = join(dir, 'demo.parquet');
    try {
      await importEvents(source, demo.files.events);
      await exportEvents(source, file, 'parquet');
    } finally {
      await source.close();
    }
    const connection = await instance.connect();
    const slow = join(dir, 'demo-slow.parquet');
    await connection.run(`COPY (SELECT *, 'x' AS x FROM read_parquet('${file}')) TO '${slow}' (FORMAT parquet)`);
    connection.closeSync();
    const { fast, slow: s } = await both(file, slow);
    expect(fast.events).toEqual(s.events);
    expect(fast.links).toEqual(s.links);
    expect(fast.report).toEqual(s.report);
  });
});

describe('the fast path’s guard', () => {
  it('in a single pass, stores a clean file and fails on the first row it would refuse, storing nothing', async () => {
    const { importParquetFast, isRefusal } = await import('../src/engine/ingest/parquet-fast.js');
    const clean = TRICKY.filter((r) => ['plain', 'nested-plain', 'account-string', 'late-link'].includes(r[5]!));
    const cleanFile = await parquet('single-clean.parquet', clean);
    const store = await DuckDbStore.open(':memory:');
    try {
      const done = (await store.transaction(() => importParquetFast(store, cleanFile, 'test', Date.now(), { singlePass: true })))!;
      expect(done).toMatchObject({ rows: 4, inserted: 4, rest: null });
      const single = async (bad: string) => {
        const file = await parquet(`single-${bad}.parquet`, [row(`fine-${bad}`, '{}'), ...TRICKY.filter((r) => r[5] === bad)]);
        return store.transaction(() => importParquetFast(store, file, 'test', Date.now(), { singlePass: true })).catch((e: unknown) => e);
      };
      for (const bad of ['feb-30', 'group-number', 'no-ids', 'no-zone']) expect(isRefusal(await single(bad)), bad).toBe(true);
      expect((await store.all<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n).toBe(4);
      // A row refused for its properties or its type is seen before the insert: the checked path runs at once.
      for (const bad of ['spaced', 'dup-key', 'nested-top-account', 'page']) {
        const done = (await single(bad)) as Awaited<ReturnType<typeof importParquetFast>>;
        expect(done, bad).toMatchObject({ rows: 1, inserted: 1 });
        expect(done!.rest, bad).not.toBeNull();
        await done!.cleanup();
      }
    } finally {
      await store.close();
    }
  });

  it('takes the plain rows and leaves every doubtful one to the normaliser', async () => {
    const { importParquetFast } = await import('../src/engine/ingest/parquet-fast.js');
    const path = await parquet('guard.parquet', TRICKY);
    const store = await DuckDbStore.open(':memory:');
    try {
      const done = (await importParquetFast(store, path, 'test', Date.now()))!;
      await done.cleanup();
      const fast = (await store.all<{ id: string }>(`SELECT id FROM events`)).map((r) => r.id);
      expect(new Set(fast)).toEqual(new Set([
        'plain', 'empty-props', 'empty-props-text', 'obj', 'decimal-ok', 'unicode', 'group-text', 'account-string', 'account-null',
        'account-empty', 'account-named-in-text', 'edge-numbers', 'nested-plain', 'many-keys',
        'fraction-1', 'anon-only', 'same-ids', 'dup', 'late-link', 'early-link',
      ]));
    } finally {
      await store.close();
    }
  });
});
