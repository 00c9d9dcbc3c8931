/**
 * Pace through a server's cache (DuckDB, with the live first-reach state): after any interleaving of
 * writes (late ones included), identity links, trait changes, folds and reads at cuts hours apart,
 * every row's pace equals the pace computed afresh; a write to the current week leaves the past
 * weeks' windows kept, and a link recomputes only what counts people.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { ensureLiveState, foldLiveState } from '../src/engine/duckdb/live-state.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { DAY_MS, HOUR_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { paceReport } from '../src/reports/pace-of-rows.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { scorecardReport } from '../src/reports/scorecard-report.js';
import { normalizeAll } from './helpers/engines.js';

// Monday 9 November 2026, 00:00 in Kolkata (UTC+5:30).
const MONDAY = Date.UTC(2026, 10, 8, 18, 30);
const CONFIG = parseConfig(`
product: P
timezone: Asia/Kolkata
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V, target: { gte: 3 } }
  signup: { event: S, target: { gte: 2 } }
  setup: { event: M, at_least: 2, target: { gte: 1 } }
  kui: { event: M, at_least: 2, within: 5d, target: { gte: 1 } }
north_star: { name: n, event: M, measure: count, frequency: week, target: { gte: 10 } }
metrics:
  - { id: per_user, name: M per user, event: M, measure: count, per: user, frequency: week, target: { gte: 2 } }
  - { id: heavy, name: Heavy, event: M, measure: unique_users, at_least: 2, frequency: week, target: { gte: 1 } }
`);
const MODEL = modelFromConfig(CONFIG);
const SCORECARD = scorecardModelFromConfig(CONFIG);
/** Cuts in the current week: an hour apart, half a day later, and a day later (minutes past the hour). */
const AS_OF = [2 * DAY_MS + 5 * HOUR_MS + 7 * 60_000, 2 * DAY_MS + 6 * HOUR_MS + 59 * 60_000, 2 * DAY_MS + 17 * HOUR_MS, 3 * DAY_MS + 1 * HOUR_MS].map((t) => MONDAY + t);

let ids = 0;
const track = (event: string, hours: number, who: { userId?: string; anonymousId: string }) => ({
  type: 'track', messageId: `t${++ids}`, event, ...who, timestamp: new Date(MONDAY + hours * HOUR_MS).toISOString(), properties: {},
});
const identify = (user: string, anon: string, eng: boolean, hours: number) => ({
  type: 'identify', messageId: `i${++ids}`, userId: user, anonymousId: anon, timestamp: new Date(MONDAY + hours * HOUR_MS).toISOString(), traits: { role: eng ? 'eng' : 'pm' },
});

/**
 * Nine weeks (eight complete, then the current one up to its fourth day), three times a day, with new
 * people every week (`w<week>u<k>`, anonymous `x<week>_<k>`) and visitors `a<k>`: enough for a pace of every row.
 */
function history(): unknown[] {
  const out: unknown[] = [];
  for (let day = -56; day < 4; day++) {
    const week = Math.floor((day + 56) / 7);
    for (const hour of [3, 11, 19]) {
      const h = day * 24 + hour;
      const k = (day + 56 + hour) % 5;
      out.push(track('M', h, { userId: `w${week}u${k}`, anonymousId: `x${week}_${k}` }), track('V', h, { anonymousId: `a${(k + day + 60) % 6}` }));
      if (hour === 11) out.push(track('S', h, { userId: `w${week}u${(day + 60) % 5}`, anonymousId: `x${week}_${k}` }));
    }
  }
  return out;
}

// Who the random steps write for and link: new people, visitors, and people of the history.
const user = fc.constantFrom('u0', 'u1', 'w8u0', 'w8u1', 'w7u2', 'w5u3');
const anon = fc.constantFrom('a0', 'a1', 'a2', 'x8_0', 'x7_1', 'x5_2');
const event = fc.record({
  event: fc.constantFrom('M', 'V', 'S', 'X'),
  user: fc.option(user, { nil: undefined }),
  anon,
  // Anywhere from nine weeks back to the fourth day of the current week: late events and current ones.
  hours: fc.integer({ min: -63 * 24, max: 3 * 24 + 20 }),
});
const step = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), events: fc.array(event, { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('link' as const), user, anon, eng: fc.boolean(), hours: fc.integer({ min: -63 * 24, max: 3 * 24 }) }),
  fc.constant({ kind: 'fold' as const }),
);

