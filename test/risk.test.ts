import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { writeLedger, type LedgerEntry } from '../src/engine/ingest/import-ledger.js';
import { ConfigError } from '../src/errors.js';
import { reportContext } from '../src/reports/context.js';
import { predictiveReport } from '../src/reports/predictive.js';
import { riskReport, type RiskReport } from '../src/reports/risk.js';
import { evaluateAccounts, type EvaluatedAccount } from '../src/reports/risk-rules.js';
import { storeFrom } from './helpers/fixture-store.js';
import { DAY, group, HOUR, track } from './helpers/beyond.js';
import { modelFromConfig, riskRulesFromConfig } from '../src/config/model.js';

const lines = (...rows: string[]) => rows.join('\n') + '\n';
const BASE = [
  'product: T',
  'journey:',
  '  visit: { event: Page Viewed }',
  '  signup: { event: Signed Up }',
  '  upgrade: { event: Subscription Started }',
  'north_star: { name: Messages, event: Message Sent, where: { channel: { ne: self } }, measure: count, frequency: week }',
];
const config = (...risk: string[]) => parseConfig(lines(...BASE, ...risk));

function configError(text: string): ConfigError {
  try {
    parseConfig(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config: risk', () => {
  it('turns every rule on with its defaults when the section is absent', () => {
    const rules = riskRulesFromConfig(config());
    expect(rules).toEqual({
      seatsTrait: 'seats',
      seatUtilization: { below: 0.5, activeDays: 28, weight: 1 },
      keyFeature: { selector: { events: ['Message Sent'], where: [{ property: 'channel', op: 'ne', value: 'self' }] }, drop: 0.5, days: 7, baselineDays: 28, minBefore: 10, weight: 1 },
      supportTickets: { events: ['Support Ticket Opened'], above: 2, days: 7, trailingWeeks: 4, minTickets: 1, weight: 1 },
      noNorthStar: { days: 7, weight: 1 },
      northStar: { events: ['Message Sent'], where: [{ property: 'channel', op: 'ne', value: 'self' }] },
      backtest: { horizonWeeks: 4, weeks: 12, minFlagged: 10 },
    });
    expect(modelFromConfig(config()).risk).toEqual(rules);
  });

  it('takes every knob, and false (or enabled: false) turns a rule off', () => {
    const rules = riskRulesFromConfig(config(
      'risk:',
      '  seats_trait: licences',
      '  seat_utilization: false',
      '  key_feature: { event: Board Created, where: { template: { exists: false } }, drop: 0.3, over: 2w, baseline: 8w, min_before: 4, weight: 2 }',
      '  backtest: { horizon_weeks: 8, weeks: 20, min_flagged: 5 }',
      '  support_tickets: { event: Ticket Filed, above: 3, window: 14d, trailing_weeks: 8, min_tickets: 2 }',
      '  no_north_star: { enabled: false, within: 30d }',
    ));
    expect(rules.seatsTrait).toBe('licences');
    expect(rules.seatUtilization).toBeNull();
    expect(rules.keyFeature).toEqual({ selector: { events: ['Board Created'], where: [{ property: 'template', op: 'exists', value: false }] }, drop: 0.3, days: 14, baselineDays: 56, minBefore: 4, weight: 2 });
    expect(rules.backtest).toEqual({ horizonWeeks: 8, weeks: 20, minFlagged: 5 });
    expect(rules.supportTickets).toEqual({ events: ['Ticket Filed'], above: 3, days: 14, trailingWeeks: 8, minTickets: 2, weight: 1 });
    expect(rules.noNorthStar).toBeNull();
  });

  it('is strict: unknown keys, fractions and durations are named with their line', () => {
    const head = lines(...BASE);
    const at = BASE.length + 2;
    expect(configError(head + 'risk:\n  seat_utilization: { bellow: 0.5 }\n').message)
      .toBe(`truenorth.yaml:line ${at} risk.seat_utilization.bellow: unknown key "bellow" (did you mean "below"?)`);
    expect(configError(head + 'risk:\n  key_feature: { drop: 50 }\n').message)
      .toBe(`truenorth.yaml:line ${at} risk.key_feature.drop: expected a fraction between 0 and 1 (0.5 = 50 %), got 50`);
    expect(configError(head + 'risk:\n  no_north_star: { within: 14 }\n').message)
      .toBe(`truenorth.yaml:line ${at} risk.no_north_star.within: expected a duration like 14d, got 14 (add a unit: 14d)`);
    expect(configError(head + 'risk:\n  seat_utilisation: { below: 0.5 }\n').message)
      .toMatch(/risk.seat_utilisation: unknown key "seat_utilisation" \(did you mean "seat_utilization"\?\)/);
    expect(configError(head + 'risk:\n  support_tickets: { above: 0 }\n').message).toMatch(/risk.support_tickets.above: expected a number > 0, got 0/);
  });
});

describe('churn risk on a constructed company', () => {
  const A = Date.UTC(2026, 5, 1); // as-of: Monday 2026-06-01
  const messages: unknown[] = [];
  const ledger: LedgerEntry[] = [];
  const pay = (account: string, mrr: number, at = A - 60 * DAY, subscriptionId = '') =>
    ledger.push({ accountId: account, subscriptionId, effectiveAt: at, mrr, plan: null, currency: null });
  /** A user of an account; `seats` is the account trait. */
  const member = (user: string, account: string, seats?: number) =>
    messages.push(group(user, account, seats === undefined ? {} : { seats }, A - 90 * DAY));
  const times = (n: number, event: string, user: string, from: number, to: number, properties: object = {}) => {
    for (let i = 0; i < n; i++) messages.push(track(event, user, from + Math.floor(((to - from) * (i + 0.5)) / n), properties));
  };
  /** 20 North Star actions spread over the last 8 weeks: no drop, and a recent one. */
  const steady = (user: string) => times(20, 'Message Sent', user, A - 56 * DAY, A - DAY);

  // ok: 3 of 4 seats active, steady use, no tickets, recent North Star action.
  member('ok1', 'ok', 4); member('ok2', 'ok'); member('ok3', 'ok');
  times(20, 'Message Sent', 'ok1', A - 56 * DAY, A - 28 * DAY); times(20, 'Message Sent', 'ok1', A - 28 * DAY, A - DAY);
  messages.push(track('Page Viewed', 'ok2', A - 3 * DAY), track('Page Viewed', 'ok3', A - 27 * DAY));
  pay('ok', 500);
  // seats: 3 of 10 seats active (a fourth user last seen 29 days ago).
  member('s1', 'seats', 10); member('s2', 'seats'); member('s3', 'seats'); member('s4', 'seats');
  steady('s1'); messages.push(track('Page Viewed', 's2', A - DAY), track('Page Viewed', 's3', A - DAY), track('Page Viewed', 's4', A - 29 * DAY));
  pay('seats', 100);
  // drop: 20 → 9 uses (−55 %); drop50: 20 → 10 (exactly −50 %); small: 8 → 1 (below min_before).
  member('d1', 'drop', 1);
  times(20, 'Message Sent', 'd1', A - 56 * DAY, A - 28 * DAY); times(9, 'Message Sent', 'd1', A - 28 * DAY, A - HOUR);
  pay('drop', 300);
  member('e1', 'drop50', 1);
  times(20, 'Message Sent', 'e1', A - 56 * DAY, A - 28 * DAY); times(10, 'Message Sent', 'e1', A - 28 * DAY, A - HOUR);
  pay('drop50', 200);
  member('m1', 'small', 1);
  times(8, 'Message Sent', 'm1', A - 56 * DAY, A - 28 * DAY); messages.push(track('Message Sent', 'm1', A - 2 * DAY));
  pay('small', 40);
  // selfie: its recent messages all go to "self", which is neither the North Star nor (by default) the key feature.
  member('x1', 'selfie', 1);
  times(20, 'Message Sent', 'x1', A - 56 * DAY, A - 29 * DAY); times(12, 'Message Sent', 'x1', A - 20 * DAY, A - DAY, { channel: 'self' });
  pay('selfie', 30);
  // tickets: 4 in the 4 weeks before (1 a week), 3 in the last 7 days; even: 2 in the last 7 days (not above 2×);
  // fresh: none before, 1 now.
  for (const [account, before, now] of [['tickets', 4, 3], ['even', 4, 2], ['fresh', 0, 1]] as const) {
    member(`${account}1`, account, 1);
    steady(`${account}1`);
    times(before, 'Support Ticket Opened', `${account}1`, A - 35 * DAY, A - 7 * DAY);
    times(now, 'Support Ticket Opened', `${account}1`, A - 7 * DAY, A);
    pay(account, 50);
  }
  // silent: last North Star action 15 days ago; edge: exactly 14 days ago (not more than 14).
  member('q1', 'silent', 1);
  times(10, 'Message Sent', 'q1', A - 56 * DAY, A - 28 * DAY); times(10, 'Message Sent', 'q1', A - 28 * DAY, A - 15 * DAY);
  messages.push(track('Message Sent', 'q1', A - 15 * DAY));
  pay('silent', 75);
  member('r1', 'edge', 1);
  times(10, 'Message Sent', 'r1', A - 56 * DAY, A - 28 * DAY); times(9, 'Message Sent', 'r1', A - 28 * DAY, A - 15 * DAY);
  messages.push(track('Message Sent', 'r1', A - 14 * DAY));
  pay('edge', 75);
  // two subscriptions summed; a cancelled account; one that starts paying after as-of; one that changed at as-of itself.
  member('t1', 'two', 1); steady('t1');
  pay('two', 60, A - 60 * DAY, 's1'); pay('two', 40, A - 30 * DAY, 's2'); pay('two', 45, A - 10 * DAY, 's1');
  member('c1', 'cancelled', 1); pay('cancelled', 90); pay('cancelled', 0, A - 5 * DAY);
  member('f1', 'future', 1); pay('future', 90, A + DAY);
  member('n1', 'now', 1); steady('n1'); pay('now', 10); pay('now', 20, A);
  // nogroup: pays but no group call, no events at all: only "no North Star action" can be judged.
  pay('nogroup', 20);

  // The thresholds these accounts sit on: 28-day windows, silence over 14 days.
  const RULES = 'risk: { key_feature: { weight: 2, over: 28d, baseline: 28d }, no_north_star: { within: 14d } }';
  let store: DuckDbStore;
  let accounts: EvaluatedAccount[];
  let report: RiskReport;
  const byId = (id: string) => accounts.find((a) => a.account === id && a.tripped.length > 0);
  const rulesOf = (id: string) => byId(id)?.tripped.map((t) => t.id);
  const reasonsOf = (id: string) => byId(id)?.tripped.map((t) => t.reason);
  beforeAll(async () => {
    store = await storeFrom(messages);
    await store.transaction(() => writeLedger(store, ledger, 'test'));
    const ctx = reportContext(store, modelFromConfig(config(RULES)), A);
    accounts = await evaluateAccounts(ctx, ctx.model.risk!, A);
    report = await riskReport(ctx);
  });
  afterAll(() => store.close());

  it('evaluates the paying accounts and their MRR at as-of (the latest row of every subscription, summed)', () => {
    expect(report.accounts_evaluated).toBe(14);
    // … + two: 45 + 40, now: 20 (changed at as-of itself), selfie: 30.
    expect(report.total_mrr).toBe(500 + 100 + 300 + 200 + 40 + 3 * 50 + 75 + 75 + 85 + 20 + 20 + 30);
    expect(accounts.some((a) => ['cancelled', 'future'].includes(a.account))).toBe(false);
    expect(byId('ok')).toBeUndefined();
  });

  it('trips each rule exactly at its threshold', () => {
    expect(byId('seats')).toMatchObject({ tripped: [{ id: 'seat_utilization', reason: '3 of 10 seats active (30 %, below 50 %)' }] });
    expect(byId('seats')!.signals).toMatchObject({ seats: 10, active_users: 3, seat_utilization: 0.3 });
    expect(reasonsOf('drop')).toEqual(['Message Sent down 55 % (9 in 28 days, 20 usual for 28 days)']);
    expect(rulesOf('drop50')).toEqual(['key_feature']);
    expect(byId('small')).toBeUndefined();
    expect(reasonsOf('tickets')).toEqual(['3 support tickets in 7 days (3.0× the trailing average)']);
    expect(byId('tickets')!.signals.tickets_weekly_average).toBe(1);
    expect(byId('even')).toBeUndefined();
    expect(reasonsOf('fresh')).toEqual(['1 support ticket in 7 days (none in the 4 weeks before)']);
    expect(reasonsOf('silent')).toEqual(['no Message Sent in 14 days (last 15 days ago)']);
    expect(byId('edge')).toBeUndefined();
    expect(byId('nogroup')).toMatchObject({ mrr: 20, tripped: [{ id: 'no_north_star', reason: 'no Message Sent in 14 days (none recently)' }] });
    expect(byId('nogroup')!.signals.seats).toBeNull();
    expect(rulesOf('selfie')).toEqual(['key_feature', 'no_north_star']);
    expect(byId('selfie')!.signals).toMatchObject({ key_feature_before: 20, key_feature_recent: 0, key_feature_change: -1 });
  });

  it('flags nobody when no rule has a track record here: it counts what each rule trips and says why it does not flag', () => {
    expect(report.accounts).toEqual([]);
    expect(report.mrr_at_risk).toBe(0);
    expect(report.by_rule).toEqual([
      { rule: 'seat_utilization', accounts: 0, mrr: 0, tripped: 1 },
      { rule: 'key_feature', accounts: 0, mrr: 0, tripped: 3 },
      { rule: 'support_tickets', accounts: 0, mrr: 0, tripped: 2 },
      { rule: 'no_north_star', accounts: 0, mrr: 0, tripped: 3 },
    ]);
    expect(report.rules.every((r) => !r.predictive && r.verdict.startsWith('not predictive here'))).toBe(true);
  });

  it('honours disabled rules', async () => {
    const off = await riskReport(reportContext(store, modelFromConfig(config('risk: { no_north_star: false, seat_utilization: false }')), A));
    expect(off.rules.find((r) => r.id === 'no_north_star')).toMatchObject({ enabled: false, description: 'off', predictive: false, verdict: 'off' });
    expect(off.by_rule.find((r) => r.rule === 'no_north_star')!.tripped).toBe(0);
  });

  it('feeds the predictive dashboard: MRR at risk next to customer churn', async () => {
    const ctx = reportContext(store, modelFromConfig(config()), A);
    const report = await predictiveReport(ctx, { from: A - 2 * 7 * DAY, to: A });
    expect(report.weeks).toEqual(['2026-W21', '2026-W22']);
    expect(report.pairs.map((p) => p.goal)).toEqual(['Increase user retention', 'Grow subscription revenue', 'Improve user engagement', 'Reduce customer churn']);
    const churn = report.pairs[3];
    // 'cancelled' stops paying in W22: 1 of the 15 accounts paying at its start.
    expect(churn.lagging.series!.map((p) => p.value)).toEqual([0, 1 / 15]);
    // No rule has a track record on this store, so no MRR is called at risk.
    expect(churn.leading!.value).toBe(0);
    // MRR at the end of each week (before the next week starts: the change at as-of is not in yet).
    expect(report.pairs[1].lagging.series!.map((p) => p.value)).toEqual([1675, 1585]);
  });
});
