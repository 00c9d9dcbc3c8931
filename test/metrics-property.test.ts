/**
 * Random event logs against brute-force references written plainly here: the cohort funnel
 * (every chain of every start is tried) and "on" / "on or after" retention.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDateOf, periodIndex, rangeOfPeriods } from '../src/model/time.js';
import { funnelReport } from '../src/reports/funnel.js';
import { retentionReport } from '../src/reports/retention.js';
import { contextFor, storeFrom } from './helpers/fixture-store.js';
import { retentionDefinition } from '../src/model/metric-model.js';

const T0 = Date.parse('2026-11-02T00:00:00Z'); // Monday of 2026-W45
const HOUR = 3_600_000;
const WINDOW_DAYS = 3;
const STEPS = ['A', 'B', 'C'];
const CONFIG = `
product: Random
timezone: Asia/Kolkata
conversion_window: ${WINDOW_DAYS}d
journey:
  visit: { event: A }
  signup: { event: B }
  setup: { event: C }
north_star: { name: n, event: C, measure: count, frequency: week }
`;

interface LogEvent { actor: string; event: string; t: number }

// Coarse 6-hour grid over five weeks so that ties and window edges are frequent.
const eventArb = fc.record({
  actor: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5'),
  event: fc.constantFrom('A', 'B', 'C', 'X'),
  t: fc.integer({ min: 0, max: 5 * 7 * 4 }).map((slot) => T0 - 7 * 24 * HOUR + slot * 6 * HOUR),
});
const logArb = fc.array(eventArb, { minLength: 1, maxLength: 30 });

function toMessages(log: LogEvent[]) {
  return log.map((e, i) => ({ type: 'track', event: e.event, userId: e.actor, timestamp: new Date(e.t).toISOString(), messageId: `r${i}` }));
}

/** Furthest step reached: try every chain t1 ≤ t2 ≤ … with t1 in range and tk − t1 ≤ window. */
function bruteForceFunnel(log: LogEvent[], from: number, to: number): number[] {
  const windowMs = WINDOW_DAYS * 24 * HOUR;
  const counts = STEPS.map(() => 0);
  for (const actor of new Set(log.map((e) => e.actor))) {
    const times = STEPS.map((s) => log.filter((e) => e.actor === actor && e.event === s).map((e) => e.t));
    let best = 0;
    const extend = (level: number, start: number, last: number) => {
      best = Math.max(best, level);
      if (level === STEPS.length) return;
      for (const t of times[level]) if (t >= last && t - start <= windowMs) extend(level + 1, start, t);
    };
    for (const t1 of times[0]) if (t1 >= from && t1 < to) extend(1, t1, t1);
    for (let k = 0; k < best; k++) counts[k]++;
  }
  return counts;
}

describe('property: funnel equals brute force', () => {
  it('on random logs', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, async (log) => {
        const store = await storeFrom(toMessages(log));
        try {
          const ctx = contextFor(store, CONFIG, '2026-12-01T00:00:00Z');
          const range = rangeOfPeriods('2026-W45', '2026-W46', ctx.model.time);
          const report = await funnelReport(ctx, range, 'all');
          expect(report.steps.map((s) => s.actors)).toEqual(bruteForceFunnel(log, range.from, range.to));
        } finally {
          await store.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('property: retention equals brute force', () => {
  it.each(['on', 'on_or_after'] as const)('%s mode on random logs', async (mode) => {
    await fc.assert(
      fc.asyncProperty(logArb, async (log) => {
        const store = await storeFrom(toMessages(log));
        try {
          const asOf = Date.parse('2026-11-25T00:00:00Z');
          const ctx = contextFor(store, CONFIG, new Date(asOf).toISOString());
          const tz = ctx.model.time.timezone;
          const week = (t: number) => periodIndex(localDateOf(t, tz), 'week', 'monday');
          const range = rangeOfPeriods('2026-W44', '2026-W46', ctx.model.time);
          const definition = retentionDefinition(ctx.model, 'week', mode);
          const report = await retentionReport(ctx, definition, range, 'all', 'action');
          const wholeCohort = await retentionReport(ctx, definition, range, 'all', 'cohort');

          // Cohort: week of the first B (signup) event, for first signups inside the range; activity: C.
          const current = week(asOf);
          const expected = new Map<number, { size: number; retained: number[] }>();
          for (const actor of new Set(log.map((e) => e.actor))) {
            const signups = log.filter((e) => e.actor === actor && e.event === 'B').map((e) => e.t);
            if (!signups.length) continue;
            const first = Math.min(...signups);
            if (first < range.from || first >= range.to) continue;
            const c = week(first);
            const active = new Set(log.filter((e) => e.actor === actor && e.event === 'C' && e.t >= range.from).map((e) => week(e.t)));
            const periods = current - c + (mode === 'on' ? 1 : 0);
            const entry = expected.get(c) ?? { size: 0, retained: Array(Math.max(0, periods)).fill(0) };
            entry.size++;
            for (let k = 0; k < periods; k++) {
              const hit = mode === 'on' ? active.has(c + k) : [...active].some((p) => p >= c + k);
              if (hit) entry.retained[k]++;
            }
            expected.set(c, entry);
          }
          const got = report.cohorts.map((c) => ({ size: c.size, retained: c.retained }));
          const want = [...expected.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
          expect(got).toEqual(want);
          // The default reading: period 0 is the whole cohort; every later period as above.
          const whole = wholeCohort.cohorts.map((c) => ({ size: c.size, retained: c.retained }));
          expect(whole).toEqual(want.map((v) => ({ size: v.size, retained: v.retained.map((n, k) => (k === 0 ? v.size : n)) })));
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