async function setUp() {
  const store = await DuckDbStore.open(':memory:');
  const writer = new IngestWriter(store, 'test');
  const cache = new QueryCache();
  const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
  await write(history());
  await ensureLiveState((w) => store.transaction(() => w(store)), MODEL.journey);
  const pace = (asOf: number, cached: boolean) => paceReport(reportContext(store, MODEL, asOf, cached ? cache : undefined), SCORECARD);
  return { store, cache, write, pace };
}

describe('pace through the cache of a server', () => {
  it('answers what a fresh computation answers after any writes, late events, links, trait changes and folds, read at any cut', async () => {
    const { store, write, pace } = await setUp();
    try {
      // The history alone gives every counted row a projection: the property compares real paces.
      const first = await pace(AS_OF[0], true);
      expect(first.rows.filter((r) => r.projected !== null).map((r) => r.id)).toEqual(['north_star', 'journey.visit', 'journey.signup', 'journey.setup', 'journey.kui', 'per_user', 'heavy']);
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(step, fc.integer({ min: 0, max: AS_OF.length - 1 })), { minLength: 1, maxLength: 6 }), async (steps) => {
        for (const [s, cut] of steps) {
          if (s.kind === 'write') await write(s.events.map((e) => track(e.event, e.hours, { ...(e.user ? { userId: e.user } : {}), anonymousId: e.anon })));
          else if (s.kind === 'link') await write([identify(s.user, s.anon, s.eng, s.hours)]);
          else await store.transaction(() => foldLiveState(store, 1));
          expect(await pace(AS_OF[cut], true)).toEqual(await pace(AS_OF[cut], false));
        }
      }), { numRuns: 12 });
    } finally {
      await store.close();
    }
  }, 300_000);

  it('keeps the past weeks\' windows through a write to the current week, and recomputes what counts people after a link', async () => {
    const { store, cache, write, pace } = await setUp();
    try {
      await pace(AS_OF[0], true);
      const counted = () => [cache.periods.hits, cache.periods.toppedUp, cache.periods.misses];
      let [hits, toppedUp, misses] = counted();
      await write([track('M', 2 * 24 + 1, { userId: 'w8u1', anonymousId: 'x8_1' })]);
      expect(await pace(AS_OF[0], true)).toEqual(await pace(AS_OF[0], false));
      // Per read: the stage counts and four series (the rate's two), each over 8 complete weeks and
      // 9 windows (85 periods). The write lands before the cut: only the 5 current windows are read, the
      // two plain counts (the North Star, the rate's numerator) topped up with the new rows, 3 computed;
      // and what the KUI (counted within days of signup) had reached before the week, computed once.
      expect([cache.periods.hits - hits, cache.periods.toppedUp - toppedUp, cache.periods.misses - misses]).toEqual([80, 2, 4]);
      [hits, toppedUp, misses] = counted();
      await write([track('M', 2 * 24 + 1, { userId: 'w8u1', anonymousId: 'x8_1' })]);
      expect(await pace(AS_OF[0], true)).toEqual(await pace(AS_OF[0], false));
      // Another write inside the week: the same, with the KUI's part before the week kept.
      expect([cache.periods.hits - hits, cache.periods.toppedUp - toppedUp, cache.periods.misses - misses]).toEqual([81, 2, 3]);
      [hits, toppedUp, misses] = counted();
      await write([identify('u6', 'a2', true, 2 * 24 + 2)]);
      expect(await pace(AS_OF[0], true)).toEqual(await pace(AS_OF[0], false));
      // A link (no event): every period of what counts people (the stage counts, users per week, heavy
      // users: 51), and none of the two plain counts.
      expect([cache.periods.hits - hits, cache.periods.toppedUp - toppedUp, cache.periods.misses - misses]).toEqual([34, 0, 51]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('shares the complete weeks with the scorecard: the stage counts (split by ideal users) and the series both read', async () => {
    const { store, cache, pace } = await setUp();
    try {
      await pace(AS_OF[0], true);
      const [hits, misses] = [cache.periods.hits, cache.periods.misses];
      const scorecard = await scorecardReport(reportContext(store, MODEL, AS_OF[0], cache), SCORECARD);
      expect(scorecard.weeks).toHaveLength(13);
      // Its 13 weeks of stage counts (split by ideal users, as pace asks for its complete weeks), of the North
      // Star and of heavy users: 8 each kept by pace (24), 5 each computed (15); the rate per user read whole
      // (13 computed; pace reads its two halves). Its own pace: all 85 kept.
      expect([cache.periods.hits - hits, cache.periods.misses - misses]).toEqual([24 + 85, 15 + 13]);
    } finally {
      await store.close();
    }
  });
});
