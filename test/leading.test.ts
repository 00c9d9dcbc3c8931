import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { reportContext, type ReportContext } from '../src/reports/context.js';
import { isAhaCandidate, leadingReport, type LeadingReport } from '../src/reports/leading.js';
import type { LeadingIndicator } from '../src/reports/leading-candidates.js';
import { conditionText, describeSelector, sentence } from '../src/reports/leading-text.js';
import type { Condition } from '../src/model/metrics.js';
import { twoProportionTest } from '../src/reports/stats.js';
import { InputError } from '../src/errors.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { storeFrom } from './helpers/fixture-store.js';
import { countingEngine, DAY, demoCompany, HOUR, identify, rng, track, type DemoCompany } from './helpers/beyond.js';
import { modelFromConfig } from '../src/config/model.js';

const lines = (...rows: string[]) => rows.join('\n') + '\n';
const CONFIG = lines(
  'product: Test',
  'ideal_user: { role: { eq: engineer } }',
  'journey:',
  '  visit: { event: Page Viewed }',
  '  signup: { event: Signed Up }',
  '  upgrade: { event: Subscription Started }',
  'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }',
);
const WITH_SETUP = CONFIG.replace('  upgrade:', '  setup: { event: Workspace Created }\n  upgrade:');

const T0 = Date.UTC(2026, 2, 2, 10); // Monday 2026-03-02 10:00 UTC
const AS_OF = T0 + 60 * DAY;

function contextOf(store: DuckDbStore, yaml = CONFIG, asOf = AS_OF): ReportContext {
  return reportContext(store, modelFromConfig(parseConfig(yaml)), asOf);
}

function find(report: LeadingReport, event: string, atLeast: number): LeadingIndicator | undefined {
  return report.indicators.find((i) => i.event === event && i.at_least === atLeast);
}

/**
 * 400 signups an hour apart. 120 "inviters" send Invite Sent 3 times in their first 7 days and
 * exactly half of them are retained; of the 280 others, exactly 1 in 5 is (56), 40 send one invite
 * and 40 send two (retained at the same 1-in-5 rate). Search Performed (the decoy) is done by exactly
 * 3 in 4 of every group, so it changes nothing.
 */
function knownEffectLog(): unknown[] {
  const out: unknown[] = [];
  let inviters = 0;
  let others = 0;
  const cells = new Map<string, number>();
  for (let i = 0; i < 400; i++) {
    const user = `u${i}`;
    const t = T0 + i * HOUR;
    out.push(track('Page Viewed', user, t - 5 * 60_000), track('Signed Up', user, t));
    const inviter = i % 10 < 3;
    let invites: number;
    let retained: boolean;
    if (inviter) {
      invites = 3;
      retained = inviters++ % 2 === 0;
    } else {
      invites = others % 7 === 0 ? 1 : others % 7 === 1 ? 2 : 0;
      retained = others++ % 5 === 0;
    }
    const offsets = [HOUR, 2 * DAY, 7 * DAY - 60_000];
    for (let k = 0; k < invites; k++) out.push(track('Invite Sent', user, t + offsets[k]));
    const cell = `${inviter}/${retained}`;
    const n = cells.get(cell) ?? 0;
    cells.set(cell, n + 1);
    if (n % 4 !== 0) out.push(track('Search Performed', user, t + 3 * DAY));
    // Retained: a message in [21, 28) days; the others message on day 20 or 29 (outside week 4).
    out.push(track('Message Sent', user, t + (retained ? 22 : i % 2 ? 20 : 29) * DAY));
  }
  return out;
}

