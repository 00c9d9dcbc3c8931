/**
 * The retention triangle kept per activity week (DuckDB): after any interleaving of writes, late
 * events and identity links, the triangle read through the per-period cache equals the triangle
 * computed afresh; a write to the current week leaves the closed weeks kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { ensureLiveState, foldLiveState } from '../src/engine/duckdb/live-state.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { retentionDefinition } from '../src/model/metric-model.js';
import { DAY_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { retentionReport } from '../src/reports/retention.js';
import { normalizeAll } from './helpers/engines.js';

// Monday 2 November 2026, 00:00 in Kolkata (UTC+5:30); read as of Thursday of that week.
const MONDAY = Date.UTC(2026, 10, 1, 18, 30);
const AS_OF = MONDAY + 3 * DAY_MS;
const MODEL = modelFromConfig(parseConfig(`
product: P
timezone: Asia/Kolkata
journey: { visit: { event: V }, signup: { event: S } }
north_star: { name: Value, event: M, where: { channel: { ne: self } }, measure: count, frequency: week }
`));
const RANGE = { from: MONDAY - 21 * DAY_MS, to: MONDAY };
const PEOPLE = ['u1', 'u2', 'u3', 'a1', 'a2'];

let ids = 0;
const tracked = fc.record({
  kind: fc.constant('track' as const),
  event: fc.constantFrom('S', 'M', 'M', 'X'),
  who: fc.constantFrom(...PEOPLE),
  hours: fc.integer({ min: -28 * 24, max: 4 * 24 }),
  self: fc.boolean(),
});
const link = fc.record({ kind: fc.constant('link' as const), user: fc.constantFrom('u1', 'u2', 'u3'), anon: fc.constantFrom('a1', 'a2') });
type Write = { kind: 'track'; event: string; who: string; hours: number; self: boolean } | { kind: 'link'; user: string; anon: string };

function message(w: Write) {
  if (w.kind === 'link') return { type: 'identify', messageId: `r${++ids}`, userId: w.user, anonymousId: w.anon, timestamp: new Date(MONDAY).toISOString(), traits: {} };
  const who = w.who.startsWith('a') ? { anonymousId: w.who } : { userId: w.who };
  return {
    type: 'track', messageId: `r${++ids}`, event: w.event, ...who, timestamp: new Date(MONDAY + w.hours * 3_600_000).toISOString(),
    properties: { channel: w.self ? 'self' : 'general' },
  };
}

async function setUp(live = false) {
  const store = await DuckDbStore.open(':memory:');
  const writer = new IngestWriter(store, 'test');
  const cache = new QueryCache();
  if (live) await ensureLiveState((work) => store.transaction(() => work(store)), MODEL.journey);
  const write = async (batch: Write[], fold = false) => {
    const messages = normalizeAll(batch.map(message));
    // A fold runs in the writing transaction, as the server's writer folds (its own rows included).
    await store.transaction(async () => {
      await writer.write(messages);
      if (fold) await foldLiveState(store, 1);
    });
  };
  const read = (cached: boolean, mode: 'on' | 'on_or_after' = 'on') =>
    retentionReport(reportContext(store, MODEL, AS_OF, cached ? cache : undefined), retentionDefinition(MODEL, 'week', mode), RANGE, 'all', 'action');
  return { store, cache, write, read };
}

describe('the retention triangle kept per activity week', () => {
  it('answers what a fresh computation answers after any writes, late events and identity links', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.array(fc.oneof({ weight: 4, arbitrary: tracked }, { weight: 1, arbitrary: link }), { maxLength: 6 }), { minLength: 1, maxLength: 6 }), async (batches) => {
      const { store, write, read } = await setUp();
      try {
        for (const batch of batches) {
          await write(batch);
          expect(await read(true)).toEqual(await read(false));
          expect(await read(true, 'on_or_after')).toEqual(await read(false, 'on_or_after'));
        }
      } finally {
        await store.close();
      }
    }), { numRuns: 30 });
  }, 180_000);

  it('answers the same with the cohorts\' first events read from the live state, folded or not', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.array(fc.oneof({ weight: 4, arbitrary: tracked }, { weight: 1, arbitrary: link }), { maxLength: 6 }), fc.boolean()), { minLength: 1, maxLength: 5 }),
      async (batches) => {
        const [live, plain] = [await setUp(true), await setUp()];
        try {
          for (const [batch, fold] of batches) {
            const first = ids;
            await live.write(batch, fold);
            ids = first; // the same message ids in both stores
            await plain.write(batch);
            expect(await live.read(true)).toEqual(await plain.read(false));
            expect(await live.read(false)).toEqual(await plain.read(false));
          }
        } finally {
          await live.store.close();
          await plain.store.close();
        }
      },
    ), { numRuns: 20 });
  }, 180_000);

  it('keeps the closed weeks through a write to the current week, and recomputes from a late event on', async () => {
    const { store, cache, write, read } = await setUp();
    const track = (event: string, who: string, hours: number): Write => ({ kind: 'track', event, who, hours, self: false });
    try {
      // u1 signs up in the range's first week and is active in its second; u2 signs up in its third.
      await write([track('S', 'u1', -20 * 24), track('M', 'u1', -13 * 24), track('S', 'u2', -6 * 24)]);
      const first = await read(true);
      expect(first.cohorts.map((c) => [c.size, c.retained])).toEqual([[1, [0, 1, 0, 0]], [1, [0, 0]]]);
      const { hits, misses } = cache.periods;
      await write([track('M', 'u1', 30), track('M', 'u2', 31)]);
      const now = await read(true);
      expect(now.cohorts.map((c) => c.retained)).toEqual([[0, 1, 0, 1], [0, 1]]);
      // The three closed weeks were kept; only the current one was computed again.
      expect([cache.periods.hits - hits, cache.periods.misses - misses]).toEqual([3, 1]);
      await write([track('M', 'u1', -19 * 24)]);
      // A late event in the first week: every week from it on is computed again.
      expect((await read(true)).cohorts.map((c) => c.retained)).toEqual([[1, 1, 0, 1], [0, 1]]);
      expect([cache.periods.hits - hits, cache.periods.misses - misses]).toEqual([3, 5]);
    } finally {
      await store.close();
    }
  });

  it('computes every week again after an identity link', async () => {
    const { store, write, read } = await setUp();
    try {
      // u2 signs up in the last closed week; a1, not yet anyone's, sends a message that week.
      await write([
        { kind: 'track', event: 'S', who: 'u2', hours: -6 * 24, self: false },
        { kind: 'track', event: 'M', who: 'a1', hours: -2 * 24, self: false },
      ]);
      expect((await read(true)).cohorts.map((c) => c.retained)).toEqual([[0, 0]]);
      // The link (written in the current week) makes a1's message u2's, in the closed week.
      await write([{ kind: 'link', user: 'u2', anon: 'a1' }]);
      expect((await read(true)).cohorts.map((c) => c.retained)).toEqual([[1, 0]]);
    } finally {
      await store.close();
    }
  });
});
