import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { TruenorthServer } from '../src/server/app.js';
import { createKey, type CreatedKey } from '../src/server/keys.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { openChdb } from './helpers/engines.js';

/**
 * Property: whatever a client sends, the server answers (never crashes), never with a 5xx, and the
 * valid messages of a batch are stored, whatever garbage sits beside them; on each engine.
 */
type WellFormed = { toWellFormed(): string };
const wellFormed = (s: string) => (s as unknown as WellFormed).toWellFormed();

let counter = 0;
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom("'; DROP TABLE events; --", '\u0000', '\ud800', '${jndi:ldap://x}', '<script>', '%s%n', '\\', '"', '1e400'),
);
const jsonish = fc.jsonValue({ maxDepth: 4 });
const properties = fc.dictionary(hostileString, fc.oneof(jsonish, hostileString, fc.double(), fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER * 10)), { maxKeys: 6 });
const timestamp = fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2099, 0, 1) }).map((t) => new Date(t).toISOString());

/** A valid Segment track message (unique id) or PostHog event; `id` is what the server stores. */
const validSegment = fc.record({ suffix: hostileString, user: hostileString.filter((s) => s.length > 0 && s.length < 100), event: hostileString.filter((s) => s.length > 0 && s.length < 100), properties, timestamp })
  .map(({ suffix, user, event, properties, timestamp }) => {
    const id = `seg-${++counter}-${suffix}`;
    return { id: wellFormed(id), message: { type: 'track', messageId: id, userId: user, event, properties, timestamp } as Record<string, unknown> };
  });
const validPostHog = fc.record({ user: hostileString.filter((s) => s.length > 0 && s.length < 100), event: hostileString.filter((s) => s.length > 0 && s.length < 100 && !s.startsWith('$')), properties, timestamp })
  .map(({ user, event, properties, timestamp }) => {
    const id = `ph-${++counter}`;
    return { id, message: { uuid: id, distinct_id: user, event, properties, timestamp } as Record<string, unknown> };
  });
const garbage = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  jsonish,
  fc.record({ type: fc.constantFrom('track', 'identify', 'page', 'alias', 'group', 'nope'), messageId: fc.oneof(hostileString, fc.integer(), fc.constant(null)), event: fc.oneof(hostileString, fc.integer()) }, { requiredKeys: [] }),
  fc.record({ event: fc.oneof(hostileString, fc.constant('')), distinct_id: fc.oneof(hostileString, fc.object()), timestamp: fc.oneof(hostileString, fc.integer()) }, { requiredKeys: [] }),
);


describe.each(['duckdb', 'clickhouse'] as const)('fuzzed request bodies on %s', (engine) => {
  let dir: string;
  let store: DuckDbStore;
  let ch: ClickHouseStore | undefined;
  let closeChdb: (() => Promise<void>) | undefined;
  let server: TruenorthServer;
  let key: CreatedKey;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'truenorth-fuzz-'));
    store = await DuckDbStore.open(join(dir, 'db.duckdb'));
    if (engine === 'clickhouse') ({ store: ch, cleanup: closeChdb } = await openChdb());
    key = await createKey(duckDbControl(store).keys, 'write', 'fuzz');
    server = await TruenorthServer.create({
      store, clickhouse: ch, clickhouseBatching: { maxDelayMs: 10 }, port: 0,
      logger: { level: 'error', stream: { write: (l: string) => errors.push(l) } }, rateLimit: { perSecond: 0 },
    });
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await closeChdb?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function storedIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const engine = ch ?? await store.reader();
    const sql = ch ? 'SELECT id FROM events WHERE id = {id:String}' : 'SELECT id FROM events WHERE id = $id';
    try {
      const found = new Set<string>();
      for (const id of ids) {
        const rows = (await engine.all(sql, { id })) as { id: string }[];
        for (const r of rows) found.add(r.id);
      }
      return found;
    } finally {
      if (!ch) await engine.close();
    }
  }

  const auth = () => `Basic ${Buffer.from(`${key.token}:`).toString('base64')}`;

  it('batches of valid messages mixed with garbage: no 5xx, every valid message stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('segment', 'posthog'),
        fc.array(fc.oneof({ arbitrary: fc.constant('valid'), weight: 2 }, { arbitrary: garbage, weight: 1 }), { maxLength: 12 }),
        fc.constantFrom('none', 'gzip', 'deflate'),
        fc.context(),
        async (flavour, slots, encoding, ctx) => {
          const valid: string[] = [];
          const items = slots.map((slot) => {
            if (slot !== 'valid') return slot;
            const v = fc.sample(flavour === 'segment' ? validSegment : validPostHog, 1)[0];
            valid.push(v.id);
            return v.message;
          });
          const body = flavour === 'segment' ? { batch: items } : { api_key: key.token, batch: items };
          let payload: Buffer = Buffer.from(JSON.stringify(body));
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (flavour === 'segment') headers.authorization = auth();
          if (encoding === 'gzip') payload = gzipSync(payload);
          if (encoding === 'deflate') payload = deflateSync(payload);
          if (encoding !== 'none') headers['content-encoding'] = encoding;
          const res = await server.app.inject({ method: 'POST', url: flavour === 'segment' ? '/v1/batch' : '/batch', headers, payload });
          ctx.log(`${res.statusCode} ${res.body.slice(0, 300)} ${errors.splice(0).join(' ').slice(0, 1500)}`);
          expect(res.statusCode).toBeLessThan(500);
          if (valid.length > 0) {
            expect(res.statusCode).toBe(200);
            // Random "garbage" is sometimes a valid message too, so at least the valid ones.
            expect(JSON.parse(res.body).accepted).toBeGreaterThanOrEqual(valid.length);
          }
          const stored = await storedIds(valid);
          for (const id of valid) expect(stored.has(id), `stored ${JSON.stringify(id)}`).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('arbitrary bytes, text and JSON on every ingestion route: always a 2xx or 4xx', async () => {
    const routes = ['/v1/batch', '/v1/track', '/v1/identify', '/v1/page', '/v1/alias', '/v1/group', '/capture', '/batch', '/e', '/i/v0/e', '/webhooks/stripe', '/api/v1/keys'];
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
      fc.jsonValue({ maxDepth: 5 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify({ batch: v, api_key: key.token, writeKey: key.token }))),
      fc.nat({ max: 3000 }).map((n) => Buffer.from('['.repeat(n) + ']'.repeat(n))),
      fc.nat({ max: 3000 }).map((n) => Buffer.from(JSON.stringify({ batch: [{ type: 'track', messageId: 'deep', userId: 'u', event: 'x', properties: JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) }] }))),
      fc.uint8Array({ maxLength: 200 }).map((b) => gzipSync(Buffer.from(b))),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes), bodies,
        fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'zstd', 'gzip, gzip'),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
        fc.boolean(),
        async (url, payload, encoding, contentType, withKey) => {
          const headers: Record<string, string> = {};
          if (encoding) headers['content-encoding'] = encoding;
          if (contentType) headers['content-type'] = contentType;
          if (withKey) headers.authorization = auth();
          const res = await server.app.inject({ method: 'POST', url, headers, payload });
          expect(res.statusCode, res.body).toBeLessThan(500);
          expect(res.statusCode).toBeGreaterThanOrEqual(200);
        },
      ),
      { numRuns: 300 },
    );
    expect((await server.app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/ready' })).statusCode).toBe(200);
  });
});
