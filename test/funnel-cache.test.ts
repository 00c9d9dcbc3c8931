/**
 * The cohort funnel kept between writes (DuckDB): after any interleaving of writes, late events,
 * identity links, trait changes and folds of the live state, the funnel read through the kept level
 * counts equals the funnel computed afresh, with and without a split (the ideal split, a user trait)
 * and with a threshold step; a write recomputes exactly the actors its events belong to.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { ensureLiveState, foldLiveState } from '../src/engine/duckdb/live-state.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import type { Breakdown, Segment } from '../src/model/metrics.js';
import { DAY_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { funnelReport } from '../src/reports/funnel.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { normalizeAll } from './helpers/engines.js';

const MONDAY = Date.UTC(2026, 10, 2);
const MODEL = modelFromConfig(parseConfig(`
product: P
timezone: UTC
conversion_window: 5d
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V }
  signup: { event: S }
  setup: { event: W }
  kui: { event: M, at_least: 2, within: 4d }
  upgrade: { event: U }
north_star: { name: Value, event: M, measure: count, frequency: week }
`));
// The same journey with conditions on the events' properties, which a change then reads from the events it keeps.
const MODEL_WHERE = modelFromConfig(parseConfig(`
product: P
timezone: UTC
conversion_window: 5d
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V }
  signup: { event: S }
  setup: { event: W, where: { plan: { ne: free } } }
  kui: { event: M, at_least: 2, within: 4d, where: { channel: { ne: self } } }
  upgrade: { event: U }
north_star: { name: Value, event: M, measure: count, frequency: week }
`));
const RANGE = { from: MONDAY - 14 * DAY_MS, to: MONDAY };
const READS: [Segment, Breakdown | undefined][] = [['all', undefined], ['ideal', undefined], ['not_ideal', { kind: 'user_trait', key: 'plan' }]];

let ids = 0;
const tracked = fc.record({
  kind: fc.constant('track' as const),
  event: fc.constantFrom('V', 'V', 'S', 'W', 'M', 'M', 'M', 'U', 'X'),
  who: fc.constantFrom('u1', 'u2', 'a1'),
  // A 12-hour grid from 20 days before the range's end to 6 days after: ties and window edges are frequent.
  hours: fc.integer({ min: -40, max: 12 }).map((slot) => slot * 12),
  // Sub-millisecond instants and properties the conditions of MODEL_WHERE test.
  micros: fc.constantFrom(0, 400, 999),
  properties: fc.constantFrom({}, { plan: 'free' }, { plan: 'pro', channel: 'self' }, { channel: 'team', n: [1, { x: 'é"' }] }),
});
const link = fc.record({ kind: fc.constant('link' as const), user: fc.constantFrom('u1', 'u2', 'u3'), anon: fc.constantFrom('a1', 'a2') });
const traits = fc.record({ kind: fc.constant('traits' as const), user: fc.constantFrom('u1', 'u2', 'u3'), role: fc.constantFrom('eng', 'sales'), plan: fc.constantFrom('a', 'b') });
type Write = { kind: 'track'; event: string; who: string; hours: number; micros?: number; properties?: Record<string, unknown> }
  | { kind: 'link'; user: string; anon: string }
  | { kind: 'traits'; user: string; role: string; plan: string };
// Most batches are events only (the kept counts brought up to date), some change who is who.
const batchArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(tracked, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(tracked, link, traits), { minLength: 1, maxLength: 4 }) },
);

function message(w: Write) {
  const timestamp = new Date(MONDAY).toISOString();
  if (w.kind === 'link') return { type: 'identify', messageId: `f${++ids}`, userId: w.user, anonymousId: w.anon, timestamp, traits: {} };
  if (w.kind === 'traits') return { type: 'identify', messageId: `f${++ids}`, userId: w.user, timestamp, traits: { role: w.role, plan: w.plan } };
  const who = w.who.startsWith('a') ? { anonymousId: w.who } : { userId: w.who };
  const at = new Date(MONDAY + w.hours * 3_600_000).toISOString();
  return { type: 'track', messageId: `f${++ids}`, event: w.event, ...who, timestamp: w.micros ? at.replace('Z', `${String(w.micros).padStart(3, '0')}Z`) : at, properties: w.properties ?? {} };
}

/** A cache that hands changes the events it knows whatever the size of the store (the default does from 2M events on). */
const knowing = () => new QueryCache(undefined, { funnels: 16, horizons: 1_000_000, knownFrom: 0 });

