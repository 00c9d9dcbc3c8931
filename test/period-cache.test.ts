/**
 * The per-period cache of plain event series (DuckDB): after any interleaving of writes (late ones
 * included) and reads, a series read through it equals the series computed afresh; a write to the
 * current week leaves the closed weeks kept, and a late event of a name it does not read all of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { DAY_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { seriesReport } from '../src/reports/north-star.js';
import { dataCoverage } from '../src/reports/no-data.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { normalizeAll } from './helpers/engines.js';

// Monday 2 November 2026, 00:00 in Kolkata (UTC+5:30).
const MONDAY = Date.UTC(2026, 10, 1, 18, 30);
const MODEL = modelFromConfig(parseConfig(`
product: P
timezone: Asia/Kolkata
journey: { visit: { event: V }, signup: { event: S } }
north_star: { name: Value, event: M, where: { channel: { ne: self } }, measure: 'sum:n', frequency: week }
`));
const RANGE = { from: MONDAY - 14 * DAY_MS, to: MONDAY + 14 * DAY_MS };

let ids = 0;
const event = fc.record({
  event: fc.constantFrom('M', 'X'),
  hours: fc.integer({ min: -14 * 24 - 6, max: 14 * 24 + 6 }),
  self: fc.boolean(),
  n: fc.integer({ min: 0, max: 5 }),
});
const message = (e: { event: string; hours: number; self: boolean; n: number }) => ({
  type: 'track', messageId: `p${++ids}`, event: e.event, userId: 'u', timestamp: new Date(MONDAY + e.hours * 3_600_000).toISOString(),
  properties: { channel: e.self ? 'self' : 'general', n: e.n },
});

async function setUp() {
  const store = await DuckDbStore.open(':memory:');
  const writer = new IngestWriter(store, 'test');
  const cache = new QueryCache();
  const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
  const context = (cached: boolean) => reportContext(store, MODEL, MONDAY, cached ? cache : undefined);
  const read = (cached: boolean) => seriesReport(context(cached), MODEL.northStar, RANGE).then((r) => r.series);
  const coverage = (cached: boolean) => dataCoverage(context(cached), ['M', 'X', 'V']);
  return { store, cache, write, read, coverage };
}

describe('the per-period cache of event series', () => {
  it('answers what a fresh computation answers after any writes, late ones included (the series, and the data coverage)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(event, { maxLength: 6 }), { minLength: 1, maxLength: 6 }), async (batches) => {
      const { store, write, read, coverage } = await setUp();
      try {
        for (const batch of batches) {
          await write(batch.map(message));
          expect(await read(true)).toEqual(await read(false));
          // The first instant and count of each event name, topped up with the rows stored since.
          expect(await coverage(true)).toEqual(await coverage(false));
        }
      } finally {
        await store.close();
      }
    }), { numRuns: 30 });
  }, 120_000);

  it('keeps the weeks of reads of one key running side by side: none is lost to the other', async () => {
    const { store, cache, write } = await setUp();
    try {
      await write([message({ event: 'M', hours: 1, self: false, n: 2 })]);
      const series = (from: number) => seriesReport(reportContext(store, MODEL, MONDAY, cache), MODEL.northStar, { from, to: RANGE.to });
      await Promise.all([series(RANGE.from), series(RANGE.from + 14 * DAY_MS)]);
      const misses = cache.periods.misses;
      await series(RANGE.from);
      expect(cache.periods.misses).toBe(misses);
    } finally {
      await store.close();
    }
  });

  it('keeps the closed weeks through a write to the current week, and tops up the weeks a late event lands in and after with the new rows', async () => {
    const { store, cache, write, read } = await setUp();
    try {
      await write([message({ event: 'M', hours: -24 * 10, self: false, n: 2 }), message({ event: 'M', hours: 30, self: false, n: 3 })]);
      expect((await read(true)).map((p) => p.value)).toEqual([2, 0, 3, 0]);
      const counted = () => [cache.periods.hits, cache.periods.toppedUp, cache.periods.misses];
      const [hits, toppedUp, misses] = counted();
      expect(misses).toBe(4);
      await write([message({ event: 'M', hours: 40, self: false, n: 4 })]);
      expect((await read(true)).map((p) => p.value)).toEqual([2, 0, 7, 0]);
      // The two weeks before the write's week were kept; it and the one after were topped up with the
      // rows stored since (a sum of n adds up), none computed again.
      expect(counted()).toEqual([hits + 2, toppedUp + 2, misses]);
      await write([message({ event: 'M', hours: -24 * 12, self: false, n: 1 }), message({ event: 'M', hours: -24 * 12, self: true, n: 5 })]);
      // A late event in the first week (and one the filter leaves out): every week from it on is topped up.
      expect((await read(true)).map((p) => p.value)).toEqual([3, 0, 7, 0]);
      expect(counted()).toEqual([hits + 2, toppedUp + 6, misses]);
      expect(await read(true)).toEqual(await read(false));
      // A late event of a name the series does not read (and one in the current week) changes none of
      // its weeks: all four stay kept.
      await write([message({ event: 'X', hours: -24 * 13, self: false, n: 9 }), message({ event: 'X', hours: 50, self: false, n: 9 })]);
      expect((await read(true)).map((p) => p.value)).toEqual([3, 0, 7, 0]);
      expect(counted()).toEqual([hits + 2 + 4 + 4, toppedUp + 6, misses]);
    } finally {
      await store.close();
    }
  });
});
