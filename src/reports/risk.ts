/**
 * Churn risk (leading indicators of churn): paying accounts that trip rules which have measurably
 * predicted churn or contraction on this store's own past, ranked, with the MRR at risk.
 *
 * Accounts: those with MRR > 0 at as-of (the sum over their subscriptions of the latest ledger row
 * effective at or before as-of). All windows end at as-of (exclusive). Rules (config `risk:`):
 * - seat_utilization: active users ÷ seats < `below`, where seats is the account trait `seats_trait`
 *   and a user is active with any event in the last `active_within` (not evaluated without seats);
 * - key_feature: uses of the key feature (default the North Star action) in the last `over` fell by
 *   at least `drop` against what the account's own rate over the `baseline` before gives for such a
 *   window, when there were at least `min_before` uses in the baseline;
 * - support_tickets: tickets (`event`) in the last `window` ≥ `min_tickets` and above `above` × what
 *   the weekly average of the `trailing_weeks` before would give for such a window;
 * - no_north_star: nobody in the account did the North Star action in the last `within`.
 * Each rule is backtested (risk-backtest.ts); only the predictive ones flag accounts. An account's
 * score is the sum over the predictive rules it trips of weight × the rule's measured precision; the
 * list is ranked by score, then MRR.
 */
import { InputError } from '../errors.js';
import type { RiskRuleId, RiskRules } from '../model/risk.js';
import type { ReportContext } from './context.js';
import { riskBacktest, type RiskBacktest } from './risk-backtest.js';
import { describeRules, evaluateAccounts, round2, type RiskSignals } from './risk-rules.js';

export type { RiskSignals } from './risk-rules.js';

export interface RiskAccount {
  account: string;
  mrr: number;
  score: number;
  /** The predictive rules the account trips. */
  rules: RiskRuleId[];
  /** One plain reason per rule in `rules`. */
  reasons: string[];
  signals: RiskSignals;
}

export interface RiskReport {
  as_of: string;
  rules: { id: RiskRuleId; enabled: boolean; weight: number; description: string; predictive: boolean; precision: number | null; lift: number | null; verdict: string }[];
  /** Paying accounts evaluated. */
  accounts_evaluated: number;
  total_mrr: number;
  /** Accounts tripping at least one predictive rule, riskiest first. */
  accounts: RiskAccount[];
  mrr_at_risk: number;
  share_of_mrr_at_risk: number | null;
  /** Per rule: accounts it flags (0 unless predictive), and `tripped`: accounts meeting its condition. */
  by_rule: { rule: RiskRuleId; accounts: number; mrr: number; tripped: number }[];
  backtest: RiskBacktest;
}

export async function riskReport(ctx: ReportContext, rules: RiskRules | undefined = ctx.model.risk): Promise<RiskReport> {
  if (!rules) throw new InputError('no churn-risk rules: the model was built without a config');
  const backtest = await riskBacktest(ctx, rules);
  const measured = new Map(backtest.rules.map((r) => [r.rule, r]));
  const weights = new Map(describeRules(rules).map((r) => [r.id, r.weight]));
  const evaluated = await evaluateAccounts(ctx, rules, ctx.asOf);
  const atRisk: RiskAccount[] = [];
  for (const a of evaluated) {
    const flagging = a.tripped.filter((t) => measured.get(t.id)!.predictive);
    if (!flagging.length) continue;
    const score = flagging.reduce((sum, t) => sum + weights.get(t.id)! * measured.get(t.id)!.precision!, 0);
    atRisk.push({ account: a.account, mrr: a.mrr, score: Math.round(score * 1000) / 1000, rules: flagging.map((t) => t.id), reasons: flagging.map((t) => t.reason), signals: a.signals });
  }
  atRisk.sort((a, b) => b.score - a.score || b.mrr - a.mrr || a.account.localeCompare(b.account));
  const total = round2(evaluated.reduce((sum, a) => sum + a.mrr, 0));
  const mrrAtRisk = round2(atRisk.reduce((sum, a) => sum + a.mrr, 0));
  return {
    as_of: new Date(ctx.asOf).toISOString(),
    rules: describeRules(rules).map((r) => {
      const m = measured.get(r.id)!;
      return { ...r, predictive: m.predictive, precision: m.precision, lift: m.lift, verdict: m.verdict };
    }),
    accounts_evaluated: evaluated.length,
    total_mrr: total,
    accounts: atRisk,
    mrr_at_risk: mrrAtRisk,
    share_of_mrr_at_risk: total > 0 ? mrrAtRisk / total : null,
    by_rule: backtest.rules.map(({ rule }) => {
      const hit = atRisk.filter((a) => a.rules.includes(rule));
      const tripped = evaluated.filter((a) => a.tripped.some((t) => t.id === rule)).length;
      return { rule, accounts: hit.length, mrr: round2(hit.reduce((sum, a) => sum + a.mrr, 0)), tripped };
    }),
    backtest,
  };
}
