import { scorecardRows } from '../config/lint.js';
import type { Config } from '../config/schema.js';
import type { Segment, StageName } from '../model/metrics.js';
import { addPeriods, localDateOf, parsePeriod, periodStartDate, periodsIn, startOfLocalDate, type Period } from '../model/time.js';
import type { ReportContext } from './context.js';
import { weeklyStageCountsWithIdeal, weeklyStagesReport } from './funnel.js';
import { seriesReport } from './north-star.js';
import { SCORECARD_SECTIONS, unknownEventWarnings, type ConfigFinding } from './config-check.js';
import {
  accountabilityGaps, buildRow, ceoOfTheWeek, findBottleneck, praiseFor, targetGoal,
  type AccountabilityGaps, type Bottleneck, type CeoOfTheWeek, type JourneyStep, type ScorecardRow, type Unit,
} from './scorecard.js';

/** Weekly values of health rows and hand-entered values, by key, one per week (null = none). */
export type WeeklyValues = Record<string, (number | null)[]>;
export interface ScorecardProviders {
  /** Computed health metrics (`mrr`, `nrr`, …) per week. */
  health?: (names: string[], weeks: Period[]) => Promise<WeeklyValues>;
  /** Current hand-entered values per key (`cash_balance`, a metric id, a row id) per week. */
  manual?: (keys: string[], weeks: Period[]) => Promise<WeeklyValues>;
}

export interface ScorecardReport {
  weeks: string[];
  rows: ScorecardRow[];
  bottleneck: Bottleneck | null;
  /** The bottleneck among ideal users, against the same targets. */
  bottleneck_ideal: Bottleneck | null;
  ceo_of_the_week: CeoOfTheWeek | null;
  praise: { owner: string; metric: string }[];
  accountability: AccountabilityGaps;
  journey_steps: JourneyStep[];
  /** Event names the rows are computed from that the store does not hold (their rows read 0). */
  warnings: ConfigFinding[];
}

export interface ScorecardOptions {
  /** The last column (default: the last complete week before as-of). */
  week?: string;
  weeks?: number;
}

const LOWER_IS_BETTER = new Set(['revenue_churn', 'customer_churn', 'burn', 'cac']);
const HEALTH_UNITS: Record<string, Unit> = {
  mrr: 'money', arpc: 'money', cltv: 'money', cac: 'money', cash_balance: 'money', burn: 'money',
  revenue_churn: 'rate', customer_churn: 'rate', nrr: 'rate', grr: 'rate',
  quick_ratio: 'ratio', cltv_cac: 'ratio', runway: 'months',
};

/** The weeks shown: `count` weeks ending with `week` (default the last complete week). */
export function scorecardWeeks(ctx: ReportContext, options: ScorecardOptions, defaultCount: number): Period[] {
  const time = ctx.model.time;
  const count = options.weeks ?? defaultCount;
  const last = options.week
    ? parsePeriod(options.week, time.weekStart).start
    : addPeriods(periodStartDate(localDateOf(ctx.asOf, time.timezone), 'week', time.weekStart), 'week', -1);
  const first = addPeriods(last, 'week', -(count - 1));
  return periodsIn({ from: startOfLocalDate(first, time.timezone), to: startOfLocalDate(addPeriods(last, 'week', 1), time.timezone) }, 'week', time);
}

/** The row key hand-entered values are recorded under. */
export function manualKey(rowId: string): string {
  return rowId.startsWith('health.') ? rowId.slice('health.'.length) : rowId;
}

