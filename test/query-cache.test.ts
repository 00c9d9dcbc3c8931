import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { normalizeMessage } from '../src/engine/ingest/normalize.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { reportContext } from '../src/reports/context.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { seg, storeFrom } from './helpers/fixture-store.js';
import { modelFromConfig } from '../src/config/model.js';
import { computeScorecard } from '../src/app/reads/ritual.js';
import { SCORECARD_SECTIONS, unknownEventWarnings } from '../src/app/config-check.js';

const CONFIG = `
product: Cache
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@x }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x }
`;
const config = parseConfig(CONFIG);
const model = modelFromConfig(config);
const AS_OF = Date.parse('2026-11-18T12:00:00Z');

let store: DuckDbStore;
beforeAll(async () => {
  store = await storeFrom([
    seg.page({ anonymousId: 'a1' }, '2026-11-10T09:00:00Z'),
    seg.track('Signed Up', { userId: 'u1', anonymousId: 'a1' }, '2026-11-10T10:00:00Z'),
    seg.track('Message Sent', { userId: 'u1' }, '2026-11-10T11:00:00Z'),
  ]);
});
afterAll(() => store.close());

const northStar = (r: Awaited<ReturnType<typeof computeScorecard>>) => r.rows.find((row) => row.id === 'north_star')!.values.at(-1);

async function write(...raws: unknown[]) {
  const writer = new IngestWriter(store, 'test');
  const messages = raws.flatMap((raw) => {
    const r = normalizeMessage(raw);
    if (!r.ok) throw new Error(r.error);
    return r.messages;
  });
  await store.transaction(() => writer.write(messages));
}

/** Counts the statements that reach the database. */
function counting(engine: DuckDbStore): SqlEngine & { statements: number } {
  const counted = {
    dialect: engine.dialect,
    statements: 0,
    get dataVersion() { return engine.dataVersion; },
    all<T>(sql: string, params?: Record<string, string | number | boolean | null>) {
      counted.statements++;
      return engine.all<T>(sql, params);
    },
    close: () => Promise.resolve(),
  };
  return counted;
}

