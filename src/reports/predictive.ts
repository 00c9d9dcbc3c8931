/**
 * Predictive dashboard data (docs/beyond.md, the predictive dashboard): each business goal's
 * lagging indicator (the result) next to the leading indicator measured to predict it, as weekly
 * series over the same weeks, with the measured relation in one sentence.
 *
 * | goal                     | lagging (the result)                      | leading (the predictor)                                  |
 * |--------------------------|-------------------------------------------|----------------------------------------------------------|
 * | Increase user retention  | week-4 retention of each signup week      | share of that week's signups doing the top aha behaviour |
 * | Grow subscription revenue| MRR at the end of each week               | free-to-paid conversion: upgrades ÷ signups that week    |
 * | Improve user engagement  | the North Star                            | the input metric that best leads it (metric tree)        |
 * | Reduce customer churn    | customer churn: paying accounts lost ÷ paying at week start | MRR at risk now (churn-risk rules)     |
 *
 * The retention pair also carries a forecast: for a signup week whose week 4 has not come yet, the
 * retention its behaviour share predicts (share × did_rate + (1 − share) × did_not_rate of the
 * indicator), so the dashboard shows where the lagging line is heading before it gets there.
 */
import type { Segment, TimeRange } from '../model/metrics.js';
import { periodsIn, parseDate, periodName, type Period } from '../model/time.js';
import { compileIndicatorCohorts } from '../query/plans/leading.js';
import { compileMrrAt } from '../query/plans/risk.js';
import { run, type ReportContext } from './context.js';
import { weeklyStagesReport } from './funnel.js';
import { DEFAULT_WITHIN_DAYS, isAhaCandidate, leadingReport, RETAINED_WINDOW_DAYS } from './leading.js';
import type { LeadingIndicator } from './leading-candidates.js';
import { seriesReport, type SeriesPoint } from './north-star.js';
import { riskReport } from './risk.js';
import { treeReport } from './tree.js';

export interface PredictiveIndicator {
  id: string;
  name: string;
  unit: 'rate' | 'count' | 'money';
  /** Weekly values; null where not measurable (yet). */
  series: SeriesPoint[] | null;
  /** A single current value, for indicators that are a snapshot. */
  value?: number | null;
  /** Predicted values where the lagging indicator is not known yet. */
  forecast?: SeriesPoint[];
}

export interface PredictivePair {
  goal: string;
  lagging: PredictiveIndicator;
  leading: PredictiveIndicator | null;
  /** The measured relation, in one sentence; null when nothing was found. */
  relation: string | null;
  /** The textbook example pair for this goal (docs/beyond.md). */
  example: string;
}

export interface PredictiveReport {
  weeks: string[];
  segment: Segment;
  pairs: PredictivePair[];
}

/** The best indicator that is significant, positive and more than a sign of activation: what the dashboard puts forward. */
export function topIndicator(indicators: readonly LeadingIndicator[]): LeadingIndicator | null {
  return indicators.find(isAhaCandidate) ?? null;
}

export async function predictiveReport(ctx: ReportContext, range: TimeRange, segment: Segment = 'all'): Promise<PredictiveReport> {
  const weeks = periodsIn(range, 'week', ctx.model.time);
  const names = weeks.map((w) => w.name);
  const pairs: PredictivePair[] = [
    await retentionPair(ctx, range, segment, names),
    await revenuePair(ctx, range, segment, weeks),
    await engagementPair(ctx, range, segment),
    await churnPair(ctx, weeks),
  ];
  return { weeks: names, segment, pairs };
}

const rate = (num: number, den: number) => (den > 0 ? num / den : null);

/** Retention: week-4 retention per signup week vs the share doing the top aha behaviour. */
async function retentionPair(ctx: ReportContext, range: TimeRange, segment: Segment, names: string[]): Promise<PredictivePair> {
  const retained = await leadingReport(ctx, { outcome: 'retained', segment });
  const aha = topIndicator(retained.indicators);
  const signup = ctx.model.journey.find((s) => s.stage === 'signup')!;
  const cohortRows = await run<{ cohort: string; actors: number; behaviour_observed: number; did: number; outcome_observed: number; reached: number }>(
    ctx, compileIndicatorCohorts(ctx.query, {
      signup,
      outcome: { kind: 'retained', selector: ctx.model.retentionSelector, fromDays: RETAINED_WINDOW_DAYS[0], toDays: RETAINED_WINDOW_DAYS[1] },
      horizonDays: RETAINED_WINDOW_DAYS[1],
      events: aha ? [aha.event] : signup.selector.events,
      atLeast: aha?.at_least ?? 1,
      withinDays: aha?.within_days ?? DEFAULT_WITHIN_DAYS,
      range, asOf: ctx.asOf, segment,
    }),
  );
  const byCohort = new Map(cohortRows.map((r) => [periodName(parseDate(r.cohort), 'week', ctx.model.time.weekStart), r]));
  const retention = names.map((period) => {
    const r = byCohort.get(period);
    return { period, value: r ? rate(Number(r.reached), Number(r.outcome_observed)) : null };
  });
  const share = names.map((period) => {
    const r = byCohort.get(period);
    return { period, value: r ? rate(Number(r.did), Number(r.behaviour_observed)) : null };
  });
  const forecast = aha
    ? share.filter((p, i) => p.value !== null && retention[i].value === null)
      .map((p) => ({ period: p.period, value: p.value! * aha.did_rate + (1 - p.value!) * aha.did_not_rate }))
    : [];
  return {
    goal: 'Increase user retention',
    lagging: { id: 'retention.week4', name: 'Week-4 retention of each signup week', unit: 'rate', series: retention },
    leading: aha
      ? {
        id: `leading.${aha.event}`, unit: 'rate', series: share, forecast,
        name: `Signups doing ${aha.event}${aha.at_least > 1 ? ` ≥ ${aha.at_least} times` : ''} in their first ${aha.within_days} days`,
      }
      : null,
    relation: aha ? aha.sentence : 'No early behaviour predicts week-4 retention significantly yet.',
    example: 'A meditation app like Calm knows users who complete 3 sessions in their first week are 80% more likely to stick around.',
  };
}

