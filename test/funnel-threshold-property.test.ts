/**
 * The cohort funnel on random logs against a brute force written plainly here, for a journey with a
 * threshold step (the n-th qualifying event within days of the first signup) and a step that reads
 * the same event as step 1: every chain of every start is tried.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeOfPeriods } from '../src/model/time.js';
import { funnelReport } from '../src/reports/funnel.js';
import { contextFor, storeFrom } from './helpers/fixture-store.js';

const T0 = Date.parse('2026-11-02T00:00:00Z'); // Monday of 2026-W45
const HOUR = 3_600_000;
const WINDOW_MS = 5 * 24 * HOUR;
const KUI = { atLeast: 2, withinMs: 4 * 24 * HOUR };
const CONFIG = `
product: Random
timezone: UTC
conversion_window: 5d
journey:
  visit: { event: A }
  signup: { event: B }
  setup: { event: C }
  kui: { event: C, at_least: ${KUI.atLeast}, within: 4d }
  upgrade: { event: A }
north_star: { name: n, event: C, measure: count, frequency: week }
`;

interface LogEvent { actor: string; event: string; t: number }

// A coarse 12-hour grid from 3 days before the range to its end, few actors: ties, window edges and
// actors who reach the last steps are frequent.
const eventArb = fc.record({
  actor: fc.constantFrom('u1', 'u2', 'u3'),
  event: fc.constantFrom('A', 'A', 'B', 'C', 'C', 'C', 'C', 'X'),
  t: fc.integer({ min: 0, max: 34 }).map((slot) => T0 - 3 * 24 * HOUR + slot * 12 * HOUR),
});
const logArb = fc.array(eventArb, { minLength: 25, maxLength: 60 });

/** The instant the threshold step is reached: the n-th C event (ties count alike) within its days of the first B. */
function kuiReach(events: LogEvent[]): number[] {
  const signups = events.filter((e) => e.event === 'B').map((e) => e.t);
  if (!signups.length) return [];
  const first = Math.min(...signups);
  const counted = events.filter((e) => e.event === 'C' && e.t >= first && e.t <= first + KUI.withinMs).map((e) => e.t).sort((a, b) => a - b);
  return counted.length >= KUI.atLeast ? [counted[KUI.atLeast - 1]] : [];
}

/** Actors reaching each step: some chain t1 ≤ t2 ≤ … with t1 in range and tk − t1 ≤ window. */
function bruteForce(log: LogEvent[], from: number, to: number): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (const actor of new Set(log.map((e) => e.actor))) {
    const mine = log.filter((e) => e.actor === actor);
    const of = (event: string) => mine.filter((e) => e.event === event).map((e) => e.t);
    const times = [of('A'), of('B'), of('C'), kuiReach(mine), of('A')];
    let best = 0;
    const extend = (level: number, start: number, last: number) => {
      best = Math.max(best, level);
      if (level === times.length) return;
      for (const t of times[level]) if (t >= last && t - start <= WINDOW_MS) extend(level + 1, start, t);
    };
    for (const t1 of times[0]) if (t1 >= from && t1 < to) extend(1, t1, t1);
    for (let k = 0; k < best; k++) counts[k]++;
  }
  return counts;
}

describe('property: a funnel with a threshold step and a repeated event equals brute force', () => {
  it('on random logs', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, async (log) => {
        const messages = log.map((e, i) => ({ type: 'track', event: e.event, userId: e.actor, timestamp: new Date(e.t).toISOString(), messageId: `r${i}` }));
        const store = await storeFrom(messages);
        try {
          const ctx = contextFor(store, CONFIG, '2026-12-01T00:00:00Z');
          const range = rangeOfPeriods('2026-W45', '2026-W46', ctx.model.time);
          const report = await funnelReport(ctx, range, 'all');
          expect(report.steps.map((s) => s.actors)).toEqual(bruteForce(log, range.from, range.to));
        } finally {
          await store.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
