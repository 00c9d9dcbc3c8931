/**
 * How well each churn-risk rule has predicted, measured on the store's own past: at each of the
 * past `weeks` instants w (7 days apart, the latest `horizonWeeks` before as-of so every outcome is
 * known), every paying account is a case; it is a **hit** when its MRR at any of the next
 * `horizonWeeks` weekly instants is below its MRR at w (it churned or contracted). For each rule:
 * precision = hits among the cases it flagged; base rate = hits among all cases; lift = precision ÷
 * base rate. A rule is **predictive** (and may flag accounts now) when it flagged at least
 * `minFlagged` cases, its lift is above 1 and the flagged cases churn or contract more often than
 * the unflagged ones at one-sided significance RISK_SIGNIFICANCE (pooled two-proportion z-test).
 */
import { RISK_RULE_IDS, RISK_SIGNIFICANCE, type RiskRuleId, type RiskRules } from '../model/risk.js';
import { compileMrrAt } from '../query/plans/risk.js';
import { run, type ReportContext } from './context.js';
import { evaluateAccounts } from './risk-rules.js';
import { twoProportionTest } from './stats.js';
import { WEEK_MS } from '../model/time.js';

/** MRR differences below half a cent are rounding, not contraction. */
const CENT = 0.005;

export interface RuleBacktest {
  rule: RiskRuleId;
  enabled: boolean;
  /** (account, week) cases the rule flagged, and how many of them churned or contracted. */
  flagged: number;
  hits: number;
  precision: number | null;
  /** precision ÷ base rate. */
  lift: number | null;
  /** One-sided p-value: flagged cases churn or contract more often than unflagged ones. */
  p_value: number | null;
  predictive: boolean;
  /** Why the rule does or does not flag accounts, in a sentence. */
  verdict: string;
}

export interface RiskBacktest {
  horizon_weeks: number;
  /** The first and last instants evaluated (ISO dates). */
  from: string | null;
  to: string | null;
  weeks: number;
  /** Paying (account, week) cases, and how many churned or contracted within the horizon. */
  cases: number;
  hits: number;
  base_rate: number | null;
  min_flagged: number;
  significance: number;
  rules: RuleBacktest[];
}

/** The instants of the backtest, oldest first. */
export function backtestInstants(asOf: number, horizonWeeks: number, weeks: number): number[] {
  const out: number[] = [];
  for (let j = weeks - 1; j >= 0; j--) out.push(asOf - (horizonWeeks + j) * WEEK_MS);
  return out;
}

export async function riskBacktest(ctx: ReportContext, rules: RiskRules): Promise<RiskBacktest> {
  const { horizonWeeks, weeks, minFlagged } = rules.backtest;
  const instants = backtestInstants(ctx.asOf, horizonWeeks, weeks);
  const future: number[] = [];
  for (let t = instants[0] + WEEK_MS; t <= ctx.asOf; t += WEEK_MS) future.push(t);
  const mrrRows = await run<{ t: number; account_id: string; mrr: number }>(ctx, compileMrrAt(ctx.query, future, true));
  const mrrAt = new Map(mrrRows.map((r) => [`${Number(r.t)}|${r.account_id}`, Number(r.mrr)]));
  const enabled = new Set(enabledRules(rules));
  const tally = new Map<RiskRuleId, { flagged: number; hits: number }>(RISK_RULE_IDS.map((id) => [id, { flagged: 0, hits: 0 }]));
  let cases = 0;
  let hits = 0;
  const withCases: number[] = [];
  for (const w of instants) {
    const accounts = await evaluateAccounts(ctx, rules, w);
    if (accounts.length) withCases.push(w);
    for (const a of accounts) {
      let hit = false;
      for (let k = 1; k <= horizonWeeks && !hit; k++) hit = (mrrAt.get(`${w + k * WEEK_MS}|${a.account}`) ?? 0) < a.mrr - CENT;
      cases++;
      if (hit) hits++;
      for (const { id } of a.tripped) {
        const t = tally.get(id)!;
        t.flagged++;
        if (hit) t.hits++;
      }
    }
  }
  const base = cases > 0 ? hits / cases : null;
  const day = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString().slice(0, 10));
  return {
    horizon_weeks: horizonWeeks,
    from: day(withCases[0]),
    to: day(withCases[withCases.length - 1]),
    weeks: withCases.length,
    cases,
    hits,
    base_rate: base,
    min_flagged: minFlagged,
    significance: RISK_SIGNIFICANCE,
    rules: RISK_RULE_IDS.map((rule) => judge(rule, enabled.has(rule), tally.get(rule)!, { cases, hits, minFlagged })),
  };
}

function judge(rule: RiskRuleId, enabled: boolean, t: { flagged: number; hits: number }, all: { cases: number; hits: number; minFlagged: number }): RuleBacktest {
  const base = all.cases > 0 ? all.hits / all.cases : null;
  const precision = t.flagged > 0 ? t.hits / t.flagged : null;
  const lift = precision !== null && base ? precision / base : null;
  const test = twoProportionTest(t.hits, t.flagged, all.hits - t.hits, all.cases - t.flagged);
  const pValue = t.flagged > 0 && t.flagged < all.cases ? (test.z > 0 ? test.pValue / 2 : 1 - test.pValue / 2) : null;
  const predictive = enabled && t.flagged >= all.minFlagged && lift !== null && lift > 1 && pValue !== null && pValue < RISK_SIGNIFICANCE;
  let verdict: string;
  if (!enabled) verdict = 'off';
  else if (predictive) verdict = `predictive here: ${pctText(precision!)} of flagged accounts churned or contracted vs ${pctText(base!)} of all (${lift!.toFixed(1)}×)`;
  else if (t.flagged < all.minFlagged) verdict = `not predictive here: only ${t.flagged} flagged case${t.flagged === 1 ? '' : 's'} in the backtest (needs ${all.minFlagged})`;
  else verdict = `not predictive here: ${pctText(precision ?? 0)} of flagged accounts churned or contracted vs ${pctText(base ?? 0)} of all${lift !== null ? ` (${lift.toFixed(1)}×)` : ''}`;
  return { rule, enabled, flagged: t.flagged, hits: t.hits, precision, lift, p_value: pValue, predictive, verdict };
}

function enabledRules(rules: RiskRules): RiskRuleId[] {
  const on: Record<RiskRuleId, boolean> = {
    seat_utilization: !!rules.seatUtilization,
    key_feature: !!rules.keyFeature,
    support_tickets: !!rules.supportTickets,
    no_north_star: !!rules.noNorthStar,
  };
  return RISK_RULE_IDS.filter((id) => on[id]);
}

function pctText(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}
