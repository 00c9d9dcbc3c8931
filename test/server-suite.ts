/**
 * The server's suite, run once per engine (server.test.ts on DuckDB, server-on-clickhouse.test.ts on
 * embedded ClickHouse): real SDKs, keys, bad input, the read API. A test that needs what the engine
 * cannot do (ENGINE_CAPABILITIES) is skipped with the reason; tests of DuckDB's own write queue and
 * query cache are in server-duckdb.test.ts.
 */
import { Analytics } from '@segment/analytics-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PostHog } from 'posthog-node';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { TruenorthServer } from '../src/server/app.js';
import { createKey, revokeKey, type CreatedKey } from '../src/server/keys.js';
import { findRead } from '../src/app/catalogue.js';
import { prepareRead } from '../src/app/run.js';
import { paramsFromQuery } from '../src/app/wire.js';
import { modelFromConfig } from '../src/config/model.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { ENGINE_CAPABILITIES, firstGap, type Capability } from '../src/engine/capabilities.js';
import type { Dialect } from '../src/engine/sql-engine.js';
import type { ServerOptions } from '../src/server/app.js';
import { openChdb } from './helpers/engines.js';

const STRIPE_SECRET = 'whsec_test_secret_for_truenorth';

export function serverSuite(engine: Dialect): void {

  let dir: string;
  let store: DuckDbStore;
  let ch: ClickHouseStore | undefined;
  let closeChdb: (() => Promise<void>) | undefined;
  let server: TruenorthServer;
  let url: string;
  let write: CreatedKey;
  let secret: CreatedKey;
  let revoked: CreatedKey;
  let configPath: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'truenorth-server-'));
    configPath = join(dir, 'truenorth.yaml');
    writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
    store = await DuckDbStore.open(join(dir, 'db.duckdb'));
    if (engine === 'clickhouse') ({ store: ch, cleanup: closeChdb } = await openChdb());
    write = await createKey(duckDbControl(store).keys, 'write', 'tests');
    secret = await createKey(duckDbControl(store).keys, 'secret', 'tests');
    revoked = await createKey(duckDbControl(store).keys, 'write', 'old');
    await revokeKey(duckDbControl(store).keys, revoked.id);
    server = await TruenorthServer.create({
      ...stores(), host: '127.0.0.1', port: 0, configPath, stripeSecret: STRIPE_SECRET,
      logger: { level: 'info', stream: { write: (line: string) => logLines.push(line) } },
    });
    url = await server.listen();
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    for (const own of siblingStores) await own.close();
    await closeChdb?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The stores of a server on this engine: the DuckDB file alone, or it (keys) and ClickHouse. */
  const stores = (): Pick<ServerOptions, 'store' | 'clickhouse' | 'clickhouseBatching'> => ({ store, clickhouse: ch, clickhouseBatching: { maxDelayMs: 10 } });

  /**
   * A second server beside the suite's, with other options: on a DuckDB store of its own (a store's
   * writing connection is one write queue's), sharing the suite server's keys.
   */
  async function sibling(options: Omit<ServerOptions, 'store'>): Promise<TruenorthServer> {
    const own = await DuckDbStore.open(':memory:');
    siblingStores.push(own);
    return TruenorthServer.create({ ...stores(), store: own, control: server.control, port: 0, logger: false, ...options });
  }
  /** Closed after all, each once its test has closed its server. */
  const siblingStores: DuckDbStore[] = [];

  /** A test that needs what this engine may lack: skipped there, with the reason. */
  function itNeeds(needs: Capability[], name: string, test: () => Promise<void>): void {
    const gap = firstGap(ENGINE_CAPABILITIES[engine], needs);
    if (gap) it.skip(`${name} (not on ${engine}: ${gap.reason})`, test);
    else it(name, test);
  }

  /** The engine's rows for `sql`, written in SQL both engines read alike. */
  async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const reader = ch ?? await store.reader();
    try {
      return (await reader.all(sql)) as unknown as T[];
    } finally {
      if (!ch) await reader.close();
    }
  }

  function basic(token: string): string {
    return `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
  }

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const payload = (typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)) as string;
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  const track = (id: string, extra: Record<string, unknown> = {}) => ({
    type: 'track', messageId: id, userId: 'u-1', event: 'Message Sent', timestamp: '2026-03-02T10:00:00Z', properties: { channel: 'general' }, ...extra,
  });

  describe('real SDKs against the server on 127.0.0.1', () => {
    it('@segment/analytics-node: track, identify, page, screen, group, alias land as events, links and traits', async () => {
      const errors: unknown[] = [];
      const analytics = new Analytics({ writeKey: write.token, host: url, flushAt: 3, flushInterval: 20, maxRetries: 2 });
      analytics.on('error', (e) => errors.push(e));
      analytics.identify({ userId: 'seg-user', anonymousId: 'seg-anon', traits: { role: 'engineer', company_size: 40 } });
      analytics.track({ anonymousId: 'seg-anon', event: 'Signed Up', properties: { plan: 'free' }, messageId: 'seg-m-1' });
      analytics.page({ userId: 'seg-user', name: 'Pricing', properties: { url: 'https://acme.test/pricing', path: '/pricing' } });
      analytics.screen({ userId: 'seg-user', name: 'Inbox' });
      analytics.group({ userId: 'seg-user', groupId: 'seg-acct', traits: { plan: 'pro', seats: 12 } });
      analytics.alias({ userId: 'seg-user', previousId: 'seg-old-id' });
      await analytics.closeAndFlush({ timeout: 10_000 });
      expect(errors).toEqual([]);

      const events = await query<{ event: string; user_id: string | null; anonymous_id: string | null; properties: string; source: string }>(
        `SELECT event, user_id, anonymous_id, CAST(properties AS VARCHAR) AS properties, source FROM events WHERE coalesce(user_id, anonymous_id) LIKE 'seg-%' ORDER BY event`,
      );
      expect(events.map((e) => e.event)).toEqual(['Page Viewed', 'Screen Viewed', 'Signed Up']);
      expect(JSON.parse(events[0].properties)).toMatchObject({ name: 'Pricing', path: '/pricing', url: 'https://acme.test/pricing' });
      expect(events.every((e) => e.source === 'http:segment')).toBe(true);
      expect(await query(`SELECT id FROM events WHERE id = 'seg-m-1'`)).toHaveLength(1);

      const links = await query<{ anonymous_id: string; user_id: string }>(`SELECT anonymous_id, user_id FROM identity_links WHERE user_id = 'seg-user' ORDER BY anonymous_id`);
      expect(links).toEqual([{ anonymous_id: 'seg-anon', user_id: 'seg-user' }, { anonymous_id: 'seg-old-id', user_id: 'seg-user' }]);
      const actor = await query<{ actor_id: string }>(`SELECT actor_id FROM actor_events WHERE event = 'Signed Up' AND anonymous_id = 'seg-anon'`);
      expect(actor).toEqual([{ actor_id: 'seg-user' }]);
      const user = await query<{ account_id: string; traits: string }>(`SELECT account_id, CAST(traits AS VARCHAR) AS traits FROM users WHERE user_id = 'seg-user'`);
      expect(user[0].account_id).toBe('seg-acct');
      expect(JSON.parse(user[0].traits)).toMatchObject({ role: 'engineer', company_size: 40 });
      const account = await query<{ traits: string }>(`SELECT CAST(traits AS VARCHAR) AS traits FROM accounts WHERE account_id = 'seg-acct'`);
      expect(JSON.parse(account[0].traits)).toEqual({ plan: 'pro', seats: 12 });
    });

    it('posthog-node (gzip bodies): capture, identify, alias, groupIdentify land correctly', async () => {
      const posthog = new PostHog(write.token, { host: url, flushAt: 2, flushInterval: 20, fetchRetryCount: 1 });
      const errors: unknown[] = [];
      posthog.on('error', (e) => errors.push(e));
      posthog.capture({ distinctId: 'ph-anon', event: 'Message Sent', properties: { channel: 'general' }, uuid: '0190f3c2-0000-7000-8000-000000000001' });
      posthog.identify({ distinctId: 'ph-user', properties: { role: 'product manager', company_size: 15 } });
      posthog.alias({ distinctId: 'ph-user', alias: 'ph-anon' });
      posthog.groupIdentify({ groupType: 'company', groupKey: 'ph-acct', properties: { name: 'Acme' } });
      posthog.capture({ distinctId: 'ph-user', event: '$pageview', properties: { $current_url: 'https://acme.test/docs', $pathname: '/docs' }, groups: { company: 'ph-acct' } });
      await posthog.shutdown(10_000);
      expect(errors).toEqual([]);

      const events = await query<{ id: string; event: string; anonymous_id: string; account_id: string | null; properties: string; source: string }>(
        `SELECT id, event, anonymous_id, account_id, CAST(properties AS VARCHAR) AS properties, source FROM events WHERE anonymous_id LIKE 'ph-%' ORDER BY event`,
      );
      expect(events.map((e) => e.event)).toEqual(['Message Sent', 'Page Viewed']);
      expect(events[0].id).toBe('0190f3c2-0000-7000-8000-000000000001');
      expect(events[1].account_id).toBe('ph-acct');
      expect(JSON.parse(events[1].properties)).toMatchObject({ path: '/docs', url: 'https://acme.test/docs' });
      expect(events.every((e) => e.source === 'http:posthog')).toBe(true);
      // The project token never ends up stored with the event.
      expect(events.some((e) => e.properties.includes(write.token))).toBe(false);

      expect(await query(`SELECT anonymous_id, user_id FROM identity_links WHERE anonymous_id = 'ph-anon'`)).toEqual([{ anonymous_id: 'ph-anon', user_id: 'ph-user' }]);
      const user = await query<{ traits: string }>(`SELECT CAST(traits AS VARCHAR) AS traits FROM users WHERE user_id = 'ph-user'`);
      expect(JSON.parse(user[0].traits)).toMatchObject({ role: 'product manager', company_size: 15 });
      const account = await query<{ traits: string }>(`SELECT CAST(traits AS VARCHAR) AS traits FROM accounts WHERE account_id = 'ph-acct'`);
      expect(JSON.parse(account[0].traits)).toEqual({ name: 'Acme' });
    });

    itNeeds(['stripe'], 'stripe webhooks: signature verified with the test-header helper; subscriptions become monthly ledger rows', async () => {
      const stripe = new Stripe('sk_test_truenorth');
      const send = (event: object, secretKey = STRIPE_SECRET) => {
        const payload = JSON.stringify(event);
        const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: secretKey });
        return post('/webhooks/stripe', payload, { 'stripe-signature': signature });
      };
      const price = (unit: number, interval: string, nickname: string, extra: object = {}) => ({ id: `price_${nickname}`, object: 'price', nickname, currency: 'usd', unit_amount: unit, recurring: { interval, interval_count: 1, usage_type: 'licensed' }, ...extra });
      const sub = (id: string, customer: string, status: string, items: object[], extra: object = {}) => ({
        id, object: 'subscription', customer, status, currency: 'usd', start_date: 1767225600, created: 1767225600, metadata: {}, items: { object: 'list', data: items }, ...extra,
      });
      const event = (id: string, type: string, created: number, object: object) => ({ id, object: 'event', type, created, data: { object } });

      // Yearly $1,200 → $100/month.
      expect((await send(event('evt_1', 'customer.subscription.created', 1767225600, sub('sub_a', 'cus_a', 'active', [{ price: price(120_000, 'year', 'annual'), quantity: 1 }])))).status).toBe(200);
      // 3 seats at $50 with a 20 % forever coupon → $120; a metered item adds nothing.
      const upgraded = sub('sub_a', 'cus_a', 'active', [
        { price: price(5_000, 'month', 'team'), quantity: 3 },
        { price: price(10, 'month', 'api', { recurring: { interval: 'month', interval_count: 1, usage_type: 'metered' } }), quantity: 1 },
      ], { discount: { coupon: { duration: 'forever', percent_off: 20 } } });
      expect((await send(event('evt_2', 'customer.subscription.updated', 1769904000, upgraded))).status).toBe(200);
      // A trial and a free plan are not MRR; the account id can come from metadata.
      expect((await send(event('evt_3', 'customer.subscription.created', 1767225600, sub('sub_t', 'cus_t', 'trialing', [{ price: price(9_900, 'month', 'pro'), quantity: 1 }])))).status).toBe(200);
      expect((await send(event('evt_4', 'customer.subscription.created', 1767225600, sub('sub_f', 'cus_f', 'active', [{ price: price(0, 'month', 'free'), quantity: 1 }], { metadata: { account_id: 'acct-free' } })))).status).toBe(200);
      // Cancelled → 0 at ended_at.
      const deleted = await send(event('evt_5', 'customer.subscription.deleted', 1772323200, { ...upgraded, status: 'canceled', ended_at: 1772323200 }));
      expect(deleted.status).toBe(200);
      expect(deleted.body.ledger_rows).toBe(1);
      // A redelivery is harmless.
      expect((await send(event('evt_5', 'customer.subscription.deleted', 1772323200, { ...upgraded, status: 'canceled', ended_at: 1772323200 }))).body.duplicates).toBe(1);
      // Other event types are acknowledged and ignored.
      expect((await send({ id: 'evt_6', object: 'event', type: 'invoice.paid', created: 1, data: { object: {} } })).body.ledger_rows).toBe(0);

      const rows = await query<{ account_id: string; subscription_id: string; effective_at: Date; mrr: number; plan: string; currency: string; source: string }>(
        `SELECT account_id, subscription_id, effective_at, mrr, plan, currency, source FROM subscriptions WHERE source = 'stripe' ORDER BY account_id, effective_at`,
      );
      expect(rows.map((r) => [r.account_id, r.subscription_id, r.effective_at.toISOString().slice(0, 10), r.mrr, r.plan, r.currency])).toEqual([
        ['acct-free', 'sub_f', '2026-01-01', 0, 'free', 'USD'],
        ['cus_a', 'sub_a', '2026-01-01', 100, 'annual', 'USD'],
        ['cus_a', 'sub_a', '2026-02-01', 120, 'team', 'USD'],
        ['cus_a', 'sub_a', '2026-03-01', 0, 'team', 'USD'],
        ['cus_t', 'sub_t', '2026-01-01', 0, 'pro', 'USD'],
      ]);

      // A wrong secret, a missing header, a stale timestamp: 400, nothing written.
      expect((await send(event('evt_7', 'customer.subscription.created', 1767225600, sub('sub_x', 'cus_x', 'active', [])), 'whsec_wrong')).status).toBe(400);
      expect((await post('/webhooks/stripe', JSON.stringify(event('evt_8', 'customer.subscription.created', 1, {})))).status).toBe(400);
      const payload = JSON.stringify(event('evt_9', 'customer.subscription.created', 1767225600, sub('sub_y', 'cus_y', 'active', [])));
      const stale = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 });
      expect((await post('/webhooks/stripe', payload, { 'stripe-signature': stale })).status).toBe(400);
      expect(await query(`SELECT * FROM subscriptions WHERE account_id IN ('cus_x', 'cus_y')`)).toEqual([]);
    });
  });

  describe('keys and auth', () => {
    it('refuses a missing, unknown or revoked write key, and a secret key, with 401', async () => {
      expect((await post('/v1/track', track('auth-1'))).status).toBe(401);
      expect((await post('/v1/track', track('auth-2'), { authorization: basic('tnw_nope') })).status).toBe(401);
      const old = await post('/v1/track', track('auth-3'), { authorization: basic(revoked.token) });
      expect(old.status).toBe(401);
      expect(old.body.message).toMatch(/unknown or revoked/);
      expect((await post('/v1/track', track('auth-4'), { authorization: basic(secret.token) })).status).toBe(401);
      expect((await post('/capture', { api_key: 'phc_unknown', event: 'x', distinct_id: 'd' })).status).toBe(401);
      // writeKey in the body works like the basic-auth user.
      expect((await post('/v1/track', { ...track('auth-5'), writeKey: write.token })).status).toBe(200);
      expect(await query(`SELECT id FROM events WHERE id LIKE 'auth-%'`)).toEqual([{ id: 'auth-5' }]);
    });

    it('administers keys with a secret key only; write keys cannot read', async () => {
      const bearer = { authorization: `Bearer ${secret.token}` };
      expect((await fetch(`${url}/api/v1/keys`)).status).toBe(401);
      expect((await fetch(`${url}/api/v1/keys`, { headers: { authorization: `Bearer ${write.token}` } })).status).toBe(403);
      const created = await post('/api/v1/keys', { kind: 'write', name: 'made over http' }, bearer);
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^tnw_/);
      expect((await post('/v1/track', track('adm-1'), { authorization: basic(created.body.token) })).status).toBe(200);
      const list = await (await fetch(`${url}/api/v1/keys`, { headers: bearer })).json() as { id: string; kind: string }[];
      expect(list.map((k) => k.id)).toContain(created.body.id);
      expect(JSON.stringify(list)).not.toContain(created.body.token);
      expect(JSON.stringify(list)).not.toMatch(/hash/);
      const gone = await fetch(`${url}/api/v1/keys/${created.body.id}`, { method: 'DELETE', headers: bearer });
      expect(gone.status).toBe(200);
      expect((await post('/v1/track', track('adm-2'), { authorization: basic(created.body.token) })).status).toBe(401);
      // Only hashes are stored.
      const stored = await server.control.keys.list();
      expect(stored.find((k) => k.id === created.body.id)?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(stored)).not.toContain(created.body.token);
    });

    it('rate-limits per key with 429 and Retry-After', async () => {
      const limited = await sibling({ rateLimit: { perSecond: 1, burst: 2 } });
      await limited.listen();
      try {
        const statuses: number[] = [];
        let retryAfter: string | null = null;
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${limited.url}/v1/track`, { method: 'POST', headers: { authorization: basic(write.token), 'content-type': 'application/json' }, body: JSON.stringify(track(`rl-${i}`)) });
          statuses.push(res.status);
          retryAfter = res.headers.get('retry-after');
        }
        expect(statuses).toEqual([200, 200, 429]);
        expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      } finally {
        await limited.close();
      }
    });
  });

  describe('bad input', () => {
    const auth = () => ({ authorization: basic(write.token) });

    it('invalid JSON is a 400 that says why', async () => {
      const res = await post('/v1/batch', '{"batch": [', auth());
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^invalid JSON: /);
      expect((await post('/v1/batch', '', auth())).status).toBe(400);
      // curl -d labels JSON as a form; older PostHog clients send data=<base64 JSON>.
      expect((await post('/v1/track', JSON.stringify(track('form-1')), { ...auth(), 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200);
      const data = Buffer.from(JSON.stringify([{ event: 'x', distinct_id: 'form-d', uuid: 'form-2', api_key: write.token }])).toString('base64');
      expect((await post('/e', `data=${encodeURIComponent(data)}`, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200);
      expect(await query(`SELECT id FROM events WHERE id LIKE 'form-%' ORDER BY id`)).toEqual([{ id: 'form-1' }, { id: 'form-2' }]);
      expect((await post('/v1/batch', '[1,2]', auth())).status).toBe(400);
    });

    it('stores the valid messages of a batch and lists the invalid ones', async () => {
      const res = await post('/v1/batch', {
        batch: [track('mix-1'), { type: 'track', messageId: 'mix-2', event: 'x' }, 'not an object', track('mix-3', { timestamp: 'yesterday-ish' }), track('mix-4')],
      }, auth());
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
      expect(res.body.accepted).toBe(2);
      expect(res.body.rejected).toEqual([
        { index: 1, error: expect.stringMatching(/userId/) },
        { index: 2, error: 'message: expected a JSON object' },
        { index: 3, error: expect.stringMatching(/^timestamp: not a valid timestamp/) },
      ]);
      expect((await query<{ id: string }>(`SELECT id FROM events WHERE id LIKE 'mix-%' ORDER BY id`)).map((r) => r.id)).toEqual(['mix-1', 'mix-4']);
      const none = await post('/v1/batch', { batch: [{ nope: 1 }, 7] }, auth());
      expect(none.status).toBe(400);
      expect(none.body.rejected).toHaveLength(2);
    });

    it('applies Segment-like limits with 413', async () => {
      const tooMany = await post('/v1/batch', { batch: Array.from({ length: 2_501 }, (_, i) => track(`many-${i}`)) }, auth());
      expect(tooMany.status).toBe(413);
      const big = 'x'.repeat(40 * 1024);
      expect((await post('/v1/track', track('big-1', { properties: { big } }), auth())).status).toBe(413);
      const batch = await post('/v1/batch', { batch: [track('big-2', { properties: { big } }), track('big-3')] }, auth());
      expect(batch.status).toBe(200);
      expect(batch.body.rejected[0].error).toMatch(/larger than the 32 KB limit/);
      const huge = await post('/v1/batch', { batch: Array.from({ length: 20 }, (_, i) => track(`huge-${i}`, { properties: { s: 'y'.repeat(30 * 1024) } })) }, auth());
      expect(huge.status).toBe(413);
      // A gzip bomb stops at the limit.
      const bomb = gzipSync(Buffer.from(JSON.stringify({ batch: [track('bomb', { properties: { s: 'z'.repeat(5_000_000) } })] })));
      expect((await post('/v1/batch', bomb, { ...auth(), 'content-encoding': 'gzip' })).status).toBe(413);
      expect(await query(`SELECT id FROM events WHERE id LIKE 'huge-%' OR id = 'bomb' OR id = 'big-1'`)).toEqual([]);
    });

    it('a batch whose messages are all too large is a 413; all rejected for mixed reasons, a 400', async () => {
      const big = 'x'.repeat(40 * 1024);
      const allLarge = await post('/v1/batch', { batch: [track('large-1', { properties: { big } }), track('large-2', { properties: { big } })] }, auth());
      expect(allLarge.status).toBe(413);
      expect(allLarge.body).toMatchObject({ error: 'message_too_large', accepted: 0 });
      expect(allLarge.body.rejected).toHaveLength(2);
      const mixed = await post('/v1/batch', { batch: [track('large-3', { properties: { big } }), { type: 'track', event: 'no one sent this' }] }, auth());
      expect(mixed.status).toBe(400);
      expect(mixed.body).toMatchObject({ error: 'invalid_batch', accepted: 0 });
      expect(await query(`SELECT id FROM events WHERE id LIKE 'large-%'`)).toEqual([]);
    });

    it('accepts gzip bodies and deduplicates retries exactly', async () => {
      const body = gzipSync(Buffer.from(JSON.stringify({ batch: [track('dup-1'), track('dup-2'), track('dup-1')] })));
      for (let i = 0; i < 3; i++) expect((await post('/v1/batch', body, { ...auth(), 'content-encoding': 'gzip' })).status).toBe(200);
      expect(await query(`SELECT count(*) AS n FROM events WHERE id LIKE 'dup-%'`)).toEqual([{ n: 2 }]);
    });

    it('corrects client clock skew with sentAt, as Segment does', async () => {
      const skew = 3 * 3600_000; // the client's clock runs 3 hours fast
      const now = Date.now();
      const res = await post('/v1/batch', {
        batch: [track('skew-1', { timestamp: new Date(now + skew - 60_000).toISOString() })],
        sentAt: new Date(now + skew).toISOString(),
      }, auth());
      expect(res.status).toBe(200);
      const [row] = await query<{ ts: Date }>(`SELECT ts FROM events WHERE id = 'skew-1'`);
      expect(Math.abs(row.ts.getTime() - (now - 60_000))).toBeLessThan(5_000);
    });

    it('stores hostile strings as data and breaks nothing', async () => {
      let deep: unknown = 'bottom';
      for (let i = 0; i < 40; i++) deep = { d: deep };
      let tooDeep: unknown = 1;
      for (let i = 0; i < 500; i++) tooDeep = [tooDeep];
      const hostile = [
        track("'; DROP TABLE events; --", { event: "Robert'); DELETE FROM users; --", userId: "u' OR '1'='1" }),
        track('ctl-\u0000\u0001\u001b[31m', { event: 'tab\tnew\nline\u0000', properties: { '\u0000key': 'v\u0007', rtl: '\u202eevil' } }),
        track('surrogate-\ud800', { event: 'half \udc00 pair', properties: { ['k\udbff']: 'v\ud83d' } }),
        track('numbers', { properties: { big: 1e308, inf: 1e400, long: 12345678901234567890123456789, neg: -0 } }),
        track('deep', { properties: { deep } }),
        JSON.parse('{"type":"track","messageId":"proto","userId":"u","event":"x","properties":{"__proto__":{"polluted":true},"constructor":{"prototype":1}}}'),
        track('too-deep', { properties: { tooDeep } }),
      ];
      const res = await post('/v1/batch', { batch: hostile }, auth());
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(6);
      expect(res.body.rejected).toEqual([{ index: 6, error: 'message: nested deeper than 64 levels' }]);
      const rows = await query<{ id: string; event: string; properties: string }>(`SELECT id, event, CAST(properties AS VARCHAR) AS properties FROM events WHERE source = 'http:segment'`);
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(byId.get("'; DROP TABLE events; --")?.event).toBe("Robert'); DELETE FROM users; --");
      expect(byId.get('ctl-\u0000\u0001\u001b[31m')?.event).toBe('tab\tnew\nline\u0000');
      expect(JSON.parse(byId.get('ctl-\u0000\u0001\u001b[31m')!.properties)).toEqual({ '\u0000key': 'v\u0007', rtl: '\u202eevil' });
      expect(byId.get('surrogate-\ufffd')?.event).toBe('half \ufffd pair');
      expect(JSON.parse(byId.get('numbers')!.properties)).toMatchObject({ big: 1e308, inf: null });
      expect(JSON.parse(byId.get('deep')!.properties).deep.d.d.d).toBeDefined();
      const proto = JSON.parse(byId.get('proto')!.properties) as Record<string, unknown>;
      expect(Object.keys(proto).sort()).toEqual(['__proto__', 'constructor']);
      expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toEqual({ polluted: true });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // Everything else is still there and the server still works.
      expect((await query(`SELECT count(*) AS n FROM users`))[0].n).toBeGreaterThan(0);
      expect((await post('/v1/track', track('after-hostile'), auth())).status).toBe(200);
    });
  });

  describe('read API, health, OpenAPI, logs', () => {
    it('returns exactly what the report functions return, with the CLI flags as query parameters', async () => {
      const users = Array.from({ length: 12 }, (_, i) => `ra-${i}`);
      const batch = users.flatMap((u, i) => [
        { type: 'page', messageId: `${u}-v`, anonymousId: `${u}-anon`, name: 'Home', timestamp: '2026-02-02T09:00:00Z' },
        { type: 'identify', messageId: `${u}-i`, userId: u, anonymousId: `${u}-anon`, traits: { role: i % 2 ? 'engineer' : 'sales', company_size: 50 }, timestamp: '2026-02-02T09:05:00Z' },
        { type: 'track', messageId: `${u}-s`, userId: u, event: 'Signed Up', timestamp: '2026-02-02T09:06:00Z' },
        ...(i < 8 ? [{ type: 'track', messageId: `${u}-w`, userId: u, event: 'Workspace Created', timestamp: '2026-02-03T10:00:00Z' }] : []),
        ...(i < 5 ? Array.from({ length: 3 }, (_, k) => ({ type: 'track', messageId: `${u}-m${k}`, userId: u, event: 'Message Sent', properties: { channel: 'general' }, timestamp: `2026-02-${10 + k}T10:00:00Z` })) : []),
      ]);
      expect((await post('/v1/batch', { batch }, { authorization: basic(write.token) })).status).toBe(200);

      const config = parseConfig(exampleConfigYaml('Acme Chat'));
      const model = modelFromConfig(config);
      const cases: [string, string][] = [
        ['funnel', 'from=2026-W05&to=2026-W08&as_of=2026-03-30'],
        ['funnel', 'from=2026-W05&to=2026-W08&as_of=2026-03-30&weekly=1'],
        ['funnel', 'from=2026-W05&to=2026-W08&as_of=2026-03-30&segment=ideal'],
        ['north-star', 'from=2026-W05&to=2026-W08&as_of=2026-03-30'],
        ['north-star', 'from=2026-W05&to=2026-W08&as_of=2026-03-30&breakdown=channel'],
        ['retention', 'from=2026-W05&to=2026-W08&as_of=2026-03-30&period=week&mode=on-or-after'],
        ['pql', 'from=2026-W05&to=2026-W08&as_of=2026-03-30'],
        ['people', 'of=funnel&step=2&from=2026-W05&to=2026-W08&as_of=2026-03-30'],
        ['people', 'of=funnel&step=2&dropped=1&limit=3&offset=2&from=2026-W05&to=2026-W08&as_of=2026-03-30'],
      ];
      const engine: SqlEngine = ch ?? await store.reader();
      try {
        for (const [name, qs] of cases) {
          const res = await fetch(`${url}/api/v1/${name}?${qs}`);
          expect(res.status, `${name}?${qs}`).toBe(200);
          const read = prepareRead(findRead(name)!, paramsFromQuery(Object.fromEntries(new URLSearchParams(qs))), 'http');
          const direct = await read.run(engine, config, model);
          expect(await res.json(), `${name}?${qs}`).toEqual(JSON.parse(JSON.stringify(direct)));
        }
      } finally {
        if (!ch) await engine.close();
      }
      const funnel = await (await fetch(`${url}/api/v1/funnel?from=2026-W05&to=2026-W08&as_of=2026-03-30`)).json() as { steps: { stage: string; actors: number }[] };
      expect(funnel.steps.find((s) => s.stage === 'signup')?.actors).toBe(12);
      expect(funnel.steps.find((s) => s.stage === 'setup')?.actors).toBe(8);
      // The people behind the signup step: as many as it counts.
      const signups = await (await fetch(`${url}/api/v1/people?of=funnel&step=2&from=2026-W05&to=2026-W08&as_of=2026-03-30`)).json() as { total: number; rows: unknown[] };
      expect([signups.total, signups.rows.length]).toEqual([12, 12]);

      // Read again: the same answer; after a write, the write is seen at once.
      expect(await (await fetch(`${url}/api/v1/funnel?from=2026-W05&to=2026-W08&as_of=2026-03-30`)).json()).toEqual(funnel);
      const late = [
        { type: 'page', messageId: 'late-visit', anonymousId: 'late-anon', name: 'Home', timestamp: '2026-02-04T08:00:00Z' },
        { type: 'track', messageId: 'late-signup', userId: 'late-user', anonymousId: 'late-anon', event: 'Signed Up', timestamp: '2026-02-04T09:00:00Z' },
      ];
      expect((await post('/v1/batch', { batch: late }, { authorization: basic(write.token) })).status).toBe(200);
      const after = await (await fetch(`${url}/api/v1/funnel?from=2026-W05&to=2026-W08&as_of=2026-03-30`)).json() as typeof funnel;
      expect(after.steps.find((s) => s.stage === 'signup')?.actors).toBe(13);

      expect((await fetch(`${url}/api/v1/nope`)).status).toBe(404);
      const bad = await fetch(`${url}/api/v1/funnel?segment=purple`);
      expect(bad.status).toBe(400);
      expect((await bad.json() as { message: string }).message).toMatch(/segment/);
    });

    itNeeds(['write_lane'], 'imports streamed files: events (strict or not) and the ledger', async () => {
      const upload = (path: string, body: string) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
      const ledger = await upload('/api/v1/import/subscriptions', 'account_id,effective_at,mrr,plan\nimp-a,2026-01-01,49,pro\nimp-b,2026-01-15,0,free\n');
      expect(ledger.status).toBe(200);
      expect(await ledger.json()).toMatchObject({ imported: 2, rejected: 0 });
      const lines = [JSON.stringify(track('imp-1')), '{"broken', JSON.stringify(track('imp-2'))].join('\n');
      const strict = await upload('/api/v1/import/events?format=ndjson&strict=1', lines);
      expect(strict.status).toBe(400);
      expect((await strict.json() as { message: string }).message).toMatch(/line 2: invalid JSON.*nothing was imported/);
      expect(await query(`SELECT id FROM events WHERE id LIKE 'imp-%'`)).toEqual([]);
      const lenient = await upload('/api/v1/import/events?format=ndjson', lines);
      expect(await lenient.json()).toMatchObject({ imported: 2, rejected: 1, errors: [{ line: 2 }] });
      // Ingestion still works after an import (the writers' staging tables are intact).
      expect((await post('/v1/track', track('imp-after'), { authorization: basic(write.token) })).status).toBe(200);
      expect((await query(`SELECT count(*) AS n FROM events WHERE id LIKE 'imp-%'`))[0].n).toBe(3);
    });

    it('needs a secret key when bound beyond loopback', async () => {
      const guarded = await sibling({ configPath, readsNeedKey: true });
      const get = (headers: Record<string, string> = {}) => guarded.app.inject({ url: '/api/v1/pql?as_of=2026-03-30', headers });
      try {
        expect((await get()).statusCode).toBe(401);
        expect((await get({ authorization: `Bearer ${write.token}` })).statusCode).toBe(403);
        expect((await get({ authorization: `Bearer ${secret.token}` })).statusCode).toBe(200);
      } finally {
        await guarded.close();
      }
    });

    it('keeps an open local read API away from web pages: no CORS, loopback Host only', async () => {
      const res = await fetch(`${url}/api/v1/pql?as_of=2026-03-30`, { headers: { origin: 'https://evil.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const rebound = await server.app.inject({ url: '/api/v1/pql?as_of=2026-03-30', headers: { host: 'evil.example:8765' } });
      expect(rebound.statusCode).toBe(401);
      const preflight = await server.app.inject({ method: 'OPTIONS', url: '/v1/batch', headers: { origin: 'https://app.example' } });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
    });

    it('serves health, readiness and the OpenAPI document', async () => {
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok', pid: process.pid });
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      const doc = await (await fetch(`${url}/openapi.json`)).json() as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      for (const path of ['/v1/batch', '/v1/track', '/capture', '/batch', '/i/v0/e', '/webhooks/stripe', '/api/v1/funnel', '/api/v1/north-star', '/api/v1/keys']) {
        expect(doc.paths, path).toHaveProperty([path]);
      }
    });

    it('logs one line per request, without secrets', async () => {
      await post('/v1/track?token=leaky', { ...track('log-1'), writeKey: write.token });
      await post('/capture', { api_key: write.token, event: 'x', distinct_id: 'log-d' });
      await post('/api/v1/keys', { kind: 'write' }, { authorization: `Bearer ${secret.token}` });
      const text = logLines.join('');
      expect(text).toContain('"msg":"request"');
      expect(text).toContain('[redacted]');
      for (const token of [write.token, secret.token, 'leaky']) expect(text).not.toContain(token);
    });
  });
}
