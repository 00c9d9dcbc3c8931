/**
 * What only a server on DuckDB has: the write queue every write goes through (full or closed: 503)
 * and the query cache of report results. The rest of the server's suite runs on both engines
 * (server-suite.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import { WriteQueue } from '../src/engine/duckdb/write-queue.js';
import { QueueFullError } from '../src/engine/sink.js';
import { TruenorthServer } from '../src/server/app.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';
import { createKey, type CreatedKey } from '../src/server/keys.js';
import { readBeside } from './helpers/read-beside.js';

// One store; each test starts its own server on it (one at a time: a server's write queue holds the store's writing connection).
let dir: string;
let store: DuckDbStore;
let write: CreatedKey;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-server-duckdb-'));
  store = await DuckDbStore.open(join(dir, 'db.duckdb'));
  write = await createKey(duckDbControl(store).keys, 'write');
  configPath = join(dir, 'truenorth.yaml');
  writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
});

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const basic = (token: string) => `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
const track = (id: string) => ({ type: 'track', messageId: id, userId: 'u-1', event: 'Message Sent', timestamp: '2026-03-02T10:00:00Z', properties: { channel: 'general' } });
const message = (id: string) => ({ kind: 'event' as const, id, event: 'x', timestamp: Date.now(), userId: 'u', anonymousId: null, accountId: null, properties: {} });

describe('a server on DuckDB', () => {
  it('answers 503 with Retry-After when the write queue is closed or full', async () => {
    const other = await TruenorthServer.create({ store, port: 0, logger: false });
    await other.queue.close();
    const res = await other.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic(write.token), 'content-type': 'application/json' }, payload: JSON.stringify(track('closed-1')) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect((await other.app.inject({ url: '/ready' })).statusCode).toBe(503);
    await other.close();

    const queue = new WriteQueue(store, { maxPending: 10 });
    const first = queue.write(Array.from({ length: 20 }, (_, i) => message(`q-${i}`)), 'test');
    await expect(queue.write([message('q-x')], 'test')).rejects.toBeInstanceOf(QueueFullError);
    await first;
    await queue.close();
    expect(await store.all(`SELECT count(*) AS n FROM events WHERE id LIKE 'q-%'`)).toEqual([{ n: 20 }]);
  });

  it('answers repeated reads from the query cache until the next write, which is seen at once', async () => {
    const server = await TruenorthServer.create({ store, port: 0, configPath, logger: false });
    // Building the live state is a write: done before the reads whose reuse is counted.
    await server.liveState;
    try {
      const send = (id: string) => server.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic(write.token), 'content-type': 'application/json' }, payload: JSON.stringify(track(id)) });
      const read = async () => (await server.app.inject({ url: '/api/v1/north-star?from=2026-W09&to=2026-W10&as_of=2026-03-30' })).json() as { series: { value: number }[] };
      expect((await send('cache-0')).statusCode).toBe(200);
      const first = await read();
      // Reused whole: the weeks kept (period cache), the rest from the query cache; nothing computed again.
      const [hits, kept, misses, computed] = [server.queryCache.hits, server.queryCache.periods.hits, server.queryCache.periods.misses, server.queryCache.misses];
      expect(await read()).toEqual(first);
      expect(server.queryCache.hits + server.queryCache.periods.hits).toBeGreaterThan(hits + kept);
      expect([server.queryCache.periods.misses, server.queryCache.misses]).toEqual([misses, computed]);
      expect((await send('cache-1')).statusCode).toBe(200);
      // Both messages are in W10 (2 March): one more than before.
      expect(first.series.map((p) => p.value)).toEqual([0, 1]);
      expect((await read()).series.map((p) => p.value)).toEqual([0, 2]);
    } finally {
      await server.close();
    }
  });

  it('reads its writes: a scorecard counts every event acknowledged before it, from the live state and the events past its watermark', async () => {
    const server = await TruenorthServer.create({ store, port: 0, configPath, logger: false });
    await server.liveState;
    try {
      expect(await readBeside(store, 'SELECT count(*) AS n FROM live_state_defs')).not.toEqual([{ n: 0 }]);
      const signup = (id: string, user: string) => ({ type: 'track', messageId: id, userId: user, event: 'Signed Up', timestamp: '2026-05-05T10:00:00Z', properties: {} });
      const send = (body: object) => server.app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: basic(write.token), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      const signups = async () => {
        const card = (await server.app.inject({ url: '/api/v1/scorecard?week=2026-W19&weeks=2&as_of=2026-05-20' })).json() as { rows: { id: string; values: (number | null)[] }[] };
        return card.rows.find((r) => r.id === 'journey.signup')!.values;
      };
      for (const [i, user] of ['ryw-1', 'ryw-2', 'ryw-3'].entries()) {
        expect((await send(signup(`ryw-${i}`, user))).statusCode).toBe(200);
        expect(await signups()).toEqual([null, i + 1]);
      }
      // A second signup of a person already counted is not a first reach; the week before has no signups stored.
      expect((await send(signup('ryw-again', 'ryw-1'))).statusCode).toBe(200);
      expect((await signups())[1]).toBe(3);
    } finally {
      await server.close();
    }
  });
});
