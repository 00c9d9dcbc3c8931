/**
 * Several servers in front of one ClickHouse. The embedded engine is one process, so two servers run
 * here in one process on one chdb session, each with its own DuckDB file, port, key ring and
 * ClickHouse batcher: what one writes to the shared control state the other must see.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { exampleConfigYaml } from '../src/config/template.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { reportContext } from '../src/reports/context.js';
import { TruenorthServer } from '../src/server/app.js';
import { digestSender, scheduleDigest } from '../src/server/digest-schedule.js';
import type { Timers } from '../src/server/scheduled-sends.js';
import { createKey, revokeKey, type CreatedKey } from '../src/server/keys.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';
import { normalizeAll, openChdb } from './helpers/engines.js';
import { ClickHouseWriter } from '../src/engine/clickhouse/writer.js';

const ADMIN = 'admin-token-for-two-servers';
const REFRESH_MS = 250;
/** What a loaded test machine may add to the refresh interval before a change shows on the other server. */
const SLACK_MS = 3_000;

let dir: string;
let ch: ClickHouseStore;
let cleanupCh: () => Promise<void>;
const ducks: DuckDbStore[] = [];
const servers: TruenorthServer[] = [];
const urls: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-shared-'));
  const configPath = join(dir, 'truenorth.yaml');
  writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
  ({ store: ch, cleanup: cleanupCh } = await openChdb());
  for (const name of ['a', 'b']) {
    const duck = await DuckDbStore.open(join(dir, `${name}.duckdb`));
    ducks.push(duck);
    const server = await TruenorthServer.create({
      store: duck, clickhouse: ch, host: '127.0.0.1', port: 0, configPath, logger: false, adminToken: ADMIN,
      keyRefreshMs: REFRESH_MS, clickhouseBatching: { maxDelayMs: 100 },
    });
    servers.push(server);
    urls.push(await server.listen());
  }
}, 30_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const duck of ducks) await duck.close();
  await cleanupCh?.();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}` });

async function call(url: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, body: await res.json() as any, cookie: res.headers.get('set-cookie') };
}

/**
 * Milliseconds until `check` answers true, polling every 100 ms; fails past `limit`. (Each poll with
 * a key the server does not know yet counts towards its sign-in throttle: 10 a quarter-hour.)
 */
async function msUntil(check: () => Promise<boolean>, limit: number): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > limit) throw new Error(`not within ${limit} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - start;
}

const createKeyOn = async (url: string, kind: 'write' | 'secret'): Promise<CreatedKey> => (await call(url, '/api/v1/keys', { method: 'POST', headers: bearer(ADMIN), body: { kind } })).body;
const readsKeys = async (url: string, headers: Record<string, string>) => (await call(url, '/api/v1/keys', { headers })).status;

