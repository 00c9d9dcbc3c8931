/**
 * Alerts between Mondays (docs/alerts.md): a pure evaluation over numbers the app layer fetched. Each
 * alert names its condition with a stable key (kind, row or step, week): delivery fires a key once.
 */
import { countAnomaly, rateDrop, type CountFinding, type CountFloors, type RateFinding } from './alerts-stats.js';
import type { Target } from '../model/scorecard-rows.js';
import { formatValue, type Unit } from './scorecard.js';
import { targetText } from './digest.js';

export type AlertKind = 'off_pace' | 'anomaly' | 'funnel_step' | 'retention_cohort';

export interface Alert {
  /** kind:row:week — the condition; delivery fires each key once. */
  key: string;
  kind: AlertKind;
  /** The scorecard row it concerns (a funnel step: the later stage's row; retention: the North Star's). */
  row: string;
  name: string;
  owner: string | null;
  /** The week the condition is in. */
  week: string;
  /** The first day (or week) of the run of days (or weeks) the condition has held. */
  since: string;
  /** One sentence: what, how far, since when. */
  what: string;
  value: number;
  usual: number;
  /** Relative to `usual` (−0.4 = 40 % below). */
  change: number;
  unit: Unit;
  z: number | null;
}

/** A row with one count per day. */
export interface DailyRow {
  row: string;
  name: string;
  owner: string | null;
  lower_is_better?: boolean;
  /** One per entry of `AlertInputs.dates`; null: no data that day (never read as zero). */
  values: (number | null)[];
}

/** A rate per week: a journey step's conversion. */
export interface WeeklyRate {
  row: string;
  name: string;
  owner: string | null;
  /** Oldest first; the last is the week judged. */
  weeks: string[];
  numerators: (number | null)[];
  denominators: (number | null)[];
}

/** A weekly cohort whose second week has passed: its size and how many came back that week. */
export interface CohortReturn {
  cohort: string;
  size: number;
  returned: number;
}

/** A scorecard row on track in the last complete week whose projection for this one misses its target (from the pace report). */
export interface OffPace {
  row: string;
  name: string;
  owner: string | null;
  week: string;
  /** The cut as people read it: `Wednesday 12:00`. */
  counted_to: string;
  /** The share of a whole week past weeks had reached by the cut. */
  share: number;
  value: number;
  projected: number;
  target: Target;
  unit: Unit;
}

export interface AlertInputs {
  /** Consecutive local dates, oldest first; the last is the day judged (the last complete one). */
  dates: string[];
  /** Where the last date falls in its week: 0 = the week's first day. */
  day_of_week: number;
  /** The week of the last date. */
  week: string;
  counts: DailyRow[];
  steps: WeeklyRate[];
  /** Oldest first; the last is judged against the ones before. */
  cohorts: CohortReturn[];
  retention_owner: string | null;
  off_pace: OffPace[];
}

export interface AlertRules {
  off_pace: { enabled: boolean; after_share: number; min_gap: number; z: number };
  anomaly: CountFloors & { enabled: boolean; baseline_weeks: number };
  funnel_step: CountFloors & { enabled: boolean; baseline_weeks: number };
  retention_cohort: CountFloors & { enabled: boolean; baseline_cohorts: number };
}

export function evaluateAlerts(inputs: AlertInputs, rules: AlertRules): Alert[] {
  return [
    ...(rules.off_pace.enabled ? inputs.off_pace.flatMap((p) => offPaceAlert(p, rules.off_pace) ?? []) : []),
    ...(rules.anomaly.enabled ? inputs.counts.flatMap((row) => anomalyAlert(inputs, row, rules.anomaly) ?? []) : []),
    ...(rules.funnel_step.enabled ? inputs.steps.flatMap((step) => stepAlert(step, rules.funnel_step) ?? []) : []),
    ...(rules.retention_cohort.enabled ? [cohortAlert(inputs, rules.retention_cohort)].filter((a): a is Alert => a !== null) : []),
  ];
}

const pct = (change: number) => `${Math.round(Math.abs(change) * 100)} %`;
const direction = (change: number) => (change < 0 ? 'below' : 'above');

/** How far a projection misses its target, relative to the bound it misses (0 when it meets it). */
export function targetGap(projected: number, target: Target): number {
  const below = (bound: number) => (projected < bound ? (bound - projected) / Math.abs(bound || 1) : 0);
  const above = (bound: number) => (projected > bound ? (projected - bound) / Math.abs(bound || 1) : 0);
  if ('gte' in target) return below(target.gte);
  if ('lte' in target) return above(target.lte);
  return Math.max(below(target.between[0]), above(target.between[1]));
}

/**
 * Judged once past weeks had reached `after_share` of their whole by this point, missing by at least
 * `min_gap` and, for a count, by `z` times the square root of the target (18 signups against 16 is noise).
 */
function offPaceAlert(p: OffPace, rule: AlertRules['off_pace']): Alert | null {
  const gap = targetGap(p.projected, p.target);
  if (p.share < rule.after_share || gap < rule.min_gap) return null;
  const bound = 'gte' in p.target ? p.target.gte : 'lte' in p.target ? p.target.lte : p.target.between[p.projected < p.target.between[0] ? 0 : 1];
  if (p.unit === 'count' && Math.abs(p.projected - bound) < rule.z * Math.sqrt(Math.abs(bound))) return null;
  const what = `${p.name} is off pace in ${p.week}: ${formatValue(p.value, p.unit)} by ${p.counted_to}, heading for ${formatValue(p.unit === 'count' ? Math.round(p.projected) : p.projected, p.unit)} against a target of ${targetText(p.target, p.unit)} (${pct(gap)} short)`;
  return {
    key: `off_pace:${p.row}:${p.week}`, kind: 'off_pace', row: p.row, name: p.name, owner: p.owner, week: p.week, since: p.week, what,
    value: p.projected, usual: bound, change: bound !== 0 ? (p.projected - bound) / Math.abs(bound) : 0, unit: p.unit, z: null,
  };
}

