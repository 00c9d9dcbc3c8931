import { Analytics } from '@segment/analytics-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { TruenorthServer } from '../src/server/app.js';
import { createKey, type CreatedKey } from '../src/server/keys.js';
import { findRead } from '../src/app/catalogue.js';
import { prepareRead } from '../src/app/run.js';
import { paramsFromQuery } from '../src/app/wire.js';
import { openChdb } from './helpers/engines.js';
import { modelFromConfig } from '../src/config/model.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';
import { readBeside } from './helpers/read-beside.js';

let dir: string;
let duck: DuckDbStore;
let ch: ClickHouseStore;
let cleanupCh: () => Promise<void>;
let server: TruenorthServer;
let url: string;
let write: CreatedKey;
/** Every insert into tn_events the server makes: the batching is visible here. */
const eventInserts: number[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-serve-ch-'));
  const configPath = join(dir, 'truenorth.yaml');
  writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
  ({ store: ch, cleanup: cleanupCh } = await openChdb());
  const insert = ch.connection.insert.bind(ch.connection);
  ch.connection.insert = async (table, rows) => {
    if (table === 'tn_events' && rows.length > 0) eventInserts.push(rows.length);
    return insert(table, rows);
  };
  duck = await DuckDbStore.open(join(dir, 'keys.duckdb'));
  write = await createKey(duckDbControl(duck).keys, 'write', 'tests');
  server = await TruenorthServer.create({
    store: duck, clickhouse: ch, host: '127.0.0.1', port: 0, configPath, logger: false,
    stripeSecret: 'whsec_test', clickhouseBatching: { maxDelayMs: 250 },
  });
  url = await server.listen();
}, 30_000);

afterAll(async () => {
  await server?.close();
  await duck?.close();
  await cleanupCh?.();
  rmSync(dir, { recursive: true, force: true });
});

const basic = (token: string) => `Basic ${Buffer.from(`${token}:`).toString('base64')}`;

async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: basic(write.token) }) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as any };
}

const chRows = <T>(sql: string, params?: Record<string, unknown>) => ch.all<T>(sql, params as never);

