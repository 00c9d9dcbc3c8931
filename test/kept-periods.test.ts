/**
 * The weeks a server kept survive a restart on the same store: the next server answers what a fresh
 * computation answers, computing only the weeks written since (by anyone: a late event imported while
 * no server ran), and drops a kept key whose statement is not this release's.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { ensureLiveState } from '../src/engine/duckdb/live-state.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { DAY_MS, HOUR_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { scorecardReport } from '../src/reports/scorecard-report.js';
import { TruenorthServer } from '../src/server/app.js';
import { findRead } from '../src/app/catalogue.js';
import { prepareRead } from '../src/app/run.js';
import { paramsFromQuery } from '../src/app/wire.js';
import { normalizeAll } from './helpers/engines.js';
import { SMALL_JOURNEY_YAML } from './helpers/small-journey.js';

// Monday 9 November 2026, 00:00 UTC; read on the Wednesday at noon.
const MONDAY = Date.UTC(2026, 10, 9);
const AS_OF = new Date(MONDAY + 2 * DAY_MS + 12 * HOUR_MS).toISOString();
const YAML = SMALL_JOURNEY_YAML;
const MODEL = modelFromConfig(parseConfig(YAML));
const SCORECARD = scorecardModelFromConfig(parseConfig(YAML));

let ids = 0;
const track = (event: string, hours: number, userId: string) => ({
  type: 'track', messageId: `k${++ids}`, event, userId, timestamp: new Date(MONDAY + hours * HOUR_MS).toISOString(), properties: {},
});

let dir: string;
let db: string;
let configPath: string;

async function write(batch: unknown[]): Promise<void> {
  const store = await DuckDbStore.open(db);
  try {
    await store.transaction(() => new IngestWriter(store, 'test').write(normalizeAll(batch)));
  } finally {
    await store.close();
  }
}

/** A server's scorecard and funnel, what its caches computed and kept meanwhile, and the same reads afresh. */
async function serve(): Promise<{ answer: unknown; fresh: unknown; hits: number; misses: number; funnel: unknown; freshFunnel: unknown; funnelsComputed: number }> {
  const store = await DuckDbStore.open(db);
  try {
    const server = await TruenorthServer.create({ store, host: '127.0.0.1', port: 0, configPath, logger: false });
    let served;
    try {
      await server.liveState;
      const res = await server.app.inject({ method: 'GET', url: `/api/v1/scorecard?as_of=${AS_OF}` });
      expect(res.statusCode).toBe(200);
      const { hits, misses } = server.queryCache.periods;
      const funnel = await server.app.inject({ method: 'GET', url: `/api/v1/funnel?as_of=${AS_OF}` });
      expect(funnel.statusCode).toBe(200);
      served = { answer: res.json(), hits, misses, funnel: funnel.json(), funnelsComputed: server.queryCache.funnels.computed };
    } finally {
      await server.close();
    }
    // Computed afresh once the server is closed: while it runs, its writing connection is its write queue's.
    const fresh = await fetchFresh(store);
    const freshFunnel = await prepareRead(findRead('funnel')!, paramsFromQuery({ as_of: AS_OF }), 'http').run(store, parseConfig(YAML), MODEL);
    return { ...served, fresh, freshFunnel: JSON.parse(JSON.stringify(freshFunnel)) };
  } finally {
    await store.close();
  }
}

async function fetchFresh(store: DuckDbStore) {
  const res = await scorecardReport(reportContext(store, MODEL, Date.parse(AS_OF)), SCORECARD);
  return res.rows.map((r) => [r.id, r.values]);
}

const rowsOf = (answer: unknown) => (answer as { rows: { id: string; values: unknown[] }[] }).rows.map((r) => [r.id, r.values]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tn-kept-'));
  db = join(dir, 'kept.duckdb');
  configPath = join(dir, 'truenorth.yaml');
  writeFileSync(configPath, YAML);
  const history: unknown[] = [];
  for (let day = -70; day < 3; day++) {
    const k = (day + 70) % 6;
    history.push(track('V', day * 24 + 9, `v${k}`), track('M', day * 24 + 10, `u${k}`), track('M', day * 24 + 11, `u${(k + 1) % 6}`));
    if (k === 0) history.push(track('S', day * 24 + 8, `u${day + 70}`));
  }
  await write(history);
  const store = await DuckDbStore.open(db);
  await ensureLiveState((w) => store.transaction(() => w(store)), MODEL.journey);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kept weeks and funnels across a restart (DuckDB server)', () => {
  it('the next server reuses the weeks and the funnel, and computes again what was written while no server ran', async () => {
    const first = await serve();
    expect(rowsOf(first.answer)).toEqual(first.fresh);
    expect(first.misses).toBeGreaterThan(0);
    expect(first.funnel).toEqual(first.freshFunnel);
    expect(first.funnelsComputed).toBe(1);

    // Nothing written since: every kept week is reused.
    const second = await serve();
    expect(rowsOf(second.answer)).toEqual(second.fresh);
    expect(second.misses).toBe(0);
    expect(second.hits).toBe(first.hits + first.misses);
    // The funnel too: brought up from the count it was kept at, not computed again.
    expect(second.funnel).toEqual(second.freshFunnel);
    expect(second.funnelsComputed).toBe(0);

    // A late event (four weeks back), stored while no server ran: that week and the later ones are stale.
    await write([track('M', -4 * 7 * 24 + 5, 'late'), track('M', -4 * 7 * 24 + 6, 'late')]);
    const third = await serve();
    expect(rowsOf(third.answer)).toEqual(third.fresh);
    expect(third.misses).toBeGreaterThan(0);
    expect(third.misses).toBeLessThan(first.misses);
    expect(third.funnel).toEqual(third.freshFunnel);
    expect(third.funnelsComputed).toBe(0);
  }, 120_000);

  it('drops a restored key whose statement differs from this release\'s, and keeps the others', async () => {
    const store = await DuckDbStore.open(db);
    try {
      const cache = new QueryCache();
      const ctx = reportContext(store, MODEL, Date.parse(AS_OF), cache);
      await scorecardReport(ctx, SCORECARD);
      const snapshot = cache.periods.snapshot();
      expect(snapshot.periods.length).toBeGreaterThan(1);
      const [changed, ...same] = snapshot.periods;
      const restored = new QueryCache();
      restored.periods.restore({ ...snapshot, periods: [{ ...changed, plan: 'another release' }, ...same] });
      const answer = await scorecardReport(reportContext(store, MODEL, Date.parse(AS_OF), restored), SCORECARD);
      expect(answer.rows.map((r) => [r.id, r.values])).toEqual(await fetchFresh(store));
      // Only the changed key's periods are computed again.
      const changedPeriods = new Set(changed.kept.map(([slot]) => slot)).size;
      expect(restored.periods.misses).toBeGreaterThanOrEqual(changedPeriods);
      expect(restored.periods.misses).toBeLessThan(cache.periods.misses);
    } finally {
      await store.close();
    }
  }, 60_000);
});
