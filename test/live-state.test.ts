/**
 * The live first-reach state (DuckDB): after any interleaving of batches (late events, anonymous
 * events linked to a person later, rolled-back batches), folds and config changes, the weekly stage
 * counts read through the state equal the ones computed from every event, and the state's tables
 * equal the state built again from scratch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { ensureLiveState, foldLiveState } from '../src/engine/duckdb/live-state.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import type { MetricModel } from '../src/model/metric-model.js';
import { DAY_MS } from '../src/model/time.js';
import { duckdbDialect } from '../src/query/dialects/duckdb.js';
import { compileStageCounts } from '../src/query/plans/stages.js';
import type { LiveState } from '../src/query/plans/live.js';
import { normalizeAll } from './helpers/engines.js';
import { periodsIn } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { weeklyStageCountsWithIdeal } from '../src/reports/funnel.js';
import { paceReport } from '../src/reports/pace-of-rows.js';
import { QueryCache } from '../src/reports/query-cache.js';

const MONDAY = Date.UTC(2026, 10, 2);
const CONFIGS = [`
product: P
timezone: Europe/Paris
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V }
  signup: { event: S }
  setup: { event: W, where: { plan: { ne: free } } }
  kui: { event: M, at_least: 2, within: 3d }
  upgrade: { event: U }
north_star: { name: n, event: M, measure: count, frequency: week }
metrics:
  - { id: per_user, name: M per user, event: M, measure: count, per: user, frequency: week }
  - { id: heavy, name: Heavy, event: M, measure: unique_users, at_least: 2, frequency: week }
`, `
product: P
ideal_user: { role: { in: [eng] } }
journey:
  visit: { event: V }
  signup: { event: [S, W] }
  setup: { event: M, at_least: 3 }
  first_strike: { event: U }
north_star: { name: n, event: M, measure: count, frequency: week }
`].map((text) => parseConfig(text));
const MODELS = CONFIGS.map((config) => modelFromConfig(config));
const SCORECARDS = CONFIGS.map((config) => scorecardModelFromConfig(config));
/** Pace's as-of instants: two cuts in one week (hours apart), one in the week after. */
const PACE_AS_OF = [MONDAY + 9 * DAY_MS + 5 * 3_600_000, MONDAY + 9 * DAY_MS + 17 * 3_600_000, MONDAY + 15 * DAY_MS + 2 * 3_600_000];

const person = fc.integer({ min: 0, max: 3 });
const track = fc.record({
  event: fc.constantFrom('V', 'S', 'W', 'M', 'U', 'X'),
  user: fc.option(person.map((n) => `u${n}`), { nil: undefined }),
  anon: person.map((n) => `a${n}`),
  // Three weeks, in 12-hour steps: late events land anywhere before the newest ones.
  slot: fc.integer({ min: 0, max: 3 * 7 * 2 }),
  free: fc.boolean(),
});
const link = fc.record({ user: person.map((n) => `u${n}`), anon: person.map((n) => `a${n}`), eng: fc.boolean() });
const step = fc.oneof(
  fc.record({ kind: fc.constant('batch' as const), rollback: fc.boolean(), tracks: fc.array(track, { maxLength: 14 }), links: fc.array(link, { maxLength: 2 }) }),
  fc.constant({ kind: 'fold' as const }),
  fc.record({ kind: fc.constant('config' as const), config: fc.integer({ min: 0, max: CONFIGS.length - 1 }) }),
);

let ids = 0;
type Arbitrary<A> = A extends fc.Arbitrary<infer T> ? T : never;
function messages(s: { tracks: Arbitrary<typeof track>[]; links: Arbitrary<typeof link>[] }): unknown[] {
  const at = (slot: number) => new Date(MONDAY - 7 * DAY_MS + slot * 12 * 3_600_000).toISOString();
  return [
    ...s.tracks.map((t) => ({
      type: 'track', messageId: `m${++ids}`, event: t.event, userId: t.user, anonymousId: t.anon, timestamp: at(t.slot),
      properties: { plan: t.free ? 'free' : 'team' },
    })),
    ...s.links.map((l) => ({ type: 'identify', messageId: `i${++ids}`, userId: l.user, anonymousId: l.anon, timestamp: at(0), traits: { role: l.eng ? 'eng' : 'pm' } })),
  ];
}

const context = (model: MetricModel) => ({ dialect: duckdbDialect, time: model.time, idealUser: model.idealUser });
const inTransaction = (store: DuckDbStore) => <T,>(work: (s: DuckDbStore) => Promise<T>) => store.transaction(() => work(store));

/** Weekly counts of every stage, split by ideal users, over these weeks: through the state, and from every event. */
async function bothWays(store: DuckDbStore, model: MetricModel, range: { from: number; to: number }) {
  // Every event before the lowest watermark is in the state: the read may skip those rows.
  const [{ folded }] = await store.all<{ folded: number }>('SELECT min(watermark) AS folded FROM live_state_defs');
  const q = (live?: LiveState) => compileStageCounts(context(model), { stages: model.journey, range, segment: 'all', idealSplit: true, live });
  const [live, full] = [q({ folded: Number(folded) }), q()];
  return { live: await store.all(live.sql, live.params), full: await store.all(full.sql, full.params) };
}

