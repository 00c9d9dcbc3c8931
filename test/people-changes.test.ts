/**
 * Kept weeks that count people, judged by who changed: a link or a profile change drops only the
 * weeks from the earliest event of the people it changes (a link moves no one's events before it),
 * and an account's traits every week. The counts through a server's cache equal the ones computed
 * afresh after every write.
 */
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
/** Four weeks; the last is the current one. */
const RANGE = { from: MONDAY, to: MONDAY + 28 * DAY_MS };
const CURRENT = MONDAY + 21 * DAY_MS;
const MODEL = modelFromConfig(parseConfig(`
product: P
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V }
  signup: { event: S }
  kui: { event: M, at_least: 2, within: 3d }
north_star: { name: n, event: M, measure: count, frequency: week }
`));

let ids = 0;
const at = (hours: number) => new Date(CURRENT + hours * HOUR_MS).toISOString();
const track = (event: string, who: { userId?: string; anonymousId?: string }, hours: number) => ({ type: 'track', messageId: `c${++ids}`, event, ...who, timestamp: at(hours), properties: {} });
// Profiles replay in time order: each identify or group a minute after the one before.
const later = () => new Date(CURRENT + ++ids * 60_000).toISOString();
const identify = (userId: string, anonymousId: string | undefined, role: string) => ({ type: 'identify', messageId: `c${++ids}`, userId, anonymousId, timestamp: later(), traits: { role } });
const group = (userId: string, groupId: string, plan: string) => ({ type: 'group', messageId: `c${++ids}`, userId, groupId, timestamp: later(), traits: { plan } });

describe('kept weeks judged by who changed', () => {
  it('a link or a profile drops the weeks from its people\'s first event on; an account\'s traits all of them', async () => {
    const store = await DuckDbStore.open(':memory:');
    const writer = new IngestWriter(store, 'test');
    const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
    const cache = new QueryCache();
    /** The weeks computed again by a read after the write, and the counts, checked against a fresh read. */
    const computed = async () => {
      const misses = cache.periods.misses;
      const counts = await weeklyStageCountsWithIdeal(reportContext(store, MODEL, CURRENT, cache), RANGE);
      expect(counts).toEqual(await weeklyStageCountsWithIdeal(reportContext(store, MODEL, CURRENT), RANGE));
      return cache.periods.misses - misses;
    };
    try {
      await ensureLiveState((w) => store.transaction(() => w(store)), MODEL.journey);
      // Old people: u1 from the first week, u2 from the second; a1 visits in the third week, a2 in the current one.
      await write([
        track('S', { userId: 'u1' }, -20 * 24), track('V', { userId: 'u1' }, -19 * 24), identify('u1', undefined, 'pm'),
        track('S', { userId: 'u2' }, -13 * 24), track('M', { userId: 'u2' }, -13 * 24 + 2), identify('u2', undefined, 'pm'),
        track('V', { anonymousId: 'a1' }, -3 * 24), track('V', { anonymousId: 'a2' }, 2),
      ]);
      expect(await computed()).toBe(4);
      // A new user signs up this week, linking the anonymous id that visited this week: the current week
      // alone (and, once, the KUI's part before it).
      await write([track('S', { userId: 'u3', anonymousId: 'a2' }, 3), identify('u3', 'a2', 'eng')]);
      expect(await computed()).toBe(1 + 1);
      await write([identify('u4', 'a4', 'eng'), track('V', { anonymousId: 'a4' }, 4)]);
      expect(await computed()).toBe(1);
      // a1, who visited in the third week, turns out to be u2: the third week and the current one.
      await write([identify('u2', 'a1', 'pm')]);
      expect(await computed()).toBe(2);
      // u1's traits change (an ideal user now): every week from u1's first event, the first.
      await write([identify('u1', undefined, 'eng')]);
      expect(await computed()).toBe(4);
      // The same traits again change nothing: every week kept.
      await write([identify('u1', undefined, 'eng')]);
      expect(await computed()).toBe(0);
      // A link for an anonymous id without events yet: nothing to move.
      await write([identify('u2', 'a9', 'pm')]);
      expect(await computed()).toBe(0);
      // An account's traits (the ideal profile may read them): every week.
      await write([group('u3', 'acme', 'team')]);
      expect(await computed()).toBe(4);
    } finally {
      await store.close();
    }
  });
});
