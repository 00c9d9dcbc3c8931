/**
 * The stages counted within days of signup, read after a write to the current week from that week's
 * events and what each anchored person had reached before it (kept like a past week): after any
 * history, then writes to the current week, late events and links, the weekly stage counts through
 * a server's cache equal the ones computed afresh, and the part before the week is computed once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { ensureLiveState } from '../src/engine/duckdb/live-state.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { DAY_MS, HOUR_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { weeklyStageCountsWithIdeal } from '../src/reports/funnel.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { normalizeAll } from './helpers/engines.js';

const MONDAY = Date.UTC(2026, 10, 2);
/** The weeks read: two past ones and the current one (the last). */
const RANGE = { from: MONDAY, to: MONDAY + 21 * DAY_MS };
const CURRENT = MONDAY + 14 * DAY_MS;
// Two stages counted from signup, with different windows and thresholds, around one counted from the state.
const MODEL = modelFromConfig(parseConfig(`
product: P
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V }
  signup: { event: S }
  setup: { event: W, within: 2d }
  kui: { event: M, at_least: 3, within: 5d }
  upgrade: { event: U }
north_star: { name: n, event: M, measure: count, frequency: week }
`));

const person = fc.integer({ min: 0, max: 5 });
/** Events from a week before the range to the current week's end, in 6-hour steps. */
const track = (fromSlot: number) => fc.record({
  event: fc.constantFrom('V', 'S', 'W', 'M', 'M', 'U'),
  user: fc.option(person.map((n) => `u${n}`), { nil: undefined }),
  anon: person.map((n) => `a${n}`),
  slot: fc.integer({ min: fromSlot, max: 4 * 7 * 4 - 1 }),
});
const CURRENT_SLOT = 3 * 7 * 4;
const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('now' as const), tracks: fc.array(track(CURRENT_SLOT), { minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('late' as const), tracks: fc.array(track(0), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('link' as const), user: person.map((n) => `u${n}`), anon: person.map((n) => `a${n}`) }) },
);

let ids = 0;
const at = (slot: number) => new Date(MONDAY - 7 * DAY_MS + slot * 6 * HOUR_MS).toISOString();
const tracked = (t: { event: string; user?: string; anon: string; slot: number }) => ({
  type: 'track', messageId: `p${++ids}`, event: t.event, userId: t.user, anonymousId: t.anon, timestamp: at(t.slot), properties: {},
});

describe('the stages counted within days of signup, kept before the current week', () => {
  it('answers as afresh after writes to the current week, late events and links', async () => {
    await fc.assert(fc.asyncProperty(fc.array(track(0), { maxLength: 40 }), fc.array(step, { minLength: 1, maxLength: 8 }), async (history, steps) => {
      const store = await DuckDbStore.open(':memory:');
      const writer = new IngestWriter(store, 'test');
      const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
      const cache = new QueryCache();
      const read = async () => {
        const cached = await weeklyStageCountsWithIdeal(reportContext(store, MODEL, CURRENT, cache), RANGE);
        expect(cached).toEqual(await weeklyStageCountsWithIdeal(reportContext(store, MODEL, CURRENT), RANGE));
      };
      try {
        await ensureLiveState((w) => store.transaction(() => w(store)), MODEL.journey);
        await write(history.map(tracked));
        await read();
        for (const s of steps) {
          if (s.kind === 'link') await write([{ type: 'identify', messageId: `p${++ids}`, userId: s.user, anonymousId: s.anon, timestamp: at(0), traits: { role: 'eng' } }]);
          else await write(s.tracks.map(tracked));
          await read();
        }
      } finally {
        await store.close();
      }
    }), { numRuns: 40 });
  }, 300_000);

  it('counts a hand-worked current week from the part before it, computed once', async () => {
    const store = await DuckDbStore.open(':memory:');
    const writer = new IngestWriter(store, 'test');
    const hours = (h: number) => new Date(CURRENT + h * HOUR_MS).toISOString();
    const event = (name: string, userId: string, h: number) => ({ type: 'track', messageId: `h${++ids}`, event: name, userId, timestamp: hours(h), properties: {} });
    const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
    const cache = new QueryCache();
    const current = async () => {
      const counts = await weeklyStageCountsWithIdeal(reportContext(store, MODEL, CURRENT, cache), RANGE);
      expect(counts).toEqual(await weeklyStageCountsWithIdeal(reportContext(store, MODEL, CURRENT), RANGE));
      // The current week is the last of the three.
      return Object.fromEntries(Object.entries(counts.all).flatMap(([stage, weeks]) => (weeks[2] ? [[stage, weeks[2]]] : [])));
    };
    try {
      await ensureLiveState((w) => store.transaction(() => w(store)), MODEL.journey);
      // u1 signs up 3 days before the week and sends 2 messages before it; u2 signs up a day before
      // and reaches setup before the week; u3 sends its third message 4 days after signup, before the week.
      await write([
        event('S', 'u1', -72), event('M', 'u1', -60), event('M', 'u1', -50),
        event('S', 'u2', -24), event('W', 'u2', -20),
        event('S', 'u3', -120), event('M', 'u3', -110), event('M', 'u3', -100), event('M', 'u3', -30),
      ]);
      expect(await current()).toEqual({});
      // Inside the week: u1's third message (within 5 days of signup: KUI), u2's setup again (not a first
      // reach), u3's fourth message (its KUI was before the week), u4 signs up and sets up.
      const misses = cache.periods.misses;
      await write([event('M', 'u1', 10), event('W', 'u2', 12), event('M', 'u3', 14), event('S', 'u4', 20), event('W', 'u4', 30)]);
      expect(await current()).toEqual({ signup: 1, setup: 1, kui: 1 });
      // The stage counts' current week and the part before it.
      expect(cache.periods.misses - misses).toBe(2);
      // u1's message past its window counts nothing; u4's is its first of three.
      await write([event('M', 'u1', 60), event('M', 'u4', 31)]);
      expect(await current()).toEqual({ signup: 1, setup: 1, kui: 1 });
      expect(cache.periods.misses - misses).toBe(3);
    } finally {
      await store.close();
    }
  });
});