export async function scorecardReport(ctx: ReportContext, config: Config, options: ScorecardOptions = {}, providers: ScorecardProviders = {}): Promise<ScorecardReport> {
  const weeks = scorecardWeeks(ctx, options, config.scorecard.weeks);
  const range = { from: weeks[0].from, to: weeks[weeks.length - 1].to };
  const definitions = scorecardRows(config);

  const weeklyNorthStar = { ...ctx.model.northStar, frequency: 'week' as const };
  // All and ideal stage counts come from one pass over the events.
  const [northStar, { all: stagesAll, ideal: stagesIdeal }] = await Promise.all([
    seriesReport(ctx, weeklyNorthStar, range),
    ctx.model.idealUser ? weeklyStageCountsWithIdeal(ctx, range) : stageCounts(ctx, range, 'all').then((all) => ({ all, ideal: null })),
  ]);
  const metricSeries = new Map<string, (number | null)[]>();
  const shown = new Set(definitions.map((d) => d.id));
  for (const metric of ctx.model.metrics) {
    if (!shown.has(metric.id)) continue;
    const r = await seriesReport(ctx, { ...metric, frequency: 'week' }, range);
    metricSeries.set(metric.id, r.series.map((p) => p.value));
  }
  const computedHealth = Object.entries(config.health).filter(([, h]) => h.source === 'computed').map(([name]) => name);
  const health = computedHealth.length && providers.health ? await providers.health(computedHealth, weeks) : {};
  const manual = providers.manual ? await providers.manual(definitions.map((d) => manualKey(d.id)), weeks) : {};
  const none = weeks.map(() => null);

  const rows = definitions.map((d) => {
    const key = manualKey(d.id);
    const manualValues = manual[key] ?? none;
    const base = { id: d.id, name: rowName(config, d.id), owner: d.owner, target: d.target ?? null };
    if (d.id === 'north_star') return buildRow({ ...base, source: 'computed', unit: ctx.model.northStar.per ? 'ratio' : 'count' }, northStar.series.map((p) => p.value), manualValues);
    if (d.id.startsWith('journey.')) {
      const stage = d.id.slice('journey.'.length) as StageName;
      return buildRow({ ...base, source: 'computed' }, stagesAll[stage] ?? none, manualValues);
    }
    if (d.id.startsWith('health.')) {
      const lower = LOWER_IS_BETTER.has(key);
      const unit = HEALTH_UNITS[key] ?? 'count';
      if (config.health[key]?.source === 'manual') return buildRow({ ...base, source: 'manual', unit, lower_is_better: lower }, manualValues);
      return buildRow({ ...base, source: 'computed', unit, lower_is_better: lower }, health[key] ?? none, manualValues);
    }
    const metric = config.metrics.find((m) => m.id === d.id);
    if (metric?.source === 'manual') return buildRow({ ...base, source: 'manual' }, manualValues);
    return buildRow({ ...base, source: 'computed' }, metricSeries.get(d.id) ?? none, manualValues);
  });

  const steps = journeySteps(config, stagesAll);
  const lastStage = ctx.model.journey[ctx.model.journey.length - 1]?.stage ?? 'upgrade';
  const bottleneck = findBottleneck(steps, lastStage);
  const bottleneckIdeal = stagesIdeal ? findBottleneck(journeySteps(config, stagesIdeal), lastStage) : null;
  return {
    weeks: weeks.map((w) => w.name),
    rows,
    bottleneck,
    bottleneck_ideal: bottleneckIdeal,
    ceo_of_the_week: ceoOfTheWeek(bottleneck, rows),
    praise: praiseFor(rows),
    accountability: accountabilityGaps(rows),
    journey_steps: steps,
    warnings: await unknownEventWarnings(ctx, config, SCORECARD_SECTIONS),
  };
}

async function stageCounts(ctx: ReportContext, range: { from: number; to: number }, segment: Segment): Promise<Partial<Record<StageName, number[]>>> {
  const report = await weeklyStagesReport(ctx, range, segment);
  const out: Partial<Record<StageName, number[]>> = {};
  for (const s of ctx.model.journey) out[s.stage] = report.weeks.map((w) => w.stages[s.stage] ?? 0);
  return out;
}

/** Consecutive configured stages with this week's conversion and its target. */
export function journeySteps(config: Config, counts: Partial<Record<StageName, number[]>>): JourneyStep[] {
  const stages = (['visit', 'signup', 'setup', 'first_strike', 'kui', 'upgrade'] as const).filter((s) => config.journey[s]);
  const steps: JourneyStep[] = [];
  for (let i = 1; i < stages.length; i++) {
    const from = stages[i - 1];
    const to = stages[i];
    const fromCounts = counts[from] ?? [];
    const toCounts = counts[to] ?? [];
    const last = fromCounts.length - 1;
    const actual = last >= 0 && fromCounts[last] > 0 ? toCounts[last] / fromCounts[last] : null;
    const later = config.journey[to]!;
    const earlier = config.journey[from]!;
    const derived = later.target && earlier.target && targetGoal(earlier.target) > 0 ? targetGoal(later.target) / targetGoal(earlier.target) : null;
    steps.push({ from, to, actual_rate: actual, target_rate: later.target_rate ?? derived, owner: later.owner ?? earlier.owner ?? null });
  }
  return steps;
}

/** The display name of a scorecard row. */
export function rowName(config: Config, id: string): string {
  if (id === 'north_star') return config.north_star.name;
  if (id.startsWith('journey.')) {
    const stage = id.slice(8);
    const names: Record<string, string> = { visit: 'Unique visitors', signup: 'Signups', setup: 'Setups', first_strike: 'First strikes', kui: 'Key usage (KUI)', upgrade: 'Upgrades' };
    return names[stage] ?? stage;
  }
  if (id.startsWith('health.')) {
    const names: Record<string, string> = {
      mrr: 'MRR', revenue_churn: 'Gross revenue churn', nrr: 'Net revenue retention', grr: 'Gross revenue retention',
      customer_churn: 'Customer churn', arpc: 'ARPC', quick_ratio: 'Quick ratio', cltv: 'CLTV', cac: 'CAC',
      cltv_cac: 'CLTV:CAC', cash_balance: 'Cash balance', burn: 'Monthly burn', runway: 'Runway (months)',
    };
    return names[id.slice(7)] ?? id.slice(7);
  }
  return config.metrics.find((m) => m.id === id)?.name ?? id;
}