/** Revenue: MRR vs the weekly free-to-paid conversion. */
async function revenuePair(ctx: ReportContext, range: TimeRange, segment: Segment, weeks: Period[]): Promise<PredictivePair> {
  const mrrRows = weeks.length ? await run<{ t: number; mrr: number }>(ctx, compileMrrAt(ctx.query, weeks.map((w) => w.to))) : [];
  // Rounded to cents: engines sum doubles in different orders.
  const mrrAt = new Map(mrrRows.map((r) => [Number(r.t), Math.round(Number(r.mrr) * 100) / 100]));
  const stages = await weeklyStagesReport(ctx, range, segment);
  const hasUpgrade = ctx.model.journey.some((s) => s.stage === 'upgrade');
  const conversion = stages.weeks.map((w) => ({ period: w.week, value: rate(w.stages.upgrade ?? 0, w.stages.signup ?? 0) }));
  const upgraded = hasUpgrade ? topIndicator((await leadingReport(ctx, { outcome: 'upgraded', segment })).indicators) : null;
  return {
    goal: 'Grow subscription revenue',
    lagging: { id: 'health.mrr', name: 'MRR', unit: 'money', series: weeks.map((w) => ({ period: w.name, value: mrrAt.get(w.to) ?? 0 })) },
    leading: hasUpgrade ? { id: 'conversion.free_to_paid', name: 'Free-to-paid conversion (upgrades ÷ signups per week)', unit: 'rate', series: conversion } : null,
    relation: upgraded ? upgraded.sentence : hasUpgrade ? 'No early behaviour predicts upgrading significantly yet.' : 'Configure journey.upgrade to follow conversion.',
    example: 'For a tool like Miro, the number of users on a free plan who create 3+ boards is a strong predictor of their likelihood to upgrade.',
  };
}

/** Engagement: the North Star vs the input metric that best leads it. */
async function engagementPair(ctx: ReportContext, range: TimeRange, segment: Segment): Promise<PredictivePair> {
  const tree = await treeReport(ctx, range);
  const northStar = segment === 'all' && tree.nodes.some((n) => n.id === 'north_star')
    ? tree.nodes.find((n) => n.id === 'north_star')!.series
    : (await seriesReport(ctx, { ...ctx.model.northStar, frequency: 'week' }, range, segment)).series;
  const driver = tree.edges.filter((e) => e.to === 'north_star' && e.moves_with_target)
    .sort((a, b) => (b.best_r ?? 0) - (a.best_r ?? 0))[0];
  const driverNode = driver ? tree.nodes.find((n) => n.id === driver.from) : undefined;
  return {
    goal: 'Improve user engagement',
    lagging: { id: 'north_star', name: ctx.model.northStar.name, unit: 'count', series: northStar },
    leading: driverNode ? { id: driverNode.id, name: driverNode.name, unit: 'count', series: driverNode.series } : null,
    relation: driver
      ? `${driver.from_name} leads ${driver.to_name} by ${driver.best_lag} week${driver.best_lag === 1 ? '' : 's'}: their week-over-week changes correlate at r = ${driver.best_r!.toFixed(2)}.`
      : 'No declared input metric measurably moves the North Star yet (see `truenorth tree`).',
    example: 'For an AI PM, this could be the rate at which users try a new generative feature after its release.',
  };
}

/** Churn: weekly customer churn vs the MRR at risk now. */
async function churnPair(ctx: ReportContext, weeks: Period[]): Promise<PredictivePair> {
  const instants = weeks.length ? [...weeks.map((w) => w.from), weeks[weeks.length - 1].to] : [];
  const accountRows = instants.length ? await run<{ t: number; account_id: string; mrr: number }>(ctx, compileMrrAt(ctx.query, instants, true)) : [];
  const paying = new Map<number, Set<string>>();
  for (const r of accountRows) {
    const t = Number(r.t);
    const set = paying.get(t) ?? new Set<string>();
    set.add(r.account_id);
    paying.set(t, set);
  }
  const churn = weeks.map((w) => {
    const start = paying.get(w.from) ?? new Set<string>();
    const end = paying.get(w.to) ?? new Set<string>();
    let lost = 0;
    for (const a of start) if (!end.has(a)) lost++;
    return { period: w.name, value: rate(lost, start.size) };
  });
  const risk = ctx.model.risk ? await riskReport(ctx) : null;
  return {
    goal: 'Reduce customer churn',
    lagging: { id: 'health.customer_churn', name: 'Customer churn (paying accounts lost ÷ paying at week start)', unit: 'rate', series: churn },
    leading: risk ? { id: 'risk.mrr_at_risk', name: 'MRR at risk (accounts flagged by predictive churn-risk rules)', unit: 'money', series: null, value: risk.mrr_at_risk } : null,
    relation: risk
      ? `${risk.accounts.length} of ${risk.accounts_evaluated} paying accounts flagged by a predictive churn-risk rule: ${money(risk.mrr_at_risk)} of ${money(risk.total_mrr)} MRR at risk.`
      : null,
    example: 'If a company pays for 10 seats but only 3 are active, they are signaling their intent to churn or downgrade at renewal.',
  };
}

function money(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 0 });
}