type CountTest = { finding: CountFinding; sofar: boolean };

/** The day at index `i` (and its week so far, from `dow` days before it) against the same days of earlier weeks. */
function countTestAt(values: (number | null)[], i: number, dow: number, rule: AlertRules['anomaly'], lower: boolean): CountTest | null {
  const sum = (end: number): number | null => {
    let total = 0;
    for (let j = end - dow; j <= end; j++) {
      const v = values[j];
      if (j < 0 || v === null || v === undefined) return null;
      total += v;
    }
    return total;
  };
  const earlier = (read: (end: number) => number | null) =>
    Array.from({ length: rule.baseline_weeks }, (_, k) => read(i - 7 * (k + 1))).filter((v): v is number => v !== null);
  const day = values[i];
  const daily = day === null ? null : countAnomaly(day, earlier((j) => (j >= 0 ? values[j] : null)), rule, lower);
  const total = dow > 0 ? sum(i) : null;
  const sofar = total === null ? null : countAnomaly(total, earlier(sum), rule, lower);
  if (daily && (!sofar || Math.abs(daily.z) >= Math.abs(sofar.z))) return { finding: daily, sofar: false };
  return sofar ? { finding: sofar, sofar: true } : null;
}

function anomalyAlert(inputs: AlertInputs, row: DailyRow, rule: AlertRules['anomaly']): Alert | null {
  const last = inputs.dates.length - 1;
  const lower = row.lower_is_better ?? false;
  const now = countTestAt(row.values, last, inputs.day_of_week, rule, lower);
  if (!now) return null;
  let first = last;
  while (first > last - inputs.day_of_week && countTestAt(row.values, first - 1, inputs.day_of_week - (last - first + 1), rule, lower)) first--;
  const { finding: f, sofar } = now;
  const day = inputs.dates[last];
  const span = sofar ? `so far this week (to ${day})` : `on ${day}`;
  const usual = sofar ? `the usual ${formatValue(Math.round(f.usual))} by this weekday` : `the usual ${formatValue(Math.round(f.usual))} for this weekday`;
  const what = `${row.name} ${span}: ${formatValue(f.value)}, ${pct(f.change)} ${direction(f.change)} ${usual} (z = ${f.z.toFixed(1)}), since ${inputs.dates[first]}`;
  return {
    key: `anomaly:${row.row}:${inputs.week}`, kind: 'anomaly', row: row.row, name: row.name, owner: row.owner, week: inputs.week,
    since: inputs.dates[first], what, value: f.value, usual: f.usual, change: f.change, unit: 'count', z: f.z,
  };
}

function rateTestAt(step: WeeklyRate, i: number, rule: AlertRules['funnel_step']): RateFinding | null {
  const x = step.numerators[i];
  const n = step.denominators[i];
  if (x === null || n === null || i < 0) return null;
  const baseline: { numerator: number; denominator: number }[] = [];
  for (let j = Math.max(0, i - rule.baseline_weeks); j < i; j++) {
    const [bx, bn] = [step.numerators[j], step.denominators[j]];
    if (bx !== null && bn !== null) baseline.push({ numerator: bx, denominator: bn });
  }
  return rateDrop(x, n, baseline, rule);
}

function stepAlert(step: WeeklyRate, rule: AlertRules['funnel_step']): Alert | null {
  const last = step.weeks.length - 1;
  const f = rateTestAt(step, last, rule);
  if (!f) return null;
  let first = last;
  while (first > 0 && rateTestAt(step, first - 1, rule)) first--;
  const week = step.weeks[last];
  const what = `${step.name} in ${week}: ${formatValue(f.rate, 'rate')} (${f.numerator} of ${f.denominator}), ${pct(f.change)} below ${formatValue(f.usual, 'rate')} over the ${rule.baseline_weeks} weeks before (z = ${f.z.toFixed(1)}), since ${step.weeks[first]}`;
  return {
    key: `funnel_step:${step.row}:${week}`, kind: 'funnel_step', row: step.row, name: step.name, owner: step.owner, week,
    since: step.weeks[first], what, value: f.rate, usual: f.usual, change: f.change, unit: 'rate', z: f.z,
  };
}

function cohortAlert(inputs: AlertInputs, rule: AlertRules['retention_cohort']): Alert | null {
  const cohorts = inputs.cohorts;
  const newest = cohorts[cohorts.length - 1];
  if (!newest) return null;
  const baseline = cohorts.slice(-1 - rule.baseline_cohorts, -1).map((c) => ({ numerator: c.returned, denominator: c.size }));
  const f = rateDrop(newest.returned, newest.size, baseline, rule);
  if (!f) return null;
  const what = `Retention of the ${newest.cohort} cohort: ${formatValue(f.rate, 'rate')} came back the week after (${f.numerator} of ${f.denominator}), ${pct(f.change)} below the ${formatValue(f.usual, 'rate')} of the ${baseline.length} cohorts before (z = ${f.z.toFixed(1)})`;
  return {
    key: `retention_cohort:north_star:${newest.cohort}`, kind: 'retention_cohort', row: 'north_star', name: 'Retention', owner: inputs.retention_owner,
    week: newest.cohort, since: newest.cohort, what, value: f.rate, usual: f.usual, change: f.change, unit: 'rate', z: f.z,
  };
}