describe('report query cache', () => {
  it('answers a repeated scorecard without querying, and never serves a result older than the last write', async () => {
    const cache = new QueryCache();
    const engine = counting(store);
    const ctx = reportContext(engine, model, AS_OF, cache);

    const first = await computeScorecard(ctx, config);
    const queried = engine.statements;
    expect(queried).toBeGreaterThan(0);
    expect(northStar(first)).toBe(1);

    const again = await computeScorecard(ctx, config);
    expect(engine.statements).toBe(queried);
    expect(again).toEqual(first);

    // A caller editing its rows does not change what the next caller gets.
    again.rows[0].values[0] = 999;
    expect(await computeScorecard(ctx, config)).toEqual(first);

    await write(seg.track('Message Sent', { userId: 'u1' }, '2026-11-12T11:00:00Z'));
    const after = await computeScorecard(ctx, config);
    // Every statement again but the stage counts' (kept week by week, they read no Message Sent). Which
    // weeks the new events fall in, per name, is the statement that tops up the no-data counts: read once
    // for all three (the North Star's weeks, the stage counts', the counts). (No event this week: pace
    // counts nothing.)
    expect(engine.statements).toBe(2 * queried - 1);
    expect(northStar(after)).toBe(2);
  });

  it('a rolled-back write also invalidates (conservatively), and the answer is unchanged', async () => {
    const cache = new QueryCache();
    const engine = counting(store);
    const ctx = reportContext(engine, model, AS_OF, cache);
    const before = await computeScorecard(ctx, config);
    const queried = engine.statements;
    await expect(store.transaction(async () => {
      await store.run(`INSERT INTO manual_values VALUES ('x', '2026-W47', 1, 'me', now()::TIMESTAMP, NULL)`);
      throw new Error('abandoned');
    })).rejects.toThrow('abandoned');
    expect(await computeScorecard(ctx, config)).toEqual(before);
    // Every statement again but three: the results kept week by week or topped up with new events (the North
    // Star's weeks, the stage counts' weeks, each event name's first and last instant), as no event was
    // stored since. (No event this week: pace counts nothing.)
    expect(engine.statements).toBe(2 * queried - 3);
  });

  it('keeps at most its row budget, dropping the least recently used', async () => {
    const cache = new QueryCache(3);
    const engine = counting(store);
    const q = (n: number) => ({ sql: `SELECT * FROM range(${n})`, params: {} });
    await cache.run(engine, q(2));
    await cache.run(engine, q(1));
    await cache.run(engine, q(2)); // hit: now the most recent
    await cache.run(engine, q(3)); // 2 + 1 + 3 > 3: the older entries go
    expect(engine.statements).toBe(3);
    await cache.run(engine, q(3));
    expect(engine.statements).toBe(3);
    await cache.run(engine, q(1));
    expect(engine.statements).toBe(4);
    expect(cache.hits).toBe(2);
  });

  it('a value derived from rarely changing tables is computed once, and again only after a write to one of them', async () => {
    const cache = new QueryCache();
    let computed = 0;
    const inputs = [{ sql: 'SELECT count(*) AS n FROM manual_values', params: {} }];
    const derive = () => cache.derived(store, 'manual', inputs, async () => ({ n: ++computed }));
    expect(await derive()).toEqual({ n: 1 });
    const hit = await derive();
    expect(hit).toEqual({ n: 1 });
    hit.n = 999; // a caller editing its copy changes nothing kept
    await write(seg.track('Message Sent', { userId: 'u1' }, '2026-11-13T11:00:00Z'));
    expect(await derive()).toEqual({ n: 1 });
    await store.run(`INSERT INTO manual_values VALUES ('y', '2026-W46', 1, 'me', now()::TIMESTAMP, NULL)`);
    expect(await derive()).toEqual({ n: 2 });
  });

  it('health rows kept across event writes follow a new subscription at once', async () => {
    const withHealth = parseConfig(`${CONFIG}health:\n  mrr: { owner: cfo@x }\n  customer_churn: { owner: cfo@x }\n`);
    const healthModel = modelFromConfig(withHealth);
    const ctx = reportContext(store, healthModel, AS_OF, new QueryCache());
    const mrr = (r: Awaited<ReturnType<typeof computeScorecard>>) => r.rows.find((row) => row.id === 'health.mrr')!.values;
    const before = await computeScorecard(ctx, withHealth);
    await write(seg.track('Message Sent', { userId: 'u1' }, '2026-11-14T11:00:00Z'));
    expect(mrr(await computeScorecard(ctx, withHealth))).toEqual(mrr(before));
    await store.run(`INSERT INTO subscriptions VALUES ('acme', 's1', TIMESTAMP '2026-10-01 00:00:00', 4900, NULL, NULL, 'test', now()::TIMESTAMP)`);
    const after = await computeScorecard(ctx, withHealth);
    expect(mrr(after)).toEqual(mrr(await computeScorecard(reportContext(store, healthModel, AS_OF), withHealth)));
    expect(mrr(after).at(-1)).toBe(4900);
    expect(mrr(before).at(-1)).toBeNull();
  });

  it('a server\'s unknown-name warnings follow the writes: a name is unknown until an event of it is stored', async () => {
    const typo = parseConfig(CONFIG.replace('Signed Up', 'Signed Upp'));
    const ctx = reportContext(store, modelFromConfig(typo), AS_OF, new QueryCache());
    const afresh = () => unknownEventWarnings(reportContext(store, modelFromConfig(typo), AS_OF), typo, SCORECARD_SECTIONS);
    const names = async (c = ctx) => (await unknownEventWarnings(c, typo, SCORECARD_SECTIONS)).map((f) => f.name);
    expect(await names()).toEqual(['Signed Upp']);
    expect(await unknownEventWarnings(ctx, typo, SCORECARD_SECTIONS)).toEqual(await afresh());
    await write(seg.track('Signed Upp', { userId: 'u9' }, '2026-11-12T11:00:00Z'));
    expect(await names()).toEqual([]);
    expect(await afresh()).toEqual([]);
  });

  it('an engine without a data version (a ClickHouse server) is never cached', async () => {
    const cache = new QueryCache();
    const engine = { dialect: 'duckdb' as const, statements: 0, all<T>(sql: string) { this.statements++; return store.all<T>(sql); }, close: () => Promise.resolve() };
    await cache.run(engine, { sql: 'SELECT 1 AS x', params: {} });
    await cache.run(engine, { sql: 'SELECT 1 AS x', params: {} });
    expect(engine.statements).toBe(2);
  });
});