describe('leading indicators on a log with a known effect', () => {
  let store: DuckDbStore;
  let report: LeadingReport;
  beforeAll(async () => {
    store = await storeFrom(knownEffectLog());
    report = await leadingReport(contextOf(store));
  });
  afterAll(() => store.close());

  it('counts the cohort and the outcome exactly', () => {
    expect(report.outcome).toBe('retained');
    expect(report.cohort.actors).toBe(400);
    expect(report.cohort.reached_outcome).toBe(116);
    expect(report.excluded_events).toEqual(['Signed Up', 'Message Sent']);
    expect(report.correction).toBe('benjamini-hochberg');
  });

  it('ranks the planted behaviour first with its exact rates, lift, coverage and test', () => {
    const top = report.indicators[0];
    expect(top).toMatchObject({
      event: 'Invite Sent', at_least: 3, within_days: 7, did: 120, did_rate: 0.5, did_not: 280, did_not_rate: 0.2, coverage: 0.3, significant: true,
    });
    expect(top.lift).toBeCloseTo(2.5, 12);
    expect(top.journey_lift).toBeCloseTo(2.5, 12); // no journey stages to adjust for: the raw rate ratio
    expect(top.p_value).toBe(twoProportionTest(60, 120, 56, 280).pValue);
    expect(top.p_value / 1.3659348413296086e-9).toBeCloseTo(1, 9); // scipy
    // score = 100 × (a − n1·M/N) / N = 100 × (60 − 120 × 116 / 400) / 400
    expect(top.score).toBeCloseTo(6.3, 12);
    expect(top.sentence).toBe('Users who do Invite Sent ≥ 3 times in their first 7 days retain 2.5× as often (50 % vs 20 %, 30 % of users).');
  });

  it('dilutes the lower thresholds with the occasional inviters, and omits thresholds nobody reaches', () => {
    const one = find(report, 'Invite Sent', 1)!;
    expect(one).toMatchObject({ did: 200, did_not: 200 });
    expect(one.did_rate).toBeCloseTo((60 + 16) / 200, 12);
    expect(one.did_not_rate).toBeCloseTo(40 / 200, 12);
    expect(find(report, 'Invite Sent', 2)!.did).toBe(160);
    expect(find(report, 'Invite Sent', 5)).toBeUndefined();
    expect(report.indicators.map((i) => `${i.event}≥${i.at_least}`).slice(0, 3)).toEqual(['Invite Sent≥3', 'Invite Sent≥2', 'Invite Sent≥1']);
  });

  it('finds the common but unrelated decoy worthless', () => {
    const decoy = find(report, 'Search Performed', 1)!;
    expect(decoy).toMatchObject({ did: 300, did_not: 100, coverage: 0.75, significant: false });
    expect(decoy.lift).toBeCloseTo(1, 12);
    expect(decoy.p_value).toBeCloseTo(1, 12);
    expect(decoy.score).toBeCloseTo(0, 12);
    expect(report.indicators.indexOf(decoy)).toBeGreaterThan(report.indicators.indexOf(find(report, 'Invite Sent', 1)!));
  });

  it('keeps Page Viewed as a candidate but counts only events from signup on', () => {
    // Every page view here is 5 minutes before signup, so nobody "did" it in the window.
    expect(report.indicators.some((i) => i.event === 'Page Viewed')).toBe(false);
  });

  it('sends one statement however many candidates there are', async () => {
    const engine = countingEngine(store);
    await leadingReport(reportContext(engine, modelFromConfig(parseConfig(CONFIG)), AS_OF));
    expect(engine.statements).toBe(1);
  });
});

describe('leading indicators: windows and eligibility to the millisecond', () => {
  const S = T0;
  const messages = [
    // a: invites just before signup and exactly at signup + 7 d (both outside); message 1 ms before day 21.
    track('Signed Up', 'a', S), track('Invite Sent', 'a', S - 1000), track('Invite Sent', 'a', S + 7 * DAY), track('Message Sent', 'a', S + 21 * DAY - 1),
    // b: invites exactly at signup and 1 ms before day 7 (both in); message exactly at day 21 (in); a later second signup is ignored.
    track('Signed Up', 'b', S), track('Invite Sent', 'b', S), track('Invite Sent', 'b', S + 7 * DAY - 1), track('Message Sent', 'b', S + 21 * DAY),
    track('Signed Up', 'b', S + 3 * DAY),
    // c: message 1 ms before day 28 (in); d: exactly at day 28 (out).
    track('Signed Up', 'c', S), track('Message Sent', 'c', S + 28 * DAY - 1),
    track('Signed Up', 'd', S), track('Message Sent', 'd', S + 28 * DAY),
    // f signs up exactly 28 days before as-of (eligible), e 1 ms later (not yet).
    track('Signed Up', 'f', S + 10 * DAY), track('Invite Sent', 'f', S + 10 * DAY + HOUR),
    track('Signed Up', 'e', S + 10 * DAY + 1), track('Invite Sent', 'e', S + 10 * DAY + HOUR),
  ];
  const asOf = S + 38 * DAY;

  it('counts behaviour in [signup, signup + d) and retention in [signup + 21 d, signup + 28 d)', async () => {
    const store = await storeFrom(messages);
    const report = await leadingReport(contextOf(store, CONFIG, asOf), { minGroup: 1 });
    expect(report.cohort).toMatchObject({ actors: 5, reached_outcome: 2 });
    expect(find(report, 'Invite Sent', 1)).toMatchObject({ did: 2, did_rate: 0.5, did_not: 3, did_not_rate: 1 / 3 });
    expect(find(report, 'Invite Sent', 2)).toMatchObject({ did: 1, did_rate: 1, did_not: 4, did_not_rate: 0.25 });
    expect(report.indicators.some((i) => i.event === 'Signed Up' || i.event === 'Message Sent')).toBe(false);
    await store.close();
  });

  it('groups below min_group are skipped and counted', async () => {
    const store = await storeFrom(messages);
    const report = await leadingReport(contextOf(store, CONFIG, asOf), { minGroup: 2 });
    expect(report.indicators.map((i) => `${i.event}≥${i.at_least}`)).toEqual(['Invite Sent≥1']);
    expect(report.skipped).toBe(1);
    await store.close();
  });
});

