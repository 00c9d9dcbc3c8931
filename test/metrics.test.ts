/**
 * The metric definitions of docs/concepts.md pinned on a hand-made company. Every expected number below is
 * worked out by hand in the comments; none is produced by the code under test.
 *
 * Weeks (UTC, Monday start): 2026-W45 = Nov 2–8, W46 = Nov 9–15, W47 = Nov 16–22. As of Nov 22 (W47).
 * Journey: visit Page Viewed → signup Signed Up → setup Workspace Created → first_strike Message Sent
 *          → kui (3rd Message Sent within 7 days of signup) → upgrade Subscription Started. Window 7 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { parseBreakdown } from '../src/model/metrics.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { funnelReport, timeToValueReport, weeklyStagesReport } from '../src/reports/funnel.js';
import { seriesReport } from '../src/reports/north-star.js';
import { pqlReport, signupToFirstStrike } from '../src/reports/pql.js';
import { retentionReport } from '../src/reports/retention.js';
import { contextFor, seg, storeFrom } from './helpers/fixture-store.js';
import { retentionDefinition } from '../src/model/metric-model.js';

const CONFIG = `
product: Fixture
conversion_window: 7d
ideal_user: { role: { in: [engineer, pm] } }
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up }
  setup: { event: Workspace Created }
  first_strike: { event: Message Sent }
  kui: { event: Message Sent, at_least: 3, within: 7d }
  upgrade: { event: Subscription Started }
north_star: { name: Messages, event: Message Sent, where: { channel: { ne: self } }, measure: count, frequency: week }
metrics:
  - { id: messagers, event: Message Sent, where: { channel: { ne: self } }, measure: unique_users, frequency: week }
`;
const general = { channel: 'general' };

// A: ideal (engineer); reaches every step within the window.
const actorA = [
  seg.page({ anonymousId: 'a1' }, '2026-11-02T10:00:00Z'),
  seg.track('Signed Up', { userId: 'A', anonymousId: 'a1' }, '2026-11-02T10:05:00Z'),
  seg.identify('A', { role: 'engineer' }, '2026-11-02T10:05:30Z'),
  seg.group('A', 'acct-a', { seats: 5 }, '2026-11-02T10:06:00Z'),
  seg.track('Workspace Created', { userId: 'A' }, '2026-11-02T11:00:00Z'),
  seg.track('Message Sent', { userId: 'A' }, '2026-11-03T09:00:00Z', general),
  seg.track('Message Sent', { userId: 'A' }, '2026-11-04T09:00:00Z', general),
  seg.track('Message Sent', { userId: 'A' }, '2026-11-05T09:00:00Z', { channel: 'self' }),
  seg.track('Subscription Started', { userId: 'A' }, '2026-11-06T09:00:00Z'),
  seg.track('Message Sent', { userId: 'A' }, '2026-11-10T09:00:00Z', general),
];
// B: ideal (pm). Its anonymous visit arrives in an earlier import than the signup that links it.
const actorBVisit = [seg.page({ anonymousId: 'b1' }, '2026-11-02T09:00:00Z')];
const actorBLater = [
  seg.track('Signed Up', { userId: 'B', anonymousId: 'b1' }, '2026-11-03T09:00:00Z'),
  seg.identify('B', { role: 'pm' }, '2026-11-03T09:00:01Z'),
  seg.track('Workspace Created', { userId: 'B' }, '2026-11-12T09:00:00Z'), // 10 days after the visit: outside
  seg.page({ userId: 'B' }, '2026-11-10T08:00:00Z'),
];
// C: an anonymous visitor, never identified.
const actorC = [seg.page({ anonymousId: 'c1' }, '2026-11-04T12:00:00Z')];
// D: not ideal (designer); visit, signup and setup at the very same instant.
const actorD = [
  seg.page({ anonymousId: 'd1' }, '2026-11-09T12:00:00Z'),
  seg.track('Signed Up', { userId: 'D', anonymousId: 'd1' }, '2026-11-09T12:00:00Z'),
  seg.track('Workspace Created', { userId: 'D' }, '2026-11-09T12:00:00Z'),
  seg.identify('D', { role: 'designer' }, '2026-11-09T12:00:01Z'),
  seg.track('Message Sent', { userId: 'D' }, '2026-11-20T10:00:00Z', general), // 10d 22h after the visit
];
// E: signed up in W43, before the range; visits again in W46.
const actorE = [
  seg.page({ anonymousId: 'e1' }, '2026-10-20T10:00:00Z'),
  seg.track('Signed Up', { userId: 'E', anonymousId: 'e1' }, '2026-10-20T10:00:00Z'),
  seg.page({ userId: 'E' }, '2026-11-10T10:00:00Z'),
  seg.track('Message Sent', { userId: 'E' }, '2026-11-11T10:00:00Z', general),
];
// F: the 3rd message lands exactly 7 days after signup (inclusive: KUI reached).
const actorF = [
  seg.track('Signed Up', { userId: 'F' }, '2026-11-09T00:00:00Z'),
  seg.track('Message Sent', { userId: 'F' }, '2026-11-09T01:00:00Z', general),
  seg.track('Message Sent', { userId: 'F' }, '2026-11-12T00:00:00Z', general),
  seg.track('Message Sent', { userId: 'F' }, '2026-11-16T00:00:00.000Z', general),
];
// G: the 3rd message lands 1 ms too late (KUI not reached).
const actorG = [
  seg.track('Signed Up', { userId: 'G' }, '2026-11-09T00:00:00Z'),
  seg.track('Message Sent', { userId: 'G' }, '2026-11-09T01:00:00Z', general),
  seg.track('Message Sent', { userId: 'G' }, '2026-11-12T00:00:00Z', general),
  seg.track('Message Sent', { userId: 'G' }, '2026-11-16T00:00:00.001Z', general),
];

const AS_OF = '2026-11-22T12:00:00Z';
let store: DuckDbStore;
let ctx: ReturnType<typeof contextFor>;

beforeAll(async () => {
  store = await storeFrom([...actorBVisit, ...actorC], [...actorA, ...actorBLater, ...actorD, ...actorE, ...actorF, ...actorG]);
  ctx = contextFor(store, CONFIG, AS_OF);
});
afterAll(() => store.close());

const W45_W46 = () => rangeOfPeriods('2026-W45', '2026-W46', ctx.model.time);
const W45_W47 = () => rangeOfPeriods('2026-W45', '2026-W47', ctx.model.time);

describe('identity', () => {
  it('links anonymous visits to the user retroactively, even when the link arrives in a later import', async () => {
    const rows = await store.all<{ actor_id: string; n: number }>(
      `SELECT actor_id, count(*)::INT AS n FROM actor_events WHERE event = 'Page Viewed' GROUP BY actor_id ORDER BY actor_id`,
    );
    expect(rows).toEqual([
      { actor_id: 'A', n: 1 }, { actor_id: 'B', n: 2 }, { actor_id: 'D', n: 1 }, { actor_id: 'E', n: 2 }, { actor_id: 'c1', n: 1 },
    ]);
  });
  it('gives events the account of the user from group calls', async () => {
    const rows = await store.all<{ n: number }>(`SELECT count(*)::INT AS n FROM actor_events WHERE actor_id = 'A' AND account_id = 'acct-a'`);
    expect(rows[0].n).toBe(actorA.filter((m) => m.type !== 'identify' && m.type !== 'group').length);
  });
});

describe('North Star', () => {
  it('counts qualifying events per week (channel ne self), zero-filled', async () => {
    // W45: A's Nov 3 and Nov 4 (Nov 5 is self) = 2. W46: A Nov 10, E Nov 11, F ×2, G ×2 = 6. W47: F, G, D = 3.
    const r = await seriesReport(ctx, ctx.model.northStar, W45_W47());
    expect(r.series).toEqual([
      { period: '2026-W45', value: 2 }, { period: '2026-W46', value: 6 }, { period: '2026-W47', value: 3 },
    ]);
  });
  it('counts unique users per week', async () => {
    const r = await seriesReport(ctx, ctx.model.metrics[0], W45_W47());
    expect(r.series.map((p) => p.value)).toEqual([1, 4, 3]);
  });
  it('restricts to ideal users and breaks down by a user trait', async () => {
    const ideal = await seriesReport(ctx, ctx.model.northStar, W45_W47(), 'ideal');
    expect(ideal.series.map((p) => p.value)).toEqual([2, 1, 0]); // only A is ideal among messagers
    const split = await seriesReport(ctx, ctx.model.northStar, W45_W47(), 'all', parseBreakdown('user.role'));
    expect(split.breakdown!.groups).toEqual([
      { value: '(none)', series: [{ period: '2026-W45', value: 0 }, { period: '2026-W46', value: 5 }, { period: '2026-W47', value: 2 }] },
      { value: 'engineer', series: [{ period: '2026-W45', value: 2 }, { period: '2026-W46', value: 1 }, { period: '2026-W47', value: 0 }] },
      { value: 'designer', series: [{ period: '2026-W45', value: 0 }, { period: '2026-W46', value: 0 }, { period: '2026-W47', value: 1 }] },
    ]);
  });
});

describe('weekly stage counts', () => {
  it('counts unique visitors per week and first-time reach for every other stage', async () => {
    const r = await weeklyStagesReport(ctx, W45_W47(), 'all');
    expect(r.weeks).toEqual([
      // visits: A, B (retroactively), C. signups: A, B. setup: A. first strike: A. KUI: A (Nov 5). upgrade: A.
      { week: '2026-W45', stages: { visit: 3, signup: 2, setup: 1, first_strike: 1, kui: 1, upgrade: 1 } },
      // visits: D, B, E. signups: D, F, G (E signed up in W43). setup: B, D. first strike: E, F, G.
      { week: '2026-W46', stages: { visit: 3, signup: 3, setup: 2, first_strike: 3, kui: 0, upgrade: 0 } },
      // first strike: D. KUI: F exactly at signup + 7 days (G is 1 ms late).
      { week: '2026-W47', stages: { visit: 0, signup: 0, setup: 0, first_strike: 1, kui: 1, upgrade: 0 } },
    ]);
  });
});

describe('cohort funnel', () => {
  it('follows chains within the window, with ties and out-of-window steps', async () => {
    // Entrants (a visit in W45–W46): A, B, C, D, E.
    // A: all six steps. B: visit → signup; setup 10 days later is outside. C: visit only.
    // D: visit = signup = setup at one instant (ties count), first strike 10d 22h later: outside.
    // E: its signup precedes its in-range visit, so no chain: visit only.
    const r = await funnelReport(ctx, W45_W46(), 'all');
    expect(r.steps.map((s) => s.actors)).toEqual([5, 3, 2, 1, 1, 1]);
    expect(r.steps.map((s) => s.conversion_from_previous)).toEqual([null, 3 / 5, 2 / 3, 1 / 2, 1, 1]);
    expect(r.steps.map((s) => s.conversion_from_first)).toEqual([null, 3 / 5, 2 / 5, 1 / 5, 1 / 5, 1 / 5]);
    // All vs ideal side by side: ideal = A, B; not ideal = C, D, E.
    expect(r.breakdown!.groups.map((g) => [g.value, g.steps.map((s) => s.actors)])).toEqual([
      ['ideal', [2, 2, 1, 1, 1, 1]],
      ['not_ideal', [3, 1, 1, 0, 0, 0]],
    ]);
  });
  it('restricts entrants to a segment', async () => {
    const r = await funnelReport(ctx, W45_W46(), 'not_ideal');
    expect(r.steps.map((s) => s.actors)).toEqual([3, 1, 1, 0, 0, 0]);
  });
  it('measures time between steps on the chain', async () => {
    const r = await timeToValueReport(ctx, W45_W46(), 'all');
    // visit → signup: A 5 min, B 24 h, D 0 → nearest-rank median of [0, 1/12, 24] h = 1/12 h.
    expect(r.steps[0]).toMatchObject({ from: 'visit', to: 'signup', actors: 3, median_hours: 5 / 60 });
    // signup → setup: A 55 min, D 0.
    expect(r.steps[1]).toMatchObject({ actors: 2, median_hours: 0, p90_hours: 55 / 60 });
    const direct = await signupToFirstStrike(ctx, W45_W47());
    // First-time signup → first strike for signups in range: A 22h55m, D 10d 22h, F 1h, G 1h.
    expect(direct).toMatchObject({ actors: 4, median_hours: 1, p75_hours: 22 + 55 / 60, p90_hours: 262 });
  });
});

describe('retention', () => {
  it('"on" mode: cohorts of first signup, active in period cohort + k; average over complete periods', async () => {
    const r = await retentionReport(ctx, retentionDefinition(ctx.model, 'week', 'on'), W45_W46(), 'all', 'action');
    // W45 cohort {A, B}: A active W45 and W46; B never. W46 cohort {D, F, G}: F, G active W46; D, F, G in W47.
    expect(r.cohorts).toEqual([
      { cohort: '2026-W45', size: 2, retained: [1, 1, 0], rates: [0.5, 0.5, 0], complete: [true, true, false] },
      { cohort: '2026-W46', size: 3, retained: [2, 3], rates: [2 / 3, 1], complete: [true, false] },
    ]);
    expect(r.average).toEqual([3 / 5, 1 / 2, null]);
  });
  it('"on or after" mode counts only periods that have fully passed', async () => {
    const r = await retentionReport(ctx, retentionDefinition(ctx.model, 'week', 'on_or_after'), W45_W46(), 'all', 'action');
    expect(r.cohorts.map((c) => [c.cohort, c.size, c.retained])).toEqual([
      ['2026-W45', 2, [1, 1]],
      ['2026-W46', 3, [3]],
    ]);
    expect(r.average).toEqual([4 / 5, 1 / 2]);
  });
  it('by default week 0 is the whole cohort (100 %); later weeks are the same as with week 0 = the action', async () => {
    const r = await retentionReport(ctx, retentionDefinition(ctx.model, 'week', 'on'), W45_W46(), 'all');
    expect(r.period_zero).toBe('cohort');
    // The same cohorts as above: W45 {A, B} with A active in W46; W46 {D, F, G} all active in W47 (not over yet).
    expect(r.cohorts).toEqual([
      { cohort: '2026-W45', size: 2, retained: [2, 1, 0], rates: [1, 0.5, 0], complete: [true, true, false] },
      { cohort: '2026-W46', size: 3, retained: [3, 3], rates: [1, 1], complete: [true, false] },
    ]);
    expect(r.average).toEqual([1, 1 / 2, null]);
    const after = await retentionReport(ctx, retentionDefinition(ctx.model, 'week', 'on_or_after'), W45_W46(), 'all');
    expect(after.cohorts.map((c) => [c.cohort, c.size, c.retained])).toEqual([['2026-W45', 2, [2, 1]], ['2026-W46', 3, [3]]]);
  });
});

describe('PQLs', () => {
  it('lists ideal users with setup, first strike and KUI, and the upgrade rate', async () => {
    const r = await pqlReport(ctx, W45_W47());
    expect(r.pqls).toEqual([{
      // A fits the profile from the identify at 10:05:30 on 2 Nov, before the KUI: the KUI qualifies.
      actor: 'A', account: 'acct-a', qualified_at: '2026-11-05T09:00:00.000Z', ideal_at: '2026-11-02T10:05:30.000Z', setup_at: '2026-11-02T11:00:00.000Z',
      first_strike_at: '2026-11-03T09:00:00.000Z', kui_at: '2026-11-05T09:00:00.000Z', upgraded_at: '2026-11-06T09:00:00.000Z',
    }]);
    expect(r.upgrade_rate).toBe(1);
    expect(r.weeks).toEqual([
      { week: '2026-W45', ideal_signups: 2, pqls: 1, ideal_upgrades: 1 },
      { week: '2026-W46', ideal_signups: 0, pqls: 0, ideal_upgrades: 0 },
      { week: '2026-W47', ideal_signups: 0, pqls: 0, ideal_upgrades: 0 },
    ]);
  });
});

describe('time zones and measures', () => {
  const base = `
product: TZ
journey: { visit: { event: Page Viewed }, signup: { event: Signed Up } }
`;
  const events = [
    // 2026-11-02T04:30Z is Sunday Nov 1, 23:30 in New York (EST, DST ended that morning): week W44 there.
    seg.track('Paid', { userId: 'u1' }, '2026-11-02T04:30:00Z', { amount: 10, account_id: 'x' }),
    // 05:30Z is Monday 00:30 in New York: W45.
    seg.track('Paid', { userId: 'u1' }, '2026-11-02T05:30:00Z', { amount: 2.5, account_id: 'x' }),
    seg.track('Paid', { userId: 'u2' }, '2026-11-03T12:00:00Z', { amount: 4, account_id: 'y' }),
    seg.track('Paid', { userId: 'u3' }, '2026-11-03T13:00:00Z', { amount: '1', account_id: 'y' }),
    // Dec 1 03:00Z is still November 30 in New York.
    seg.track('Paid', { userId: 'u3' }, '2026-12-01T03:00:00Z', { amount: 7, account_id: 'y' }),
  ];
  it('buckets weeks and months in the configured timezone', async () => {
    const s = await storeFrom(events);
    const ny = contextFor(s, `${base}timezone: America/New_York\nnorth_star: { name: n, event: Paid, measure: count, frequency: week }`, AS_OF);
    const utc = contextFor(s, `${base}north_star: { name: n, event: Paid, measure: count, frequency: week }`, AS_OF);
    const nyWeeks = await seriesReport(ny, ny.model.northStar, rangeOfPeriods('2026-W44', '2026-W45', ny.model.time));
    expect(nyWeeks.series).toEqual([{ period: '2026-W44', value: 1 }, { period: '2026-W45', value: 3 }]);
    const utcWeeks = await seriesReport(utc, utc.model.northStar, rangeOfPeriods('2026-W44', '2026-W45', utc.model.time));
    expect(utcWeeks.series).toEqual([{ period: '2026-W44', value: 0 }, { period: '2026-W45', value: 4 }]);
    const nyMonths = contextFor(s, `${base}timezone: America/New_York\nnorth_star: { name: n, event: Paid, measure: count, frequency: month }`, AS_OF);
    const months = await seriesReport(nyMonths, nyMonths.model.northStar, rangeOfPeriods('2026-10', '2026-12', nyMonths.model.time));
    expect(months.series).toEqual([{ period: '2026-10', value: 0 }, { period: '2026-11', value: 5 }, { period: '2026-12', value: 0 }]);
    const sunday = contextFor(s, `${base}timezone: America/New_York\nweek_start: sunday\nnorth_star: { name: n, event: Paid, measure: count, frequency: week }`, AS_OF);
    // Sunday weeks: Nov 1 (Sun) starts the week named after its Monday, W45; all four November-3 events fall in it.
    const sundayWeeks = await seriesReport(sunday, sunday.model.northStar, rangeOfPeriods('2026-W45', '2026-W45', sunday.model.time));
    expect(sundayWeeks.series).toEqual([{ period: '2026-W45', value: 4 }]);
    await s.close();
  });
  it('sums a property, divides per account, and counts n-times users', async () => {
    const s = await storeFrom(events);
    const week = rangeOfPeriods('2026-W45', '2026-W45', { timezone: 'UTC', weekStart: 'monday' });
    const sum = contextFor(s, `${base}north_star: { name: n, event: Paid, measure: "sum:amount", frequency: week }`, AS_OF);
    // UTC W45: 10 + 2.5 + 4 + "1" (numeric text counts) = 17.5.
    expect((await seriesReport(sum, sum.model.northStar, week)).series[0].value).toBe(17.5);
    const per = contextFor(s, `${base}north_star: { name: n, event: Paid, measure: count, frequency: week, per: account }`, AS_OF);
    // 4 events over accounts x and y.
    expect((await seriesReport(per, per.model.northStar, week)).series[0].value).toBe(2);
    const twice = contextFor(s, `${base}north_star: { name: n, event: Paid, measure: unique_users, at_least: 2, frequency: week }`, AS_OF);
    // Only u1 paid twice in UTC W45.
    expect((await seriesReport(twice, twice.model.northStar, week)).series[0].value).toBe(1);
    const filtered = contextFor(s, `${base}north_star: { name: n, event: Paid, where: { amount: { gte: 4 } }, measure: count, frequency: week }`, AS_OF);
    expect((await seriesReport(filtered, filtered.model.northStar, week)).series[0].value).toBe(2);
    await s.close();
  });
});

describe('returning users (lint evidence)', () => {
  it('counts weekly active actors and those active the week before', async () => {
    const { compileWeeklyReturning } = await import('../src/query/plans/returning.js');
    const { run } = await import('../src/reports/context.js');
    const rows = await run<{ p: number; active: number; returning: number }>(ctx, compileWeeklyReturning(ctx.query, ctx.model.retentionSelector, W45_W47()));
    // Active (Message Sent, channel not self): W45 {A}; W46 {A, E, F, G}; W47 {D, F, G}. Returning: W46 A; W47 F, G.
    expect(rows.map((r) => [r.active, r.returning])).toEqual([[1, 0], [4, 1], [3, 2]]);
    expect(rows[1].p - rows[0].p).toBe(1);
  });
});

describe('funnel of chosen steps', () => {
  it('counts a KUI step from signup even when signup is not one of the steps', async () => {
    const steps = ctx.model.journey.filter((s) => s.stage === 'first_strike' || s.stage === 'kui');
    const r = await funnelReport(ctx, W45_W47(), 'all', undefined, steps);
    // First strikes in range: A (Nov 3), E, F, G (W46), D (W47). KUI within 7 days of signup: A and F.
    expect(r.steps.map((s) => [s.stage, s.actors])).toEqual([['first_strike', 5], ['kui', 2]]);
  });
});