async function setUp(cache = knowing(), model = MODEL) {
  const store = await DuckDbStore.open(':memory:');
  const writer = new IngestWriter(store, 'test');
  await ensureLiveState((work) => store.transaction(() => work(store)), model.journey);
  const write = async (batch: Write[], fold = false) => {
    const messages = normalizeAll(batch.map(message));
    // A fold runs in the writing transaction, as the server's writer folds.
    await store.transaction(async () => {
      await writer.write(messages);
      if (fold) await foldLiveState(store, 1);
    });
  };
  const read = (cached: boolean, segment: Segment = 'all', breakdown?: Breakdown) =>
    funnelReport(reportContext(store, model, MONDAY + DAY_MS, cached ? cache : undefined), RANGE, segment, breakdown);
  return { store, cache, write, read };
}

const track = (event: string, who: string, hours: number): Write => ({ kind: 'track', event, who, hours });

describe('the cohort funnel kept between writes', () => {
  it.each([
    ['', MODEL, knowing], [' (conditions on properties)', MODEL_WHERE, knowing], [' (a small store: events read, not kept)', MODEL, () => new QueryCache()],
  ] as const)('answers what a fresh computation answers after any writes, late events, links, trait changes and folds%s', async (_, model, cache) => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(batchArb, fc.boolean()), { minLength: 1, maxLength: 8 }), async (batches) => {
      const { store, write, read } = await setUp(cache(), model);
      try {
        for (const [batch, fold] of batches) {
          await write(batch, fold);
          for (const [segment, breakdown] of READS) expect(await read(true, segment, breakdown)).toEqual(await read(false, segment, breakdown));
        }
      } finally {
        await store.close();
      }
    }), { numRuns: 25 });
  }, 240_000);

  it('computes again only the actors a write\'s events belong to, and every actor after a link or a trait change', async () => {
    const { store, cache, write, read } = await setUp();
    const funnels = cache.funnels;
    try {
      await write([track('V', 'u1', -100), track('S', 'u1', -99), track('V', 'u2', -50), track('V', 'a1', -40), track('V', 'u3', -30), track('V', 'a2', -300)]);
      expect((await read(true, 'ideal')).steps.map((s) => s.actors)).toEqual([0, 0, 0, 0, 0]);
      expect([funnels.computed, funnels.changed, funnels.touched]).toEqual([1, 0, 0]);
      // u1's traits change: every actor is computed again.
      await write([{ kind: 'traits', user: 'u1', role: 'eng', plan: 'a' }]);
      await read(true, 'ideal');
      expect([funnels.computed, funnels.changed]).toEqual([2, 0]);
      // u1 sets up (two events) and a1, not yet anyone's, visits again: two actors computed again.
      await write([track('W', 'u1', -98), track('M', 'u1', -97), track('V', 'a1', -20)]);
      expect((await read(true, 'ideal')).steps.map((s) => s.actors)).toEqual([1, 1, 1, 0, 0]);
      expect([funnels.computed, funnels.changed, funnels.touched, funnels.read]).toEqual([2, 1, 2, 2]);
      // A late event, before the range: still only its actor, whose events are now kept.
      await write([track('M', 'u1', -24 * 19)]);
      await read(true, 'ideal');
      expect([funnels.computed, funnels.changed, funnels.touched, funnels.read]).toEqual([2, 2, 3, 2]);
      // u2's visit (50 hours before the range's end) starts chains up to 70 hours after it (its
      // horizon), so an event 100 hours after is in none, and is not computed; nor is a2's message
      // inside the range, 200 hours after its only visit. u3's visit leaves its horizon at 90 hours
      // after the end, so an event then is computed.
      await write([track('W', 'u2', 100), track('M', 'a2', -100)]);
      expect(await read(true, 'ideal')).toEqual(await read(false, 'ideal'));
      expect([funnels.computed, funnels.changed, funnels.touched]).toEqual([2, 2, 3]);
      await write([track('S', 'u3', 80), track('W', 'u2', 101)]);
      expect(await read(true, 'not_ideal')).toEqual(await read(false, 'not_ideal'));
      expect([funnels.computed, funnels.changed, funnels.touched]).toEqual([3, 2, 3]);
      await write([track('W', 'u3', 90)]);
      expect((await read(true, 'not_ideal')).steps.map((s) => s.actors)).toEqual([4, 1, 1, 0, 0]);
      expect([funnels.computed, funnels.changed, funnels.touched]).toEqual([3, 3, 4]);
      // A link makes a1's visits u2's: every actor is computed again.
      await write([{ kind: 'link', user: 'u2', anon: 'a1' }]);
      expect(await read(true, 'ideal')).toEqual(await read(false, 'ideal'));
      expect([funnels.computed, funnels.changed, funnels.touched]).toEqual([4, 3, 4]);
      // Nothing written since: the kept counts answer.
      await read(true, 'ideal');
      expect([funnels.computed, funnels.changed]).toEqual([4, 3]);
    } finally {
      await store.close();
    }
  });

  it('reads an actor\'s stored events once: later changes use the events kept, and an actor with none stored reads none', async () => {
    const { store, cache, write, read } = await setUp();
    const funnels = cache.funnels;
    try {
      await write([track('V', 'u1', -100), track('S', 'u1', -99), track('V', 'a1', -400)]);
      await read(true, 'all');
      // u1 has stored events: read once; u2 has none: its new ones are all it has.
      await write([track('W', 'u1', -98), track('V', 'u2', -50)]);
      expect((await read(true, 'all')).steps.map((s) => s.actors)).toEqual([2, 1, 1, 0, 0]);
      expect([funnels.changed, funnels.touched, funnels.read]).toEqual([1, 2, 1]);
      // Both again, and a1, whose only stored visit is before the range: only a1 is read.
      await write([track('M', 'u1', -97), track('M', 'u1', -96), track('S', 'u2', -49), track('V', 'a1', -10)]);
      expect((await read(true, 'all')).steps.map((s) => s.actors)).toEqual([3, 2, 1, 1, 0]);
      expect([funnels.changed, funnels.touched, funnels.read]).toEqual([2, 5, 2]);
      // A late event of u2 (before the range), and a1 again: nothing read.
      await write([track('W', 'u2', -24 * 30), track('S', 'a1', -9)]);
      expect(await read(true, 'all')).toEqual(await read(false, 'all'));
      expect([funnels.changed, funnels.touched, funnels.read]).toEqual([3, 7, 2]);
      expect(funnels.computed).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('reads every changed actor\'s events from the stored events in a small store', async () => {
    const { store, cache, write, read } = await setUp(new QueryCache());
    try {
      await write([track('V', 'u1', -100), track('S', 'u1', -99)]);
      await read(true, 'all');
      await write([track('W', 'u1', -98), track('V', 'u2', -50)]);
      await read(true, 'all');
      await write([track('M', 'u1', -97), track('S', 'u2', -49)]);
      expect((await read(true, 'all')).steps.map((s) => s.actors)).toEqual([2, 2, 1, 0, 0]);
      expect([cache.funnels.changed, cache.funnels.touched, cache.funnels.read]).toEqual([2, 4, 4]);
    } finally {
      await store.close();
    }
  });

  it('drops the least recently used funnel past its limits, and answers the same', async () => {
    // One funnel at most, or the horizons of one actor at most over all of them.
    for (const limits of [{ funnels: 1, horizons: 100 }, { funnels: 16, horizons: 1 }]) {
      const { store, cache, write, read } = await setUp(new QueryCache(undefined, limits));
      try {
        await write([track('V', 'u1', -100), track('V', 'u2', -20), track('S', 'u2', -10)]);
        await read(true, 'ideal');
        expect((await read(true, 'not_ideal')).steps.map((s) => s.actors)).toEqual([2, 1, 0, 0, 0]);
        await write([track('W', 'u2', 10)]);
        // Keeping one funnel dropped the other: both are computed afresh.
        expect((await read(true, 'ideal')).steps.map((s) => s.actors)).toEqual([0, 0, 0, 0, 0]);
        expect((await read(true, 'not_ideal')).steps.map((s) => s.actors)).toEqual([2, 1, 1, 0, 0]);
        expect([cache.funnels.computed, cache.funnels.changed]).toEqual([4, 0]);
      } finally {
        await store.close();
      }
    }
  });
});
