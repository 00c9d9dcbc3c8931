/**
 * Churn risk (seed 003's leading indicators of churn): paying accounts that trip configurable rules,
 * ranked, with the MRR at risk.
 *
 * Accounts: those with MRR > 0 at as-of (the sum over their subscriptions of the latest ledger row
 * effective at or before as-of). All windows end at as-of (exclusive). Rules (config `risk:`):
 * - seat_utilization: active users ÷ seats < `below`, where seats is the account trait `seats_trait`
 *   and a user is active with any event in the last `active_within` (not evaluated without seats);
 * - key_feature: uses of the key feature (default the North Star action) in the last `over` fell by at
 *   least `drop` against the `over` before it, when there were at least `min_before` uses before;
 * - support_tickets: tickets (`event`) in the last `window` ≥ `min_tickets` and above `above` × what
 *   the weekly average of the `trailing_weeks` before would give for such a window;
 * - no_north_star: nobody in the account did the North Star action in the last `within`.
 * An account's risk score is the sum of the weights of the rules it trips; the list is ranked by
 * score, then MRR.
 */
import { InputError } from '../errors.js';
import type { RiskRuleId, RiskRules } from '../model/risk.js';
import { eventsLabel } from '../model/metrics.js';
import { compileAccountSignals } from '../query/plans/risk.js';
import { run, type ReportContext } from './context.js';

const DAY = 86_400_000;

export interface RiskSignals {
  seats: number | null;
  active_users: number;
  /** active_users ÷ seats. */
  seat_utilization: number | null;
  key_feature_recent: number;
  key_feature_before: number;
  /** (recent − before) ÷ before; null when there was no use before. */
  key_feature_change: number | null;
  tickets_recent: number;
  /** Weekly average over the trailing weeks. */
  tickets_weekly_average: number;
  /** Days since the last North Star action; null when none in the lookback window. */
  days_since_north_star: number | null;
}

export interface RiskAccount {
  account: string;
  mrr: number;
  score: number;
  rules: RiskRuleId[];
  /** One plain reason per tripped rule. */
  reasons: string[];
  signals: RiskSignals;
}

export interface RiskReport {
  as_of: string;
  rules: { id: RiskRuleId; enabled: boolean; weight: number; description: string }[];
  /** Paying accounts evaluated. */
  accounts_evaluated: number;
  total_mrr: number;
  /** Accounts tripping at least one rule, riskiest first. */
  accounts: RiskAccount[];
  mrr_at_risk: number;
  share_of_mrr_at_risk: number | null;
  by_rule: { rule: RiskRuleId; accounts: number; mrr: number }[];
}

