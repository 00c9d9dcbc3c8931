import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { TruenorthServer } from '../src/server/app.js';
import type { CreatedKey } from '../src/server/keys.js';
import { readServerFile, serverFilePath } from '../src/server/server-file.js';
import { MAX_FAILURES, SignInThrottle, WINDOW_MS } from '../src/server/sign-in-throttle.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const repo = join(import.meta.dirname, '..');
const STRIPE_SECRET = 'whsec_hardening_tests_0123456789';
const ADMIN = 'admin-token-for-hardening-tests';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-hardening-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything but the files and processes of a DuckDB server, once per engine. */
describe.each(['duckdb', 'clickhouse'] as const)('on %s', (engine) => {
  let server: TruenorthServer;
  let url: string;
  let write: CreatedKey;
  let secret: CreatedKey;
  let running: TestServer | undefined;

  beforeAll(async () => {
    running = await startTestServer('hardening', { logger: false, stripeSecret: STRIPE_SECRET, adminToken: ADMIN }, engine);
    ({ server, url, write, secret } = running);
  });

  afterAll(async () => running?.close());

  /** Where this engine's reports read (a reader of the server's store). */
  const reader = () => server.events.reader();

  /** The first row's `n`, read from where this engine keeps the events. */
  async function count(sql: string): Promise<number> {
    const events = await reader();
    try {
      return Number((await events.all<{ n: number }>(sql))[0].n);
    } finally {
      await events.close();
    }
  }

  async function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: { error?: string; message?: string } & Record<string, unknown> }> {
    const res = await fetch(url + path, { method: 'POST', headers, body });
    return { status: res.status, body: await res.json() as { error?: string } };
  }

  const eventLine = (id: string) => JSON.stringify({ type: 'track', messageId: id, userId: 'u', event: 'Signed Up', timestamp: '2026-03-02T10:00:00Z' });
  const basic = (token: string) => `Basic ${Buffer.from(`${token}:`).toString('base64')}`;

  describe('cross-site requests', () => {
    it('refuses a simple or cross-site POST to the open local imports, and imports nothing', async () => {
      const own = new URL(url).host;
      const attempts: [Record<string, string>, number, string][] = [
        [{ 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
        [{}, 415, 'unsupported_media_type'],
        [{ 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, 403, 'cross_site'],
        [{ 'content-type': 'multipart/form-data; boundary=x' }, 415, 'unsupported_media_type'],
        [{ 'content-type': 'application/octet-stream', 'sec-fetch-site': 'cross-site' }, 403, 'cross_site'],
        [{ 'content-type': 'application/octet-stream', 'sec-fetch-site': 'same-site' }, 403, 'cross_site'],
        [{ 'content-type': 'application/octet-stream', origin: 'null' }, 403, 'cross_site'],
        [{ 'content-type': 'application/octet-stream', origin: `http://${own.replace(/:\d+$/, ':1')}` }, 403, 'cross_site'],
      ];
      for (const [headers, status, error] of attempts) {
        const res = await post('/api/v1/import/events?format=ndjson', eventLine('xs-1'), headers);
        expect({ headers, status: res.status, error: res.body.error }).toEqual({ headers, status, error });
        expect(res.body.message).toBeTruthy();
      }
      const ledger = await post('/api/v1/import/subscriptions', 'account_id,effective_at,mrr\nxs,2026-01-01,1\n', { 'content-type': 'text/plain' });
      expect(ledger.status).toBe(415);
      expect(await count(`SELECT count(*) AS n FROM events WHERE id = 'xs-1'`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM subscriptions WHERE account_id = 'xs'`)).toBe(0);

      // What the CLI sends (octet-stream, no Origin), the dashboard's own page, and a script's custom header all import.
      expect((await post('/api/v1/import/events?format=ndjson', eventLine('xs-2'), { 'content-type': 'application/octet-stream' })).status).toBe(200);
      expect((await post('/api/v1/import/events?format=ndjson', eventLine('xs-3'), { 'content-type': 'application/json', origin: `http://${own}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      expect((await post('/api/v1/import/events?format=ndjson', eventLine('xs-4'), { 'content-type': 'text/plain', 'x-truenorth-client': 'curl' })).status).toBe(200);
      expect(await count(`SELECT count(*) AS n FROM events WHERE id IN ('xs-2', 'xs-3', 'xs-4')`)).toBe(3);
    });

    it('guards key administration, sign-in and the dashboard forms; ingestion and the Stripe webhook stay open', async () => {
      const evil = { origin: 'https://evil.example', 'content-type': 'application/json' };
      expect((await post('/api/v1/keys', '{"kind":"secret"}', { ...evil, authorization: `Bearer ${secret.token}` })).status).toBe(403);
      expect((await fetch(`${url}/api/v1/keys/${write.id}`, { method: 'DELETE', headers: evil })).status).toBe(403);
      expect((await post('/api/v1/session', JSON.stringify({ key: secret.token }), evil)).status).toBe(403);
      expect((await fetch(`${url}/api/v1/session`, { method: 'DELETE', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
      // The dashboard's forms and the routes the CLI writes through while the server holds the file.
      for (const form of ['/api/v1/record', '/api/v1/notes', '/api/v1/checkins', '/api/v1/import/manual', '/api/v1/ideas', '/api/v1/ideas/1/status']) {
        expect((await post(form, 'note=x', { 'content-type': 'application/x-www-form-urlencoded' })).status, form).toBe(415);
        expect((await post(form, '{}', { ...evil, 'sec-fetch-site': 'cross-site' })).status, form).toBe(403);
      }
      expect((await server.control.keys.list()).filter((k) => k.revoked_at !== null)).toEqual([]);
      expect(await count(`SELECT (SELECT count(*) FROM ideas) + (SELECT count(*) FROM manual_values) AS n`)).toBe(0);

      // A browser SDK on another site, with the write key: accepted as before.
      const sdk = { origin: 'https://app.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' };
      expect((await post('/v1/track', eventLine('xs-sdk-1'), { ...sdk, authorization: basic(write.token) })).status).toBe(200);
      expect((await post('/capture', JSON.stringify({ api_key: write.token, event: 'x', distinct_id: 'xs-d', uuid: 'xs-sdk-2' }), sdk)).status).toBe(200);
      const stripe = await post('/webhooks/stripe', '{}', { ...sdk, 'stripe-signature': 't=1,v1=00' });
      expect(stripe.body.error).toBe('invalid_signature');
    });
  });

  describe('failed sign-ins', () => {
    it(`answers 429 with Retry-After after ${MAX_FAILURES} unknown keys from one address, the right key included, others unaffected`, async () => {
      const signIn = (key: string, remoteAddress = '198.51.100.7') => server.app.inject({
        method: 'POST', url: '/api/v1/session', remoteAddress, headers: { 'content-type': 'application/json', host: '127.0.0.1' }, payload: { key },
      });
      for (let i = 0; i < MAX_FAILURES - 1; i++) expect((await signIn(`tns_guess_${i}`)).statusCode).toBe(401);
      // A secret key on the read API counts too.
      const bearer = await server.app.inject({ url: '/api/v1/keys', remoteAddress: '198.51.100.7', headers: { authorization: 'Bearer tns_guess_x' } });
      expect(bearer.statusCode).toBe(401);
      const blocked = await signIn(secret.token);
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(WINDOW_MS / 1000 - 60);
      expect(blocked.json()).toMatchObject({ error: 'too_many_failures' });
      expect((await signIn(secret.token, '198.51.100.8')).statusCode).toBe(200);
    });
  });

  describe('small hardening', () => {
    it('shows the pid on /health and the write counts on /ready to this machine only', async () => {
      expect((await server.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok', pid: process.pid });
      expect((await server.app.inject({ url: '/health', remoteAddress: '::ffff:127.0.0.1' })).json()).toEqual({ status: 'ok', pid: process.pid });
      expect((await server.app.inject({ url: '/health', remoteAddress: '203.0.113.9' })).json()).toEqual({ status: 'ok' });
      expect(Object.keys((await server.app.inject({ url: '/ready' })).json()).sort()).toEqual(['committed', 'engine', 'pending', 'status']);
      expect((await server.app.inject({ url: '/ready', remoteAddress: '203.0.113.9' })).json()).toEqual({ status: 'ready', engine });
    });

    it('refuses a signed Stripe event whose amount overflows, naming the field; stores nothing', async () => {
      const sub = (unit: number, quantity: number) => ({
        id: 'sub_big', object: 'subscription', customer: 'cus_big', status: 'active', currency: 'usd', start_date: 1767225600, metadata: {},
        items: { data: [{ price: { id: 'p', currency: 'usd', unit_amount: unit, recurring: { interval: 'month', interval_count: 1 } }, quantity }] },
      });
      const send = (object: object) => {
        const payload = JSON.stringify({ id: 'evt_big', type: 'customer.subscription.created', created: 1767225600, data: { object } });
        const t = Math.floor(Date.now() / 1000);
        const signature = `t=${t},v1=${createHmac('sha256', STRIPE_SECRET).update(`${t}.${payload}`).digest('hex')}`;
        return post('/webhooks/stripe', payload, { 'content-type': 'application/json', 'stripe-signature': signature });
      };
      for (const [unit, quantity] of [[1e308, 10], [1e15, 1000]]) {
        const res = await send(sub(unit, quantity));
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/^data\.object\.items\.data\[0\]: unit_amount × quantity comes to .* a month; at most 1e\+12/);
      }
      expect(await count(`SELECT count(*) AS n FROM subscriptions WHERE account_id = 'cus_big'`)).toBe(0);
      expect((await send(sub(4_900, 3))).status).toBe(200);
      expect(await count(`SELECT count(*) AS n FROM subscriptions WHERE account_id = 'cus_big' AND mrr = 147`)).toBe(1);
    });

    it('refuses a ledger row over the largest MRR with one row error', async () => {
      const csv = 'account_id,effective_at,mrr\nled-ok,2026-01-01,99\nled-big,2026-01-01,1e13\n';
      const res = await post('/api/v1/import/subscriptions', csv, { 'content-type': 'application/octet-stream' });
      expect(res.body).toMatchObject({ imported: 1, rejected: 1, errors: [{ line: 3 }] });
      expect(JSON.stringify(res.body.errors)).toMatch(/mrr: at most 1e\+12 a month, got 1e13/);
      expect(await count(`SELECT count(*) AS n FROM subscriptions WHERE account_id LIKE 'led-%'`)).toBe(1);
    });

    it('stores __proto__ and constructor traits as data, on users and accounts', async () => {
      const auth = { 'content-type': 'application/json', authorization: basic(write.token) };
      // Written as JSON text: an object literal with __proto__ would set a prototype, not a key.
      const traits = '{"__proto__":{"admin":true},"constructor":"c","plan":"pro"}';
      const at = '"timestamp":"2026-03-02T10:00:00Z"';
      expect((await post('/v1/identify', `{"messageId":"tr-1","userId":"proto-user",${at},"traits":${traits}}`, auth)).status).toBe(200);
      expect((await post('/v1/identify', `{"messageId":"tr-2","userId":"proto-user",${at.replace('10:', '11:')},"traits":{"seats":3}}`, auth)).status).toBe(200);
      expect((await post('/v1/group', `{"messageId":"tr-3","userId":"proto-user","groupId":"proto-acct",${at},"traits":${traits}}`, auth)).status).toBe(200);
      const events = await reader();
      try {
        const [user] = await events.all<{ traits: string }>(`SELECT CAST(traits AS VARCHAR) AS traits FROM users WHERE user_id = 'proto-user'`);
        const [account] = await events.all<{ traits: string }>(`SELECT CAST(traits AS VARCHAR) AS traits FROM accounts WHERE account_id = 'proto-acct'`);
        for (const text of [user.traits, account.traits]) {
          const stored = JSON.parse(text) as Record<string, unknown>;
          expect(Object.hasOwn(stored, '__proto__')).toBe(true);
          expect(stored.__proto__).toEqual({ admin: true });
          expect(stored.constructor).toBe('c');
          expect(stored.plan).toBe('pro');
        }
        expect(JSON.parse(user.traits).seats).toBe(3);
      } finally {
        await events.close();
      }
    });
  });
});

describe('failed sign-ins', () => {
  it('forgets failures once the window has passed', () => {
    let now = 0;
    const throttle = new SignInThrottle(() => now);
    for (let i = 0; i < MAX_FAILURES; i++) throttle.fail('a');
    expect(() => throttle.check('a')).toThrow(/too many failed sign-ins/);
    now = WINDOW_MS;
    expect(() => throttle.check('a')).not.toThrow();
  });
});

describe('small hardening', () => {
  it('creates a new database owner-only', async () => {
    const path = join(dir, 'fresh.duckdb');
    const fresh = await DuckDbStore.open(path);
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      if (existsSync(`${path}.wal`)) expect(statSync(`${path}.wal`).mode & 0o777).toBe(0o600);
    } finally {
      await fresh.close();
    }
  });

  it('serve refuses a short admin token in one line', async () => {
    const saved = process.env.TRUENORTH_ADMIN_TOKEN;
    const write = process.stderr.write.bind(process.stderr);
    let stderr = '';
    process.env.TRUENORTH_ADMIN_TOKEN = 'short';
    process.stderr.write = ((chunk: string) => { stderr += chunk; return true; }) as typeof process.stderr.write;
    try {
      const code = await main(['node', 'truenorth', '--db', join(dir, 'never.duckdb'), 'serve', '--port', '0']);
      expect(code).not.toBe(0);
    } finally {
      process.stderr.write = write;
      if (saved === undefined) delete process.env.TRUENORTH_ADMIN_TOKEN;
      else process.env.TRUENORTH_ADMIN_TOKEN = saved;
    }
    expect(stderr).toBe('truenorth: TRUENORTH_ADMIN_TOKEN: at least 16 characters, got 5; use a long random token\n');
    expect(existsSync(join(dir, 'never.duckdb'))).toBe(false);
  });

  it('serve keeps its database, WAL and address file owner-only', async () => {
    const db = join(dir, 'served.duckdb');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/server-cli.ts', '--db', db, 'serve', '--port', '0', '--log-level', 'warn'], {
      cwd: repo, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRUENORTH_ADMIN_TOKEN: ADMIN },
    });
    let log = '';
    child.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
    try {
      const deadline = Date.now() + 30_000;
      while (readServerFile(db)?.pid !== child.pid) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const info = readServerFile(db)!;
      const created = await fetch(`${info.url}/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"kind":"write"}' });
      expect(created.status).toBe(201);
      // The key just created is in the write-ahead log until a checkpoint.
      const files = [db, `${db}.wal`, serverFilePath(db)];
      for (const file of files) expect({ file, mode: (statSync(file).mode & 0o777).toString(8) }).toEqual({ file, mode: '600' });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