/** Per definition, the state's rows (with each identity's person) once folded, and the same definition folded again from the first event. */
async function stateAndRebuilt(store: DuckDbStore) {
  await store.transaction(() => foldLiveState(store, 1));
  const state = await store.all('SELECT def, raw_key, ts, actor_id FROM live_reach ORDER BY def, raw_key');
  const rebuilt = await store.transaction(async () => {
    await store.run('DELETE FROM live_reach');
    await store.run('UPDATE live_state_defs SET watermark = 0');
    await foldLiveState(store, 1);
    return store.all('SELECT def, raw_key, ts, actor_id FROM live_reach ORDER BY def, raw_key');
  });
  return { state, rebuilt };
}

describe('the live first-reach state', () => {
  it('answers the weekly stage counts of a recount (also through the cache of a server) after any batches, late events, links, rollbacks, folds and config changes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
      const store = await DuckDbStore.open(':memory:');
      const writer = new IngestWriter(store, 'test');
      const cache = new QueryCache();
      let config = 0;
      let model = MODELS[0];
      try {
        await ensureLiveState(inTransaction(store), model.journey);
        for (const s of steps) {
          if (s.kind === 'batch') {
            const write = store.transaction(async () => {
              await writer.write(normalizeAll(messages(s)));
              if (s.rollback) throw new Error('rolled back');
            });
            if (s.rollback) await expect(write).rejects.toThrow('rolled back');
            else await write;
          } else if (s.kind === 'fold') {
            await store.transaction(() => foldLiveState(store, 1));
          } else {
            config = s.config;
            model = MODELS[config];
            await ensureLiveState(inTransaction(store), model.journey);
          }
          for (const range of [{ from: MONDAY - 7 * DAY_MS, to: MONDAY + 21 * DAY_MS }, { from: MONDAY, to: MONDAY + 7 * DAY_MS }, { from: MONDAY + 7 * DAY_MS, to: MONDAY + 14 * DAY_MS }]) {
            const { live, full } = await bothWays(store, model, range);
            expect(live).toEqual(full);
          }
          // Through a server's cache, weeks kept one by one: the same as read afresh.
          const weeks = periodsIn({ from: MONDAY - 7 * DAY_MS, to: MONDAY + 14 * DAY_MS }, 'week', model.time);
          const whole = { from: weeks[0].from, to: weeks[weeks.length - 1].to };
          const cached = await weeklyStageCountsWithIdeal(reportContext(store, model, MONDAY, cache), whole);
          expect(cached).toEqual(await weeklyStageCountsWithIdeal(reportContext(store, model, MONDAY), whole));
          // Pace's windows (each past week's part up to the cut), kept per week and cut: the same as read afresh.
          for (const asOf of PACE_AS_OF) {
            const pace = await paceReport(reportContext(store, model, asOf, cache), SCORECARDS[config]);
            expect(pace).toEqual(await paceReport(reportContext(store, model, asOf), SCORECARDS[config]));
          }
        }
        const { state, rebuilt } = await stateAndRebuilt(store);
        expect(state).toEqual(rebuilt);
      } finally {
        await store.close();
      }
    }), { numRuns: 15 });
    // Each run builds stores and compares every step two ways: minutes on a loaded machine.
  }, 300_000);

  it('counts a hand-worked week: a late signup moves a first reach, a link merges two people, a windowed stage reaches back before the week', async () => {
    const store = await DuckDbStore.open(':memory:');
    const writer = new IngestWriter(store, 'test');
    const model = MODELS[0];
    const at = (hours: number) => new Date(MONDAY + hours * 3_600_000).toISOString();
    const tracked = (event: string, who: { userId?: string; anonymousId?: string }, hours: number) => ({ type: 'track', messageId: `h${++ids}`, event, ...who, timestamp: at(hours), properties: {} });
    const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
    const week = { from: MONDAY, to: MONDAY + 7 * DAY_MS };
    const counts = async () => {
      const { live, full } = await bothWays(store, model, week);
      expect(live).toEqual(full);
      return Object.fromEntries((live as { stage: string; actors: number }[]).map((r) => [r.stage, Number(r.actors)]));
    };
    try {
      await ensureLiveState(inTransaction(store), model.journey);
      // u1 signs up the day before the week and sends its second message inside it (KUI: 2 within 3 days).
      await write([tracked('S', { userId: 'u1' }, -24), tracked('M', { userId: 'u1' }, -12), tracked('M', { userId: 'u1' }, 12)]);
      // u2 signs up inside the week; anonymous a9 upgrades inside it.
      await write([tracked('S', { userId: 'u2' }, 30), tracked('U', { anonymousId: 'a9' }, 40)]);
      expect(await counts()).toEqual({ signup: 1, kui: 1, upgrade: 1 });
      // A late signup of u2 before the week: its first reach leaves the week.
      await write([tracked('S', { userId: 'u2' }, -48)]);
      expect(await counts()).toEqual({ kui: 1, upgrade: 1 });
      // a9 turns out to be u1, who upgraded the week before: a9's upgrade is no longer a first one.
      await write([tracked('U', { userId: 'u1' }, -30), { type: 'identify', messageId: `h${++ids}`, userId: 'u1', anonymousId: 'a9', timestamp: at(0), traits: {} }]);
      expect(await counts()).toEqual({ kui: 1 });
      await store.transaction(() => foldLiveState(store, 1));
      expect(await counts()).toEqual({ kui: 1 });
    } finally {
      await store.close();
    }
  });

  it('gives an identity folded before its link the linked person, at the next read and at the next fold, even one with no new event', async () => {
    const store = await DuckDbStore.open(':memory:');
    const writer = new IngestWriter(store, 'test');
    const model = MODELS[0];
    const at = (hours: number) => new Date(MONDAY + hours * 3_600_000).toISOString();
    const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
    const week = { from: MONDAY, to: MONDAY + 7 * DAY_MS };
    const persons = async () => (await store.all<{ raw_key: string; actor_id: string }>(
      'SELECT DISTINCT raw_key, actor_id FROM live_reach ORDER BY raw_key')).map((r) => `${r.raw_key}:${r.actor_id}`);
    try {
      await ensureLiveState(inTransaction(store), model.journey);
      // Anonymous a7 upgrades inside the week; u1 upgraded the week before. Folded: a7 is its own person.
      await write([{ type: 'track', messageId: 'k1', event: 'U', anonymousId: 'a7', timestamp: at(40), properties: {} },
        { type: 'track', messageId: 'k2', event: 'U', userId: 'u1', timestamp: at(-30), properties: {} }]);
      await store.transaction(() => foldLiveState(store, 1));
      expect(await persons()).toEqual(['a7:a7', 'u1:u1']);
      const { live: before } = await bothWays(store, model, week);
      expect(before).toEqual([expect.objectContaining({ stage: 'upgrade', actors: 1 })]);
      // a7 turns out to be u1: the read looks a7 up again (its row still names a7) and counts no first upgrade.
      await write([{ type: 'identify', messageId: 'k3', userId: 'u1', anonymousId: 'a7', timestamp: at(0), traits: {} }]);
      expect(await persons()).toEqual(['a7:a7', 'u1:u1']);
      const { live, full } = await bothWays(store, model, week);
      expect(live).toEqual(full);
      expect(live).toEqual([]);
      // The next fold writes a7's person into its row, though no event came after the link.
      await store.transaction(() => foldLiveState(store, 1));
      expect(await persons()).toEqual(['a7:u1', 'u1:u1']);
      await write([{ type: 'track', messageId: 'k4', event: 'S', userId: 'u2', timestamp: at(50), properties: {} }]);
      await store.transaction(() => foldLiveState(store, 1));
      expect(await persons()).toEqual(['a7:u1', 'u1:u1', 'u2:u2']);
      const after = await bothWays(store, model, week);
      expect(after.live).toEqual(after.full);
      const { state, rebuilt } = await stateAndRebuilt(store);
      expect(state).toEqual(rebuilt);
    } finally {
      await store.close();
    }
  });

  it('reads each definition past its own watermark when a later config built it after the others', async () => {
    const store = await DuckDbStore.open(':memory:');
    const writer = new IngestWriter(store, 'test');
    const week = { from: MONDAY, to: MONDAY + 7 * DAY_MS };
    const tracked = (event: string, hours: number) => ({ type: 'track', messageId: `w${++ids}`, event, userId: 'u1', timestamp: new Date(MONDAY + hours * 3_600_000).toISOString(), properties: {} });
    try {
      // The first config keeps U (shared with the second as its first_strike) from the first event on.
      await ensureLiveState(inTransaction(store), MODELS[0].journey);
      await store.transaction(() => writer.write(normalizeAll([tracked('S', 1), tracked('M', 2), tracked('M', 3), tracked('U', 4)])));
      // The second config builds "M at least 3" now, past those messages; U's watermark stays before them.
      await ensureLiveState(inTransaction(store), MODELS[1].journey);
      const [u, m] = await Promise.all(['U', 'M'].map(async (event) => (await store.all<{ w: number }>(
        'SELECT watermark AS w FROM live_state_defs WHERE CAST(definition AS VARCHAR) LIKE $p', { p: `%"${event}"%` }))[0].w));
      expect(Number(u)).toBeLessThan(Number(m));
      const { live, full } = await bothWays(store, MODELS[1], week);
      expect(live).toEqual(full);
      // Two messages are not three: u1 has not reached setup.
      expect((live as { stage: string }[]).map((r) => r.stage).sort()).toEqual(['first_strike', 'signup']);
    } finally {
      await store.close();
    }
  });
});