describe('leading indicators: upgrade outcome, segments and options', () => {
  // 60 ideal users (engineers), 60 others; ideal users who export upgrade within 30 days.
  const messages: unknown[] = [];
  for (let i = 0; i < 120; i++) {
    const user = `v${i}`;
    const t = T0 + i * HOUR;
    const ideal = i % 2 === 0;
    messages.push(identify(user, { role: ideal ? 'engineer' : 'designer' }, t - 1000), track('Signed Up', user, t));
    const exporter = i % 4 < 2;
    if (exporter) messages.push(track('Export Started', user, t + DAY));
    if (ideal && exporter) messages.push(track('Subscription Started', user, t + 29 * DAY));
    if (!ideal && i % 8 === 1) messages.push(track('Subscription Started', user, t + 30 * DAY)); // day 30: too late
    if (i % 3 === 0) messages.push(track('Subscription Started', user, t + 2 * DAY), track('Subscription Started', user, t + 3 * DAY));
  }
  let store: DuckDbStore;
  beforeAll(async () => {
    store = await storeFrom(messages);
  });
  afterAll(() => store.close());

  it('upgraded = first reached the upgrade stage within 30 days; the upgrade event is no candidate', async () => {
    const report = await leadingReport(contextOf(store, CONFIG, T0 + 40 * DAY), { outcome: 'upgraded', minGroup: 5 });
    expect(report.outcome).toBe('upgraded');
    expect(report.excluded_events).toEqual(['Signed Up', 'Subscription Started']);
    expect(report.indicators.some((i) => i.event === 'Subscription Started')).toBe(false);
    // Upgraded: ideal exporters (30) plus early upgraders (i % 3 === 0: 40), counted once (10 overlap).
    expect(report.cohort).toMatchObject({ actors: 120, reached_outcome: 60 });
    expect(report.indicators[0].event).toBe('Export Started');
    expect(report.indicators[0].sentence).toMatch(/^Users who do Export Started in their first 7 days upgrade /);
  });

  it('--segment ideal keeps ideal users only', async () => {
    const report = await leadingReport(contextOf(store, CONFIG, T0 + 40 * DAY), { outcome: 'upgraded', segment: 'ideal', minGroup: 5 });
    expect(report.cohort.actors).toBe(60);
    expect(find(report, 'Export Started', 1)).toMatchObject({ did: 30, did_rate: 1 });
  });

  it('a shorter window and a signup range narrow the behaviour and the cohort', async () => {
    const ctx = contextOf(store, CONFIG, T0 + 40 * DAY);
    const short = await leadingReport(ctx, { outcome: 'upgraded', withinDays: 0.5, minGroup: 1 });
    expect(find(short, 'Export Started', 1)).toBeUndefined(); // exports happen a day after signup
    const ranged = await leadingReport(ctx, { outcome: 'upgraded', signupRange: { from: T0, to: T0 + 60 * HOUR }, minGroup: 1 });
    expect(ranged.cohort.actors).toBe(60);
  });

  it('rejects a behaviour window that overlaps the outcome, and an upgrade outcome without an upgrade stage', async () => {
    const ctx = contextOf(store);
    await expect(leadingReport(ctx, { withinDays: 22 })).rejects.toThrow(InputError);
    await expect(leadingReport(ctx, { withinDays: 0 })).rejects.toThrow(/between 0 and 21 days/);
    const noUpgrade = contextOf(store, CONFIG.replace('  upgrade: { event: Subscription Started }\n', ''));
    await expect(leadingReport(noUpgrade, { outcome: 'upgraded' })).rejects.toThrow(/journey.upgrade/);
  });
});

