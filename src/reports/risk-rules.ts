/**
 * The churn-risk rules on one account's signals at one instant: which rules it trips and why. Used
 * for "now" (the report) and for every past week of the backtest (risk-backtest.ts).
 */
import type { RiskRuleId, RiskRules } from '../model/risk.js';
import { eventsLabel } from '../model/metrics.js';
import { compileAccountSignals } from '../query/plans/risk.js';
import { run, type ReportContext } from './context.js';
import { DAY_MS } from '../model/time.js';

export interface RiskSignals {
  seats: number | null;
  active_users: number;
  /** active_users ÷ seats. */
  seat_utilization: number | null;
  key_feature_recent: number;
  /** Uses over the baseline window before the recent one. */
  key_feature_before: number;
  /** Recent daily rate ÷ baseline daily rate − 1; null when there was no use in the baseline. */
  key_feature_change: number | null;
  tickets_recent: number;
  /** Weekly average over the trailing weeks. */
  tickets_weekly_average: number;
  /** Days since the last North Star action; null when none in the lookback window. */
  days_since_north_star: number | null;
}

/** An account with the rules it trips at one instant (every enabled rule, predictive or not). */
export interface EvaluatedAccount {
  account: string;
  mrr: number;
  tripped: { id: RiskRuleId; reason: string }[];
  signals: RiskSignals;
}

export interface SignalRow {
  account_id: string;
  mrr: number;
  seats: number | null;
  active_users: number | null;
  key_recent: number | null;
  key_before: number | null;
  tickets_recent: number | null;
  tickets_trailing: number | null;
  last_north_star: number | null;
}

/** Every paying account at `asOf` with the rules it trips. One statement. */
export async function evaluateAccounts(ctx: ReportContext, rules: RiskRules, asOf: number): Promise<EvaluatedAccount[]> {
  const rows = await run<SignalRow>(ctx, compileAccountSignals(ctx.query, {
    asOf,
    seatsTrait: rules.seatsTrait,
    activeDays: rules.seatUtilization?.activeDays ?? 28,
    keyFeature: rules.keyFeature?.selector ?? rules.northStar,
    keyDays: rules.keyFeature?.days ?? 7,
    keyBaselineDays: rules.keyFeature?.baselineDays ?? 28,
    ticketEvents: rules.supportTickets?.events ?? ['Support Ticket Opened'],
    ticketDays: rules.supportTickets?.days ?? 7,
    trailingWeeks: rules.supportTickets?.trailingWeeks ?? 4,
    northStar: rules.northStar,
    lookbackDays: rules.noNorthStar?.days ?? 7,
  }));
  return rows.map((row) => evaluateAccount(rules, row, asOf));
}

export function describeRules(rules: RiskRules): { id: RiskRuleId; enabled: boolean; weight: number; description: string }[] {
  const d = (days: number) => `${Number.isInteger(days) ? days : days.toFixed(1)} days`;
  const s = rules.seatUtilization;
  const k = rules.keyFeature;
  const t = rules.supportTickets;
  const n = rules.noNorthStar;
  return [
    { id: 'seat_utilization', enabled: !!s, weight: s?.weight ?? 0, description: s ? `active users (any event in the last ${d(s.activeDays)}) ÷ seats below ${pct(s.below)}` : 'off' },
    { id: 'key_feature', enabled: !!k, weight: k?.weight ?? 0, description: k ? `${eventsLabel(k.selector.events)} down ≥ ${pct(k.drop)} over the last ${d(k.days)} vs the account's own rate over the ${d(k.baselineDays)} before (from ≥ ${k.minBefore})` : 'off' },
    { id: 'support_tickets', enabled: !!t, weight: t?.weight ?? 0, description: t ? `${eventsLabel(t.events)} in the last ${d(t.days)} above ${t.above}× the trailing ${t.trailingWeeks}-week average` : 'off' },
    { id: 'no_north_star', enabled: !!n, weight: n?.weight ?? 0, description: n ? `no ${eventsLabel(rules.northStar.events)} in the last ${d(n.days)}` : 'off' },
  ];
}

/** Evaluates the rules on one account's signals: the rules tripped and their reasons. */
export function evaluateAccount(rules: RiskRules, row: SignalRow, asOf: number): EvaluatedAccount {
  const num = (v: number | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
  const seats = row.seats === null || row.seats === undefined || !(Number(row.seats) > 0) ? null : Number(row.seats);
  const active = num(row.active_users);
  const recent = num(row.key_recent);
  const before = num(row.key_before);
  const k = rules.keyFeature;
  // The baseline scaled to the recent window: the uses the account's own rate would give.
  const expectedUses = k ? (before * k.days) / k.baselineDays : before;
  const tickets = num(row.tickets_recent);
  const trailingWeeks = rules.supportTickets?.trailingWeeks ?? 1;
  const weekly = num(row.tickets_trailing) / trailingWeeks;
  const last = row.last_north_star === null || row.last_north_star === undefined ? null : Number(row.last_north_star);
  const signals: RiskSignals = {
    seats,
    active_users: active,
    seat_utilization: seats ? active / seats : null,
    key_feature_recent: recent,
    key_feature_before: before,
    key_feature_change: expectedUses > 0 ? recent / expectedUses - 1 : null,
    tickets_recent: tickets,
    tickets_weekly_average: weekly,
    days_since_north_star: last === null ? null : (asOf - last) / DAY_MS,
  };
  const tripped: EvaluatedAccount['tripped'] = [];
  const s = rules.seatUtilization;
  if (s && seats !== null && active / seats < s.below) {
    tripped.push({ id: 'seat_utilization', reason: `${active} of ${seats} seats active (${pct(active / seats)}, below ${pct(s.below)})` });
  }
  if (k && before >= k.minBefore && 1 - recent / expectedUses >= k.drop - 1e-9) {
    const usual = `${round1(expectedUses)} usual for ${Math.round(k.days)} days`;
    tripped.push({ id: 'key_feature', reason: `${eventsLabel(k.selector.events)} down ${pct(1 - recent / expectedUses)} (${recent} in ${Math.round(k.days)} days, ${usual})` });
  }
  const t = rules.supportTickets;
  if (t) {
    const expected = (weekly * t.days) / 7;
    if (tickets >= t.minTickets && tickets > t.above * expected) {
      const vs = expected > 0 ? `${(tickets / expected).toFixed(1)}× the trailing average` : `none in the ${t.trailingWeeks} weeks before`;
      tripped.push({ id: 'support_tickets', reason: `${tickets} support ticket${tickets === 1 ? '' : 's'} in ${Math.round(t.days)} days (${vs})` });
    }
  }
  const n = rules.noNorthStar;
  if (n && (last === null || asOf - last > n.days * DAY_MS)) {
    const since = last === null ? 'none recently' : `last ${Math.floor((asOf - last) / DAY_MS)} days ago`;
    tripped.push({ id: 'no_north_star', reason: `no ${eventsLabel(rules.northStar.events)} in ${Math.round(n.days)} days (${since})` });
  }
  return { account: row.account_id, mrr: round2(Number(row.mrr)), tripped, signals }; // cents: engines sum doubles in different orders
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round1(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

export function pct(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}