describe('two servers on one ClickHouse', () => {
  it('a key created on A works on B, and a key revoked on A is refused by B, within the key refresh', async () => {
    const [a, b] = urls;
    const secret = await createKeyOn(a, 'secret');
    expect(await readsKeys(a, bearer(secret.token))).toBe(200);
    const seen = await msUntil(async () => (await readsKeys(b, bearer(secret.token))) === 200, REFRESH_MS + SLACK_MS);
    expect(seen).toBeLessThan(REFRESH_MS + SLACK_MS);
    // Both list the same keys: one table, not one per server.
    expect((await call(b, '/api/v1/keys', { headers: bearer(ADMIN) })).body).toEqual((await call(a, '/api/v1/keys', { headers: bearer(ADMIN) })).body);

    expect((await call(a, `/api/v1/keys/${secret.id}`, { method: 'DELETE', headers: bearer(ADMIN) })).body.revoked_at).not.toBeNull();
    expect(await readsKeys(a, bearer(secret.token))).toBe(401);
    const refused = await msUntil(async () => (await readsKeys(b, bearer(secret.token))) === 401, REFRESH_MS + SLACK_MS);
    expect(refused).toBeLessThan(REFRESH_MS + SLACK_MS);
    // Nothing stored holds the token or the session ids in the clear.
    const stored = await ch.all<{ hash: string }>('SELECT hash FROM tn_api_keys FINAL WHERE id = {id:String}', { id: secret.id });
    expect(stored).toHaveLength(1);
    expect(stored[0].hash).not.toContain(secret.token.slice(12));
  });

  it('a dashboard session opened on A works on B; signing out on B ends it on A; revoking its key ends it everywhere', async () => {
    const [a, b] = urls;
    const secret = await createKeyOn(a, 'secret');
    await msUntil(async () => (await readsKeys(b, bearer(secret.token))) === 200, REFRESH_MS + SLACK_MS);
    const signIn = async () => {
      const res = await call(a, '/api/v1/session', { method: 'POST', body: { key: secret.token } });
      expect(res.status).toBe(200);
      return { cookie: res.cookie!.split(';')[0] };
    };
    let { cookie } = await signIn();
    expect((await call(b, '/api/v1/session', { headers: { cookie } })).body).toMatchObject({ signed_in: true, as: 'secret' });
    expect(await readsKeys(b, { cookie })).toBe(200);
    expect((await call(b, '/api/v1/session', { method: 'DELETE', headers: { cookie } })).status).toBe(200);
    expect((await call(a, '/api/v1/session', { headers: { cookie } })).body).toMatchObject({ signed_in: false });
    expect(await readsKeys(a, { cookie })).toBe(401);

    ({ cookie } = await signIn());
    expect(await readsKeys(b, { cookie })).toBe(200);
    await call(a, `/api/v1/keys/${secret.id}`, { method: 'DELETE', headers: bearer(ADMIN) });
    await msUntil(async () => (await readsKeys(b, { cookie })) === 401, REFRESH_MS + SLACK_MS);
    expect((await call(a, '/api/v1/session', { headers: { cookie } })).body).toMatchObject({ signed_in: false });
    const id = cookie.split('=')[1];
    expect(await ch.all('SELECT id_hash FROM tn_dashboard_sessions WHERE id_hash = {id:String}', { id })).toEqual([]);
  });

  it('the same batches sent to both servers count once in every report, whether or not the copies were merged', async () => {
    const [a, b] = urls;
    const write = await createKeyOn(a, 'write');
    await msUntil(async () => (await call(b, '/v1/track', { method: 'POST', headers: basic(write.token), body: { event: 'Key Checked', userId: 'probe', messageId: 'probe-1' } })).status === 200, REFRESH_MS + SLACK_MS);
    // Ten messages in 2026-W07 and four in W08, each sent to both servers at once.
    const batch = [
      ...Array.from({ length: 10 }, (_, i) => ({ type: 'track', messageId: `both-${i}`, userId: `u${i % 4}`, event: 'Message Sent', properties: { channel: 'general' }, timestamp: `2026-02-1${i % 5}T10:00:00Z` })),
      ...Array.from({ length: 4 }, (_, i) => ({ type: 'track', messageId: `both-w8-${i}`, userId: `u${i}`, event: 'Message Sent', properties: { channel: 'general' }, timestamp: '2026-02-17T08:00:00Z' })),
    ];
    const answers = await Promise.all([a, b].map((url) => call(url, '/v1/batch', { method: 'POST', headers: basic(write.token), body: { batch } })));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    // A retry through the other server, the client's clock corrected by each server's receipt time:
    // the two copies' instants differ, so only the writer's check of the ids already stored keeps one.
    const skewed = [{ type: 'track', messageId: 'skewed-1', userId: 'u9', event: 'Message Sent', properties: { channel: 'general' }, timestamp: '2026-02-12T10:00:00Z', sentAt: '2026-02-12T10:00:01Z' }];
    for (const url of [a, b]) expect((await call(url, '/v1/batch', { method: 'POST', headers: basic(write.token), body: { batch: skewed } })).status).toBe(200);

    const qs = 'from=2026-W06&to=2026-W09&as_of=2026-03-30';
    const expected = [['2026-W06', 0], ['2026-W07', 10], ['2026-W08', 4], ['2026-W09', 0]].map(([period, value]) => ({ period, value }));
    const series = async (url: string) => (await call(url, `/api/v1/north-star?${qs}`)).body.series;
    expect(await series(a)).toEqual(expected);
    expect(await series(b)).toEqual(expected);
    const funnel = await call(a, '/api/v1/funnel?from=2026-02-01&to=2026-03-01&as_of=2026-03-30');
    expect(funnel.status).toBe(200);

    // Both servers' inserts landed in full and no merge has run: every read still sees one copy.
    await ch.connection.command(`INSERT INTO tn_events SELECT * FROM tn_events WHERE id LIKE 'both-%'`);
    expect((await ch.all<{ n: number }>(`SELECT count() AS n FROM tn_events WHERE id LIKE 'both-%'`))[0].n).toBeGreaterThanOrEqual(28);
    expect(await ch.all(`SELECT count() AS n, uniqExact(id) AS ids FROM events WHERE id LIKE 'both-%' OR id = 'skewed-1'`)).toEqual([{ n: 15, ids: 15 }]);
    expect(await series(a)).toEqual(expected);
    expect(await series(b)).toEqual(expected);
    expect((await call(b, '/api/v1/funnel?from=2026-02-01&to=2026-03-01&as_of=2026-03-30')).body).toEqual(funnel.body);
  });

  it('copies of one message two servers stored at once with instants of their own clocks count once', async () => {
    // Each server corrected the client's clock with its own receipt time: the same id, two instants.
    const copy = (ts: string) => normalizeAll([{ type: 'track', messageId: 'raced-1', userId: 'u-race', event: 'Message Sent', properties: { channel: 'general' }, timestamp: ts }]);
    const inserted: string[] = [];
    const insert = ch.connection.insert.bind(ch.connection);
    ch.connection.insert = async (table, rows) => {
      if (table === 'tn_events') inserted.push(...rows.filter((r) => r.id === 'raced-1').map((r) => String(r.ts)));
      return insert(table, rows);
    };
    try {
      const [first, second] = [new ClickHouseWriter(ch, 'http:segment'), new ClickHouseWriter(ch, 'http:segment')];
      await Promise.all([first.write(copy('2026-02-18T10:00:00.000Z'), Date.parse('2026-12-01T10:00:00Z')), second.write(copy('2026-02-18T10:00:02.500Z'), Date.parse('2026-12-01T10:00:02.500Z'))]);
    } finally {
      ch.connection.insert = insert;
    }
    // Both checked before either inserted: two rows went in, and the one received first is what reads see.
    expect(inserted).toHaveLength(2);
    expect(await ch.all(`SELECT toString(ts) AS ts FROM events WHERE id = 'raced-1'`)).toEqual([{ ts: '2026-02-18 10:00:00.000' }]);
    const w8 = (await call(urls[1], '/api/v1/north-star?from=2026-W08&to=2026-W08&as_of=2026-03-30')).body.series;
    expect(w8).toEqual([{ period: '2026-W08', value: 5 }]);
  });

  it('keys in the DuckDB file of a server are carried into ClickHouse at start-up, revocations included', async () => {
    const file = await DuckDbStore.open(join(dir, 'upgraded.duckdb'));
    try {
      const keys = duckDbControl(file).keys;
      const [kept, dropped] = [await createKey(keys, 'write', 'kept'), await createKey(keys, 'write', 'dropped')];
      await revokeKey(keys, dropped.id);
      const start = () => TruenorthServer.create({ store: file, clickhouse: ch, host: '127.0.0.1', port: 0, logger: false, keyRefreshMs: REFRESH_MS });
      let server = await start();
      await server.close();
      const state = async () => (await ch.connection.query(
        'SELECT id, revoked_at IS NOT NULL AS revoked FROM tn_api_keys FINAL WHERE id IN {ids:Array(String)} ORDER BY name DESC', { ids: [kept.id, dropped.id] },
      )).map((k) => [k.id, Boolean(k.revoked)]);
      expect(await state()).toEqual([[kept.id, false], [dropped.id, true]]);
      // Revoked in the file while the server was down (`truenorth keys revoke` without --engine): revoked everywhere once it starts.
      await revokeKey(keys, kept.id);
      server = await start();
      await server.close();
      expect(await state()).toEqual([[kept.id, true], [dropped.id, true]]);
      await msUntil(async () => servers.every((s) => s.keys.verify(kept.token) === undefined), REFRESH_MS + SLACK_MS);
    } finally {
      await file.close();
    }
  });

  it('with both schedules due, the weekly digest goes out once', async () => {
    const posts: string[] = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => { posts.push(body); res.end('ok'); });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const webhook = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
    try {
      const config = parseConfig(exampleConfigYaml('Acme Chat'));
      const model = modelFromConfig(config);
      const schedule = { day: 'monday' as const, hour: 9, format: 'md' as const };
      // Sunday noon: both schedules wait for Monday 09:00, then both timers fire at that instant.
      let clock = Date.parse('2026-03-01T12:00:00Z');
      const pending: (() => void)[] = [];
      const timers: Timers = { now: () => clock, setTimeout: (fn) => pending.push(fn), clearTimeout: () => undefined };
      const logs: string[] = [];
      const done = servers.map((server) => new Promise<void>((resolve) => {
        const sender = digestSender(config, schedule, (asOf) => reportContext(ch, model, asOf), { webhook }, (week, target) => server.claimDigest(week, target));
        const scheduler = scheduleDigest(schedule, 'UTC', sender, (line) => { logs.push(line); scheduler.stop(); resolve(); }, timers);
      }));
      expect(pending).toHaveLength(2);
      clock = Date.parse('2026-03-02T09:00:00Z');
      for (const fire of pending.splice(0)) fire();
      await Promise.all(done);
      expect(posts).toHaveLength(1);
      expect(logs.sort()).toEqual(['sent the 2026-W09 digest to the webhook', 'the 2026-W09 digest was sent by another server']);
    } finally {
      await new Promise((r) => hook.close(r));
    }
  }, 30_000);
});