describe('leading indicators beyond the journey', () => {
  /**
   * Only users who set up (half of them) can be retained. File Shared is something only set-up users
   * do, at the same rate retained or not: a huge raw lift that says nothing beyond "set up". Invite
   * Sent ≥ 3 raises retention among set-up users.
   */
  it('ranks a behaviour that helps above one that merely marks activation', async () => {
    const random = rng(7);
    const messages: unknown[] = [];
    for (let i = 0; i < 800; i++) {
      const user = `w${i}`;
      const t = T0 + i * HOUR / 2;
      messages.push(track('Signed Up', user, t));
      const setup = random() < 0.5;
      const inviter = random() < 0.3;
      if (inviter) for (let k = 0; k < 3; k++) messages.push(track('Invite Sent', user, t + (k + 1) * HOUR));
      if (!setup) continue;
      messages.push(track('Workspace Created', user, t + 2 * HOUR));
      const retained = random() < (inviter ? 0.7 : 0.4);
      if (random() < 0.6) messages.push(track('File Shared', user, t + DAY));
      if (retained) messages.push(track('Message Sent', user, t + 23 * DAY));
    }
    const store = await storeFrom(messages);
    const report = await leadingReport(contextOf(store, WITH_SETUP));
    expect(report.journey_strata).toEqual(['setup']);
    const file = find(report, 'File Shared', 1)!;
    const invite = find(report, 'Invite Sent', 3)!;
    expect(file.lift!).toBeGreaterThan(invite.lift!);
    expect(Math.abs(file.journey_lift! - 1)).toBeLessThan(0.2);
    expect(invite.journey_lift!).toBeGreaterThan(1.4);
    expect(report.indicators[0].event).toBe('Invite Sent');
    expect(report.indicators[0].score).toBeCloseTo(invite.score, 12);
    expect(find(report, 'Workspace Created', 1)!.score).toBeCloseTo(0, 12); // the stage itself: nothing beyond the stage
    // Both are significant on the raw comparison; only the invites are worth putting forward.
    expect(file.significant && invite.significant).toBe(true);
    expect(isAhaCandidate(file)).toBe(false);
    expect(isAhaCandidate(invite)).toBe(true);
    await store.close();
  });
});

describe('leading indicators on a log with no effect', () => {
  it('finds nothing significant after the correction', async () => {
    const random = rng(2026);
    const events = ['Invite Sent', 'Search Performed', 'File Shared', 'Export Started', 'Page Viewed', 'Integration Connected',
      'Comment Added', 'Emoji Reacted', 'Theme Changed', 'Profile Edited', 'Channel Joined', 'Help Opened'];
    const messages: unknown[] = [];
    for (let i = 0; i < 2500; i++) {
      const user = `n${i}`;
      const t = T0 + i * 10 * 60_000;
      messages.push(track('Signed Up', user, t));
      events.forEach((event, j) => {
        // Each event has its own popularity; counts 0–12, independent of retention.
        const mean = 0.3 + (j % 6) * 0.8;
        let n = 0;
        while (n < 12 && random() < mean / (mean + 1)) n++;
        for (let k = 0; k < n; k++) messages.push(track(event, user, t + Math.floor(random() * 7 * DAY)));
      });
      if (random() < 0.25) messages.push(track('Message Sent', user, t + 24 * DAY));
    }
    const store = await storeFrom(messages);
    const report = await leadingReport(contextOf(store));
    expect(report.tested).toBeGreaterThan(40);
    expect(report.indicators.filter((i) => i.significant)).toEqual([]);
    expect(Math.min(...report.indicators.map((i) => i.q_value))).toBeGreaterThan(0.05);
    await store.close();
  });
});