describe('serve --engine clickhouse', () => {
  it('@segment/analytics-node: events, identity links and traits land in ClickHouse, none in DuckDB', async () => {
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey: write.token, host: url, flushAt: 3, flushInterval: 20, maxRetries: 2 });
    analytics.on('error', (e) => errors.push(e));
    analytics.identify({ userId: 'seg-user', anonymousId: 'seg-anon', traits: { role: 'engineer' } });
    analytics.track({ anonymousId: 'seg-anon', event: 'Signed Up', properties: { plan: 'free' }, messageId: 'seg-m-1' });
    analytics.page({ userId: 'seg-user', name: 'Pricing' });
    analytics.group({ userId: 'seg-user', groupId: 'seg-acct', traits: { plan: 'pro' } });
    analytics.alias({ userId: 'seg-user', previousId: 'seg-old-id' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    const events = await chRows<{ event: string; source: string }>(`SELECT event, source FROM events WHERE coalesce(user_id, anonymous_id) LIKE 'seg-%' ORDER BY event`);
    expect(events).toEqual([{ event: 'Page Viewed', source: 'http:segment' }, { event: 'Signed Up', source: 'http:segment' }]);
    const links = await chRows(`SELECT anonymous_id, user_id FROM identity_links WHERE user_id = 'seg-user' ORDER BY anonymous_id`);
    expect(links).toEqual([{ anonymous_id: 'seg-anon', user_id: 'seg-user' }, { anonymous_id: 'seg-old-id', user_id: 'seg-user' }]);
    expect(await chRows(`SELECT actor_id FROM actor_events WHERE event = 'Signed Up'`)).toEqual([{ actor_id: 'seg-user' }]);
    const user = await chRows<{ account_id: string; traits: string }>(`SELECT account_id, traits FROM users WHERE user_id = 'seg-user'`);
    expect(user[0].account_id).toBe('seg-acct');
    expect(JSON.parse(user[0].traits)).toMatchObject({ role: 'engineer' });

    const reader = await duck.reader();
    try {
      expect(await reader.all(`SELECT count(*)::INT AS n FROM events`)).toEqual([{ n: 0 }]);
    } finally {
      await reader.close();
    }
  });

  it('concurrent requests share one insert; a batch sent twice is stored once', async () => {
    const batch = Array.from({ length: 12 }, (_, i) => ({
      type: 'track', messageId: `dup-${i}`, userId: `dup-user-${i % 3}`, anonymousId: `dup-anon-${i % 3}`,
      event: 'Message Sent', properties: { channel: 'general' }, timestamp: `2026-02-1${i % 5}T10:00:00Z`,
    }));
    const others = Array.from({ length: 4 }, (_, r) => [{ type: 'track', messageId: `par-${r}`, userId: `par-${r}`, event: 'Signed Up', timestamp: '2026-02-02T09:00:00Z' }]);
    const before = eventInserts.length;
    const answers = await Promise.all([post('/v1/batch', { batch }), ...others.map((b) => post('/v1/batch', { batch: b }))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0].body).toMatchObject({ success: true, accepted: 12, rejected: [] });
    // The 2xx came after the insert: the rows are there now, in one insert of all 16 messages.
    expect(eventInserts.slice(before)).toEqual([16]);

    const again = await post('/v1/batch', { batch });
    expect(again.status).toBe(200);
    const stored = await chRows<{ n: number; ids: number }>(`SELECT count() AS n, uniqExact(id) AS ids FROM tn_events WHERE id LIKE 'dup-%'`);
    expect(stored).toEqual([{ n: 12, ids: 12 }]);
    expect(await chRows(`SELECT count() AS n FROM events WHERE id LIKE 'dup-%'`)).toEqual([{ n: 12 }]);
    const links = await chRows(`SELECT anonymous_id, user_id FROM identity_links WHERE user_id LIKE 'dup-user-%' ORDER BY anonymous_id`);
    expect(links).toEqual([0, 1, 2].map((i) => ({ anonymous_id: `dup-anon-${i}`, user_id: `dup-user-${i}` })));
  });

  it('PostHog capture lands in ClickHouse', async () => {
    const res = await post('/capture', { api_key: write.token, event: 'Message Sent', distinct_id: 'ph-user', properties: { channel: 'random', $insert_id: 'ph-1' }, timestamp: '2026-02-11T12:00:00Z' }, {});
    expect(res.status).toBe(200);
    expect(await chRows(`SELECT event, coalesce(user_id, anonymous_id) AS person, source FROM events WHERE coalesce(user_id, anonymous_id) = 'ph-user'`)).toEqual([{ event: 'Message Sent', person: 'ph-user', source: 'http:posthog' }]);
  });

  it('GET /api/v1/north-star answers from ClickHouse', async () => {
    const qs = 'from=2026-W05&to=2026-W08&as_of=2026-03-30';
    const res = await fetch(`${url}/api/v1/north-star?${qs}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    const config = parseConfig(exampleConfigYaml('Acme Chat'));
    const model = modelFromConfig(config);
    const read = prepareRead(findRead('north-star')!, paramsFromQuery(Object.fromEntries(new URLSearchParams(qs))), 'http');
    const direct = await read.run(ch, config, model);
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));
    // 13 messages sent (12 in the batch above, one by PostHog), all in W07: DuckDB holds no events at all.
    expect(body.series).toEqual([['2026-W05', 0], ['2026-W06', 0], ['2026-W07', 13], ['2026-W08', 0]].map(([period, value]) => ({ period, value })));
    const replay = await (await fetch(`${url}/api/v1/north-star?${qs}`, { headers: { 'x-truenorth-replay': '1' } })).json() as { queries: { sql: string }[] };
    expect(replay.queries.some((q) => /\bFINAL\b|toStartOfWeek|JSONExtract/i.test(q.sql))).toBe(true);
  });

  it('imports, hand entries and the export read and write ClickHouse; Stripe webhooks are taken; /ready names the engine', async () => {
    // The webhook reaches its signature check (the ledger it writes: stripe-engines.test.ts).
    const stripe = await post('/webhooks/stripe', { id: 'evt_1', type: 'customer.subscription.created' }, { 'stripe-signature': 't=1,v1=x' });
    expect(stripe.status).toBe(400);
    expect(stripe.body.error).toBe('invalid_signature');
    // Imports through the server write ClickHouse, not the control store (both engines alike: server-writes-engines.test.ts).
    const imp = await fetch(`${url}/api/v1/import/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"type":"track","event":"Imported","userId":"u","messageId":"imp-1","timestamp":"2026-02-10T10:00:00Z"}\n' });
    expect([imp.status, await imp.json()]).toEqual([200, expect.objectContaining({ imported: 1, duplicates: 0, rejected: 0 })]);
    expect(await chRows(`SELECT id, user_id FROM events WHERE event = 'Imported'`)).toEqual([{ id: 'imp-1', user_id: 'u' }]);
    const manual = await fetch(`${url}/api/v1/import/manual`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'metric,week,value\ncash_balance,2026-W08,1\n' });
    expect([manual.status, await manual.json()]).toEqual([200, expect.objectContaining({ imported: 1 })]);
    expect(await chRows(`SELECT metric, period, value FROM manual_values`)).toEqual([{ metric: 'cash_balance', period: '2026-W08', value: 1 }]);
    expect(await readBeside(duck, 'SELECT count(*) AS n FROM manual_values')).toEqual([{ n: 0 }]);
    // The export writes ClickHouse's events (the same file as DuckDB's: export-clickhouse.test.ts).
    const res = await fetch(`${url}/api/v1/export/events?format=ndjson`);
    expect(res.status).toBe(200);
    const exported = (await res.text()).trim().split('\n').map((line) => JSON.parse(line) as { messageId: string; event: string });
    const stored = await chRows<{ n: number }>('SELECT count() AS n FROM events');
    expect([exported.length, Number(res.headers.get('x-truenorth-events'))]).toEqual([stored[0].n, stored[0].n]);
    expect(exported.filter((e) => e.event === 'Imported').map((e) => e.messageId)).toEqual(['imp-1']);
    const ready = await (await fetch(`${url}/ready`)).json();
    expect(ready).toMatchObject({ status: 'ready', engine: 'clickhouse', pending: 0 });
    expect(ready.committed).toBeGreaterThanOrEqual(30);
  });

  it('keeps the team\'s ideas board and review notes in ClickHouse', async () => {
    const json = { 'content-type': 'application/json' };
    const send = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() as any };
    };
    expect(await send('/api/v1/ideas', { team: 'Product', idea: 'shorter signup', owner: 'li' })).toMatchObject({ status: 201, body: { id: 1 } });
    expect(await send('/api/v1/ideas', { team: 'growth', idea: 'referrals', owner: 'al' })).toMatchObject({ status: 201, body: { id: 2 } });
    expect((await send('/api/v1/ideas/1/status', { status: 'done' })).status).toBe(200);
    expect((await send('/api/v1/ideas/9/status', { status: 'done' })).status).toBe(400);
    const ideas = await (await fetch(`${url}/api/v1/ideas`)).json() as { ideas: { id: number; team: string; status: string }[] };
    expect(ideas.ideas.map((i) => [i.id, i.team, i.status])).toEqual([[2, 'growth', 'proposed'], [1, 'product', 'done']]);
    const note = await send('/api/v1/notes', { row: 'north_star', week: '2026-W07', note: 'launch week', author: 'li' });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    const notes = await chRows<{ week: string; row_id: string; note: string }>('SELECT week, row_id, note FROM review_notes');
    expect(notes).toEqual([{ week: '2026-W07', row_id: 'north_star', note: 'launch week' }]);
  });
});
