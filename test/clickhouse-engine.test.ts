/**
 * The ClickHouse engine's own behaviour: result decoding, JSON text ClickHouse can parse, exact
 * dedupe at query time, retroactive identity, trait history, batching, and the generated DDL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEventsToClickHouse } from '../src/engine/clickhouse/import.js';
import { decodeRows } from '../src/engine/clickhouse/connection.js';
import { CLICKHOUSE_SCHEMA_VERSION, clickhouseDdl, STORAGE_TABLES } from '../src/engine/clickhouse/schema.js';
import { BatchingWriter, ClickHouseWriter } from '../src/engine/clickhouse/writer.js';
import { clickhouseJson } from '../src/engine/clickhouse/values.js';
import type { NormalizedMessage } from '../src/model/message.js';
import { normalizeAll, openChdb, truncateClickHouse } from './helpers/engines.js';
import { fakeClickHouseServer } from './helpers/fake-clickhouse-server.js';
import type { ChdbConnection } from '../src/engine/clickhouse/chdb.js';
import { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { clickhouseDialect } from '../src/query/dialects/clickhouse.js';
import { Params } from '../src/query/dialect.js';
import { parseConfig } from '../src/config/load.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { compileFunnel } from '../src/query/plans/funnel.js';
import { reportContext } from '../src/reports/context.js';
import { randomLog } from './helpers/random-log.js';
import { modelFromConfig } from '../src/config/model.js';

let ch: ClickHouseStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store: ch, cleanup } = await openChdb());
});
afterAll(async () => cleanup?.());

const track = (messageId: string, event: string, ids: object, timestamp: string, properties: object = {}) =>
  ({ type: 'track', messageId, event, ...ids, timestamp, properties });

describe('decodeRows', () => {
  it('turns 64-bit integers, decimals and floats into numbers, DateTime64 into Date, and shortens qualified names', () => {
    const text = [
      '["n","f","t","s","r.actor_id","u.actor_id","a"]',
      `["UInt64","Nullable(Float64)","DateTime64(3, 'UTC')","LowCardinality(Nullable(String))","String","String","Array(Int64)"]`,
      '[12345678901,"nan","2026-11-22 10:00:00.123",null,"x","y",[1,"2"]]',
    ].join('\n');
    const [row] = decodeRows(text);
    expect(row.n).toBe(12345678901);
    expect(row.f).toBeNaN();
    expect(row.t).toEqual(new Date('2026-11-22T10:00:00.123Z'));
    expect(row.s).toBeNull();
    expect(row.actor_id).toBe('x');
    expect(row['u.actor_id']).toBe('y');
    expect(row.a).toEqual([1, 2]);
  });
});

describe('clickhouseJson', () => {
  it('writes integers past 64 bits in exponent form, which ClickHouse reads back as the same digits DuckDB shows', async () => {
    const value = { big: 100000000000000000000, neg: -12345678901234567000, ok: 12345678901234567000, s: 'digits 100000000000000000000 in text' };
    const text = clickhouseJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toContain('"s":"digits 100000000000000000000 in text"');
    const rows = await ch.all<Record<string, string>>(
      `SELECT JSONExtractRaw({j:String}, 'big') AS big, JSONExtractRaw({j:String}, 'neg') AS neg, JSONExtractRaw({j:String}, 'ok') AS ok`, { j: text },
    );
    expect(rows[0]).toEqual({ big: '100000000000000000000', neg: '-12345678901234567000', ok: '12345678901234567000' });
  });
});

describe('ClickHouseWriter', () => {
  it('counts duplicates like DuckDB, keeps the first copy, and FINAL hides rows written twice by racing writers', async () => {
    await truncateClickHouse(ch);
    const writer = new ClickHouseWriter(ch, 'test');
    const a = track('m1', 'Signed Up', { anonymousId: 'a1' }, '2026-11-02T10:00:00Z', { plan: 'free' });
    expect(await writer.write(normalizeAll([a, a, track('m2', 'Page Viewed', { anonymousId: 'a1' }, '2026-11-01T10:00:00Z')]))).toEqual({ inserted: 2, duplicates: 1 });
    expect(await writer.write(normalizeAll([{ ...a, properties: { plan: 'team' } }]))).toEqual({ inserted: 0, duplicates: 1 });
    // A second writer that did not see the first (a retried insert): the same row lands twice.
    await ch.connection.insert('tn_events', (await ch.connection.query('SELECT * FROM tn_events WHERE id = {id:String}', { id: 'm1' })).map((r) => ({ ...r, ts: '2026-11-02 10:00:00.000', received_at: '2026-11-02 10:00:00.000' })));
    const raw = await ch.all<{ n: number }>(`SELECT count() AS n FROM tn_events WHERE id = 'm1'`);
    expect(raw[0].n).toBe(2);
    const seen = await ch.all<{ n: number; plan: string }>(`SELECT count() AS n, any(JSONExtractString(properties, 'plan')) AS plan FROM events WHERE id = 'm1'`);
    expect(seen[0]).toEqual({ n: 1, plan: 'free' });
  });

  it('links anonymous ids retroactively (earliest link wins; on a tie, the one written first) and merges traits in time order', async () => {
    await truncateClickHouse(ch);
    const writer = new ClickHouseWriter(ch, 'test');
    await writer.write(normalizeAll([
      track('v1', 'Page Viewed', { anonymousId: 'anon' }, '2026-11-01T00:00:00Z'),
      { type: 'identify', messageId: 'i1', userId: 'U', traits: { role: 'pm', size: 5 }, timestamp: '2026-11-03T00:00:00Z' },
    ]));
    await writer.write(normalizeAll([
      { type: 'identify', messageId: 'i2', userId: 'U', anonymousId: 'anon', traits: { role: 'engineer' }, timestamp: '2026-11-02T00:00:00Z' },
      { type: 'identify', messageId: 'i3', userId: 'V', anonymousId: 'anon', traits: {}, timestamp: '2026-11-02T00:00:00Z' },
      { type: 'group', messageId: 'g1', userId: 'U', groupId: 'acme', traits: { plan: 'team' }, timestamp: '2026-11-04T00:00:00Z' },
    ]));
    await writer.write(normalizeAll([
      { type: 'alias', messageId: 'al', userId: 'W', previousId: 'anon', timestamp: '2026-11-02T00:00:00Z' },
    ]));
    const events = await ch.all<{ actor_id: string; account_id: string | null }>(`SELECT actor_id, account_id FROM actor_events`);
    expect(events).toEqual([{ actor_id: 'U', account_id: 'acme' }]);
    const users = await ch.all<{ user_id: string; traits: string }>(`SELECT user_id, traits FROM users ORDER BY user_id`);
    // i2 (Nov 2) sets role first; i1 (Nov 3) overrides role and adds size, whatever the arrival order.
    expect(users.map((u) => [u.user_id, JSON.parse(u.traits)])).toEqual([['U', { role: 'pm', size: 5 }], ['V', {}]]);
  });
});

describe('bulk import into ClickHouse', () => {
  it('merges the parts it wrote, so FINAL reads have one part per month, and keeps exact dedupe', async () => {
    await truncateClickHouse(ch);
    const dir = mkdtempSync(join(tmpdir(), 'truenorth-ch-import-'));
    try {
      const file = join(dir, 'events.ndjson');
      const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify(track(`b${i}`, 'Message Sent', { userId: `u${i % 7}` }, `2026-${i < 30 ? '10' : '11'}-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`)));
      writeFileSync(file, lines.join('\n') + '\n');
      // Small batches: many parts before the merge; the second import repeats every id.
      const commands: string[] = [];
      const command = ch.connection.command.bind(ch.connection);
      ch.connection.command = (sql, params) => { commands.push(sql); return command(sql, params); };
      try {
        expect(await importEventsToClickHouse(ch, file, { batchSize: 7 })).toMatchObject({ imported: 60, duplicates: 0 });
      } finally {
        ch.connection.command = command;
      }
      expect(commands.filter((c) => c.startsWith('OPTIMIZE'))).toEqual([
        "OPTIMIZE TABLE tn_events PARTITION ID '202610' FINAL", "OPTIMIZE TABLE tn_events PARTITION ID '202611' FINAL",
        'OPTIMIZE TABLE tn_identity_messages FINAL', 'OPTIMIZE TABLE tn_identity_links FINAL', 'OPTIMIZE TABLE tn_users FINAL', 'OPTIMIZE TABLE tn_accounts FINAL',
      ]);
      expect(await importEventsToClickHouse(ch, file, { batchSize: 7 })).toMatchObject({ imported: 0, duplicates: 60 });
      const parts = await ch.all<{ partition: string; parts: number }>(
        `SELECT partition, count() AS parts FROM system.parts WHERE active AND database = currentDatabase() AND table = 'tn_events' GROUP BY partition ORDER BY partition`);
      expect(parts).toEqual([{ partition: '202610', parts: 1 }, { partition: '202611', parts: 1 }]);
      expect((await ch.all<{ n: number }>('SELECT count() AS n FROM events'))[0].n).toBe(60);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('BatchingWriter', () => {
  it('sends at least 1,000 messages per insert, or at most one insert a second, and settles each caller with its own counts', async () => {
    const inserts: number[] = [];
    const fake = {
      async writeDetailed(messages: readonly NormalizedMessage[]) {
        inserts.push(messages.length);
        return messages.map((m) => !m.id.endsWith('dup'));
      },
    };
    const batching = new BatchingWriter(fake, { maxRows: 1000, maxDelayMs: 1000 });
    const message = (i: number, dup = false): NormalizedMessage => ({
      kind: 'event', id: `e${i}${dup ? 'dup' : ''}`, event: 'x', timestamp: 0, userId: 'u', anonymousId: null, accountId: null, properties: {},
    });
    const started = Date.now();
    const small = await Promise.all([
      batching.write([message(1), message(2, true)]),
      batching.write([message(3)]),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(small).toEqual([{ inserted: 1, duplicates: 1 }, { inserted: 1, duplicates: 0 }]);
    expect(inserts).toEqual([3]);
    const big = Array.from({ length: 1200 }, (_, i) => message(i));
    const t = Date.now();
    await batching.write(big);
    expect(Date.now() - t).toBeLessThan(500);
    expect(inserts).toEqual([3, 1200]);
    await batching.close();
  });
});

describe('clickhouseDdl', () => {
  it('is the single-node schema the store applies', () => {
    const ddl = clickhouseDdl();
    expect(ddl.some((s) => s.includes('ENGINE = ReplacingMergeTree\nPARTITION BY toYYYYMM(ts)\nORDER BY (event, toDate(ts), person, ts, id)'))).toBe(true);
    expect(ddl.some((s) => s.startsWith('CREATE OR REPLACE VIEW actor_events AS'))).toBe(true);
    expect(ddl.join('\n')).not.toContain('ON CLUSTER');
  });
  it('for a cluster: Replicated tables ON CLUSTER, events sharded by device behind a Distributed table', () => {
    const ddl = clickhouseDdl({ cluster: 'prod', database: 'analytics' });
    expect(ddl[0]).toBe('CREATE DATABASE IF NOT EXISTS analytics ON CLUSTER prod');
    expect(ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS analytics.tn_events_local ON CLUSTER prod'))).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/tn_events', '{replica}')",
    );
    expect(ddl).toContain(
      "CREATE TABLE IF NOT EXISTS analytics.tn_events ON CLUSTER prod AS analytics.tn_events_local\nENGINE = Distributed(prod, analytics, tn_events_local, cityHash64(coalesce(anonymous_id, user_id, '')))",
    );
    expect(ddl.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS analytics.tn_users ON CLUSTER prod'))).toContain(
      "ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/tn_users', '{shard}-{replica}', written)",
    );
    expect(() => clickhouseDdl({ cluster: 'x; DROP TABLE y' })).toThrow(/identifier/);
  });
});

describe('the server engine (@clickhouse/client over HTTP)', () => {
  it('creates the schema, writes, dedupes and answers reports like the embedded engine', async () => {
    await truncateClickHouse(ch);
    const fake = await fakeClickHouseServer(ch.connection as ChdbConnection);
    try {
      const server = await ClickHouseStore.open({ url: fake.url });
      expect(server.description).not.toContain('secret');
      const writer = new ClickHouseWriter(server, 'http');
      const batch = normalizeAll([
        track('h1', 'Page Viewed', { anonymousId: 'z1' }, '2026-11-02T10:00:00Z', { note: "it's a\ttab\\" }),
        track('h2', 'Signed Up', { userId: 'Z', anonymousId: 'z1' }, '2026-11-03T10:00:00Z'),
        { type: 'identify', messageId: 'h3', userId: 'Z', traits: { role: 'pm' }, timestamp: '2026-11-03T10:00:01Z' },
      ]);
      expect(await writer.write(batch)).toEqual({ inserted: 3, duplicates: 0 });
      expect(await writer.write(batch)).toEqual({ inserted: 0, duplicates: 3 });
      const rows = await server.all<{ actor_id: string; note: string | null }>(
        `SELECT actor_id, ${clickhouseDialect.jsonText('properties', 'note', new Params(clickhouseDialect))} AS note FROM actor_events WHERE event = {p1:String}`,
        { p0: 'note', p1: 'Page Viewed' },
      );
      expect(rows).toEqual([{ actor_id: 'Z', note: "it's a\ttab\\" }]);
      expect(fake.requests).toContain('INSERT tn_events');
      await server.close();
    } finally {
      await fake.close();
    }
  });
});

describe('the funnel plan and ClickHouse windowFunnel', () => {
  it('agree on every actor level (default mode: a chain t1 ≤ … ≤ tk within the window from t1), ties included', async () => {
    const model = modelFromConfig(parseConfig(`
product: F
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up }
  setup: { event: Workspace Created }
  first_strike: { event: Message Sent }
  upgrade: { event: Subscription Started }
north_star: { name: M, event: Message Sent, measure: count, frequency: week }
`));
    const events = model.journey.flatMap((s) => s.selector.events);
    for (const seed of [11, 12]) {
      await truncateClickHouse(ch);
      const writer = new ClickHouseWriter(ch, 'test');
      for (const batch of randomLog({ seed, actors: 200, start: Date.parse('2026-08-20T00:00:00Z'), end: Date.parse('2026-11-30T00:00:00Z'), batches: 2 })) {
        await writer.write(normalizeAll(batch));
      }
      const ctx = reportContext(ch, model, Date.now());
      const range = rangeOfPeriods('2026-W36', '2026-W44', model.time);
      const q = compileFunnel(ctx.query, { steps: model.journey, range, windowDays: 7, segment: 'all' });
      const plan = await ch.all(q.sql, q.params);
      const native = await ch.all(`
        SELECT level, count() AS actors FROM (
          SELECT actor_id, windowFunnel({w:UInt64})(toUInt64(toUnixTimestamp64Milli(ts)),
            event = {e0:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC'),
            event = {e1:String}, event = {e2:String}, event = {e3:String}, event = {e4:String}) AS level
          FROM actor_events WHERE event IN {events:Array(String)}
            AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts <= fromUnixTimestamp64Milli({to:Int64} + {w:UInt64}, 'UTC')
          GROUP BY actor_id) WHERE level > 0 GROUP BY level ORDER BY level`,
        { w: 7 * 86_400_000, from: range.from, to: range.to, events, ...Object.fromEntries(events.map((e, i) => [`e${i}`, e])) } as never);
      expect(plan.length).toBeGreaterThan(3);
      expect(native).toEqual(plan);
    }
  });
});

describe('durable inserts', () => {
  const settingsOf = async (store: ClickHouseStore) => (await store.connection.query(
    `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)} ORDER BY name`,
    { names: STORAGE_TABLES },
  )) as { name: string; engine_full: string }[];

  it('every storage table fsyncs each inserted part and its directory before the insert returns', async () => {
    const tables = await settingsOf(ch);
    expect(tables.map((t) => t.name).sort()).toEqual([...STORAGE_TABLES].sort());
    for (const t of tables) expect(t.engine_full, t.name).toMatch(/fsync_after_insert = 1, fsync_part_directory = 1/);
  });

  it('a store created without them (schema version 1) gets them when opened for writing', async () => {
    for (const name of STORAGE_TABLES) await ch.connection.command(`ALTER TABLE ${name} RESET SETTING fsync_after_insert, fsync_part_directory`);
    expect((await settingsOf(ch)).filter((t) => /fsync_after_insert/.test(t.engine_full))).toEqual([]);
    await ch.connection.command('TRUNCATE TABLE tn_schema_migrations');
    await ch.connection.insert('tn_schema_migrations', [{ version: 1, name: 'initial store', applied_at: Math.floor(Date.now() / 1000) }]);
    await ch.migrate();
    expect(await ch.schemaVersion()).toBe(CLICKHOUSE_SCHEMA_VERSION);
    for (const t of await settingsOf(ch)) expect(t.engine_full, t.name).toMatch(/fsync_after_insert = 1, fsync_part_directory = 1/);
  });
});