describe('the sentence', () => {
  const base = { event: 'Invite Sent', at_least: 3, within_days: 7, did_rate: 0.41, did_not_rate: 0.17, lift: 0.41 / 0.17, coverage: 0.28 };
  it('says the lift, both rates and the coverage', () => {
    expect(sentence(base, 'retain')).toBe('Users who do Invite Sent ≥ 3 times in their first 7 days retain 2.4× as often (41 % vs 17 %, 28 % of users).');
    expect(sentence({ ...base, at_least: 1, within_days: 1, did_rate: 0.05, did_not_rate: 0.1, lift: 0.5 }, 'upgrade'))
      .toBe('Users who do Invite Sent in their first day upgrade only 0.5× as often (5.0 % vs 10 %, 28 % of users).');
    expect(sentence({ ...base, did_not_rate: 0, lift: null }, 'retain')).toBe('Users who do Invite Sent ≥ 3 times in their first 7 days retain while nobody else does (41 % vs 0 %, 28 % of users).');
    expect(sentence({ ...base, lift: 14.2 }, 'retain')).toContain('retain 14× as often');
  });
});

describe('filters in words', () => {
  it('says each operator as a phrase, never as its config key', () => {
    const c = (op: Condition['op'], value: Condition['value']) => conditionText({ property: 'channel', op, value });
    expect(c('ne', 'self')).toBe('channel is not self');
    expect(c('eq', 'general')).toBe('channel is general');
    expect(c('in', ['a', 'b'])).toBe('channel is one of a, b');
    expect(c('nin', ['a'])).toBe('channel is none of a');
    expect(c('gte', 3)).toBe('channel is at least 3');
    expect(c('lt', 2)).toBe('channel is below 2');
    expect(c('exists', true)).toBe('channel is set');
    expect(c('exists', false)).toBe('channel is not set');
    expect(describeSelector({ events: ['Message Sent'], where: [{ property: 'channel', op: 'ne', value: 'self' }] })).toBe('Message Sent (channel is not self)');
  });
});

describe('on the demo company', () => {
  let demo: DemoCompany;
  let report: LeadingReport;
  beforeAll(async () => {
    demo = await demoCompany();
    report = await leadingReport(demo.ctx);
  });
  afterAll(() => demo.cleanup());

  it('ranks the planted aha moment (≥ 3 Invite Sent in the first 7 days) first, its sentence stating the measured lift', () => {
    const top = report.indicators[0];
    expect(top).toMatchObject({ event: 'Invite Sent', at_least: 3, within_days: 7, significant: true });
    expect(isAhaCandidate(top)).toBe(true);
    expect(top.lift!).toBeGreaterThan(2);
    expect(top.lift!).toBeLessThan(3.2);
    expect(top.coverage).toBeGreaterThan(0.25);
    expect(top.coverage).toBeLessThan(0.35);
    expect(top.sentence).toContain(`retain ${top.lift!.toFixed(1)}× as often`);
    expect(top.sentence).toMatch(/^Users who do Invite Sent ≥ 3 times in their first 7 days retain \d\.\d× as often \(\d+ % vs \d+(\.\d)? %, \d+ % of users\)\.$/);
    // The demo's own tally of the same behaviour (week 4 counted by calendar week there).
    expect(Math.abs(top.lift! - demo.summary.planted.aha_moment.lift)).toBeLessThan(0.4);
  });

  it('ranks the common but unrelated decoy (Search Performed) low: below every planted threshold, near zero, never significant', () => {
    const decoy = find(report, 'Search Performed', 1)!;
    expect(decoy.coverage).toBeGreaterThan(0.8);
    expect(Math.abs(decoy.lift! - 1)).toBeLessThan(0.2);
    const rank = report.indicators.indexOf(decoy);
    const lastInvite = Math.max(...report.indicators.filter((i) => i.event === 'Invite Sent' && i.at_least <= 3).map((i) => report.indicators.indexOf(i)));
    expect(rank).toBeGreaterThan(lastInvite);
    expect(Math.abs(decoy.score)).toBeLessThan(report.indicators[0].score / 4);
    const searches = report.indicators.filter((i) => i.event === 'Search Performed');
    expect(searches.filter((i) => i.significant || isAhaCandidate(i))).toEqual([]);
  });
});