interface SignalRow {
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

export function describeRules(rules: RiskRules): RiskReport['rules'] {
  const d = (days: number) => `${Number.isInteger(days) ? days : days.toFixed(1)} days`;
  const s = rules.seatUtilization;
  const k = rules.keyFeature;
  const t = rules.supportTickets;
  const n = rules.noNorthStar;
  return [
    { id: 'seat_utilization', enabled: !!s, weight: s?.weight ?? 0, description: s ? `active users (any event in the last ${d(s.activeDays)}) ÷ seats below ${pct(s.below)}` : 'off' },
    { id: 'key_feature', enabled: !!k, weight: k?.weight ?? 0, description: k ? `${eventsLabel(k.selector.events)} down ≥ ${pct(k.drop)} over the last ${d(k.days)} vs the ${d(k.days)} before (from ≥ ${k.minBefore})` : 'off' },
    { id: 'support_tickets', enabled: !!t, weight: t?.weight ?? 0, description: t ? `${eventsLabel(t.events)} in the last ${d(t.days)} above ${t.above}× the trailing ${t.trailingWeeks}-week average` : 'off' },
    { id: 'no_north_star', enabled: !!n, weight: n?.weight ?? 0, description: n ? `no ${eventsLabel(rules.northStar.events)} in the last ${d(n.days)}` : 'off' },
  ];
}

/** Evaluates the rules on one account's signals: the rules tripped, their reasons and the score. */
export function evaluateAccount(rules: RiskRules, row: SignalRow, asOf: number): RiskAccount {
  const num = (v: number | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
  const seats = row.seats === null || row.seats === undefined || !(Number(row.seats) > 0) ? null : Number(row.seats);
  const active = num(row.active_users);
  const recent = num(row.key_recent);
  const before = num(row.key_before);
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
    key_feature_change: before > 0 ? (recent - before) / before : null,
    tickets_recent: tickets,
    tickets_weekly_average: weekly,
    days_since_north_star: last === null ? null : (asOf - last) / DAY,
  };
  const tripped: { id: RiskRuleId; weight: number; reason: string }[] = [];
  const s = rules.seatUtilization;
  if (s && seats !== null && active / seats < s.below) {
    tripped.push({ id: 'seat_utilization', weight: s.weight, reason: `${active} of ${seats} seats active (${pct(active / seats)}, below ${pct(s.below)})` });
  }
  const k = rules.keyFeature;
  if (k && before >= k.minBefore && (before - recent) / before >= k.drop) {
    tripped.push({ id: 'key_feature', weight: k.weight, reason: `${eventsLabel(k.selector.events)} down ${pct((before - recent) / before)} (${before} → ${recent} in ${Math.round(k.days)} days)` });
  }
  const t = rules.supportTickets;
  if (t) {
    const expected = (weekly * t.days) / 7;
    if (tickets >= t.minTickets && tickets > t.above * expected) {
      const vs = expected > 0 ? `${(tickets / expected).toFixed(1)}× the trailing average` : `none in the ${t.trailingWeeks} weeks before`;
      tripped.push({ id: 'support_tickets', weight: t.weight, reason: `${tickets} support ticket${tickets === 1 ? '' : 's'} in ${Math.round(t.days)} days (${vs})` });
    }
  }
  const n = rules.noNorthStar;
  if (n && (last === null || asOf - last > n.days * DAY)) {
    const since = last === null ? 'none recently' : `last ${Math.floor((asOf - last) / DAY)} days ago`;
    tripped.push({ id: 'no_north_star', weight: n.weight, reason: `no ${eventsLabel(rules.northStar.events)} in ${Math.round(n.days)} days (${since})` });
  }
  return {
    account: row.account_id,
    mrr: round2(Number(row.mrr)), // cents: engines sum doubles in different orders
    score: tripped.reduce((sum, r) => sum + r.weight, 0),
    rules: tripped.map((r) => r.id),
    reasons: tripped.map((r) => r.reason),
    signals,
  };
}

export async function riskReport(ctx: ReportContext, rules: RiskRules | undefined = ctx.model.risk): Promise<RiskReport> {
  if (!rules) throw new InputError('no churn-risk rules: the model was built without a config');
  const asOf = ctx.asOf;
  const rows = await run<SignalRow>(ctx, compileAccountSignals(ctx.query, {
    asOf,
    seatsTrait: rules.seatsTrait,
    activeDays: rules.seatUtilization?.activeDays ?? 28,
    keyFeature: rules.keyFeature?.selector ?? rules.northStar,
    keyDays: rules.keyFeature?.days ?? 28,
    ticketEvents: rules.supportTickets?.events ?? ['Support Ticket Opened'],
    ticketDays: rules.supportTickets?.days ?? 7,
    trailingWeeks: rules.supportTickets?.trailingWeeks ?? 4,
    northStar: rules.northStar,
    lookbackDays: rules.noNorthStar?.days ?? 14,
  }));
  const evaluated = rows.map((row) => evaluateAccount(rules, row, asOf));
  const atRisk = evaluated.filter((a) => a.score > 0)
    .sort((a, b) => b.score - a.score || b.mrr - a.mrr || a.account.localeCompare(b.account));
  const total = round2(evaluated.reduce((sum, a) => sum + a.mrr, 0));
  const mrrAtRisk = round2(atRisk.reduce((sum, a) => sum + a.mrr, 0));
  const ids: RiskRuleId[] = ['seat_utilization', 'key_feature', 'support_tickets', 'no_north_star'];
  return {
    as_of: new Date(asOf).toISOString(),
    rules: describeRules(rules),
    accounts_evaluated: evaluated.length,
    total_mrr: total,
    accounts: atRisk,
    mrr_at_risk: mrrAtRisk,
    share_of_mrr_at_risk: total > 0 ? mrrAtRisk / total : null,
    by_rule: ids.map((rule) => {
      const hit = atRisk.filter((a) => a.rules.includes(rule));
      return { rule, accounts: hit.length, mrr: round2(hit.reduce((sum, a) => sum + a.mrr, 0)) };
    }),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function pct(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}
