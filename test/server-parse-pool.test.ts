/**
 * Ingestion requests parsed and validated on the parse pool's worker threads answer exactly as when
 * parsed inline, and store the same rows: every kind of body (Segment batch and single calls,
 * PostHog's shapes, gzip, invalid JSON, rejected messages, too many messages, a key in the body or
 * none).
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParsePool } from '../src/server/parse-pool.js';
import { DEFAULT_LIMITS } from '../src/server/payload.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { readBeside } from './helpers/read-beside.js';

let threaded: TestServer;
let inline: TestServer;

beforeAll(async () => {
  threaded = await startTestServer('parse-pool', { logger: false, parsing: { threads: 2, inlineBelowBytes: 0 }, limits: { maxBatchEvents: 50 } });
  inline = await startTestServer('parse-inline', { logger: false, parsing: { threads: 0 }, limits: { maxBatchEvents: 50 } });
  threaded.server.parsePool.start();
  const started = Date.now();
  while (threaded.server.parsePool.threadsReady < 2 && Date.now() - started < 60_000) await new Promise((ok) => setTimeout(ok, 50));
}, 90_000);
afterAll(async () => {
  await threaded?.close();
  await inline?.close();
});

const track = (id: string, extra: Record<string, unknown> = {}) => ({ type: 'track', messageId: id, userId: 'u1', event: 'Signed Up', timestamp: '2026-03-02T10:00:00Z', ...extra });

interface Case { path: string; body: string | Blob; headers?: Record<string, string>; auth?: 'header' | 'body' | 'none' }

const CASES: Record<string, (key: string) => Case> = {
  'a Segment batch': () => ({ path: '/v1/batch', body: JSON.stringify({ batch: [track('a1'), track('a2', { properties: { plan: 'pro' } })], context: { ip: '1.2.3.4' } }) }),
  'a batch with a rejected message': () => ({ path: '/v1/batch', body: JSON.stringify({ batch: [track('b1'), { type: 'track', messageId: 'b2' }] }) }),
  'a batch all rejected': () => ({ path: '/v1/batch', body: JSON.stringify({ batch: [{ type: 'track' }, 42] }) }),
  'a single track call': () => ({ path: '/v1/track', body: JSON.stringify(track('c1')) }),
  'a single call without its event': () => ({ path: '/v1/track', body: JSON.stringify({ userId: 'u1' }) }),
  'invalid JSON': () => ({ path: '/v1/batch', body: '{"batch": [' }),
  'a body that is not an object': () => ({ path: '/v1/batch', body: '[1, 2]' }),
  'batch not an array': () => ({ path: '/v1/batch', body: JSON.stringify({ batch: 'x' }) }),
  'too many messages': () => ({ path: '/v1/batch', body: JSON.stringify({ batch: Array.from({ length: 51 }, (_, i) => track(`d${i}`)) }) }),
  'gzip': () => ({ path: '/v1/batch', body: new Blob([new Uint8Array(gzipSync(JSON.stringify({ batch: [track('e1')] })))]), headers: { 'content-encoding': 'gzip' } }),
  'the key in the body': (key) => ({ path: '/v1/batch', body: JSON.stringify({ writeKey: key, batch: [track('f1')] }), auth: 'body' }),
  'a wrong key in the body, and a bad batch': () => ({ path: '/v1/batch', body: JSON.stringify({ writeKey: 'nope', batch: 'x' }), auth: 'body' }),
  'no key': () => ({ path: '/v1/batch', body: JSON.stringify({ batch: [track('g1')] }), auth: 'none' }),
  'PostHog batch, key in the body': (key) => ({ path: '/batch', body: JSON.stringify({ api_key: key, batch: [{ event: 'Signed Up', distinct_id: 'p1', uuid: '0190f5a2-0000-7000-8000-000000000001', timestamp: '2026-03-02T10:00:00Z' }] }), auth: 'body' }),
  'PostHog base64 data': (key) => ({ path: '/capture', body: JSON.stringify({ data: Buffer.from(JSON.stringify({ api_key: key, event: 'Signed Up', distinct_id: 'p2', timestamp: '2026-03-02T10:00:00Z' })).toString('base64') }), auth: 'body' }),
};

async function send(server: TestServer, c: (key: string) => Case) {
  const { path, body, headers, auth } = c(server.write.token);
  const authorization = auth ?? 'header';
  const res = await fetch(server.url + path, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', ...(authorization === 'header' ? { authorization: `Basic ${Buffer.from(`${server.write.token}:`).toString('base64')}` } : {}), ...headers },
  });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

describe('the parse pool', () => {
  it('has its threads loaded, so the answers below come from them', () => {
    expect(threaded.server.parsePool.threadsReady).toBe(2);
  });

  it.each(Object.keys(CASES))('%s: the same answer on a worker thread as inline', async (name) => {
    const [a, b] = [await send(threaded, CASES[name]), await send(inline, CASES[name])];
    expect(a).toEqual(b);
  });

  it('stores the same rows', async () => {
    const rows = async (s: TestServer) => readBeside<Record<string, unknown>>(s.store, 'SELECT id, event, user_id, anonymous_id, account_id, properties::VARCHAR AS p, epoch_ms(ts) AS ts, source FROM events ORDER BY id');
    const stored = await rows(threaded);
    expect(stored.length).toBeGreaterThanOrEqual(6);
    expect(stored).toEqual(await rows(inline));
  });

  it('parses on its threads once they are loaded, and inline before', async () => {
    const pool = new ParsePool({ threads: 1, inlineBelowBytes: 0 });
    const job = { route: 'batch' as const, body: Buffer.from(JSON.stringify({ batch: [track('h1')] })), encoding: undefined, contentType: 'application/json', compression: undefined, limits: DEFAULT_LIMITS, receivedAt: Date.UTC(2026, 2, 3) };
    try {
      const first = await pool.parse(job);
      expect(first.ok && first.value.messages.map((m) => m.id)).toEqual(['h1']);
      await expect.poll(() => pool.threadsReady, { timeout: 30_000 }).toBe(1);
      expect(await pool.parse(job)).toEqual(first);
    } finally {
      await pool.close();
    }
  });
});
