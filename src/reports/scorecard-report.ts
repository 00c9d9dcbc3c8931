import { type EventSelector, type Segment, type SeriesMetric, type StageName } from '../model/metrics.js';
import { addPeriods, lastCompleteWeekStart, parsePeriod, type Period, periodsIn, startOfLocalDate } from '../model/time.js';
import type { ReportContext } from './context.js';
import { weeklyStageCountsWithIdeal, weeklyStagesReport } from './funnel.js';
import { seriesReport } from './north-star.js';
import { formulaWeekly } from './formula-series.js';
import { dataCoverage, eventGaps, rowWithGaps, type CellReasons } from './no-data.js';
import { bottleneckNote, ceoNote, stepGap } from './scorecard-notes.js';
import { praiseFor } from './praise.js';
import { paceReport, rowPaceOf, type PaceReport } from './pace-of-rows.js';
import {
  accountabilityGaps, ceoOfTheWeek, findBottleneck, monthOverMonth, rowReading, targetGoal,
  type AccountabilityGaps, type Bottleneck, type CeoOfTheWeek, type JourneyStep, type ScorecardRow, type Unit,
} from './scorecard.js';
import { rowName, type ScorecardModel } from '../model/scorecard-rows.js';
import type { ConfigFinding } from '../config/name-check.js';

/** Weekly values of health rows and hand-entered values, by key, one per week (null = none). */
export type WeeklyValues = Record<string, (number | null)[]>;
/** Computed health rows per week, why a week has no data, and the customers each week's rates are taken over. */
export interface HealthWeekly {
  values: WeeklyValues;
  reasons: Record<string, CellReasons>;
  base: (number | null)[];
  /** Rows read monthly: per week, the month its value is for, and the customers at that month's start. */
  monthly?: { names: string[]; months: string[]; base: (number | null)[] };
}
export interface ScorecardProviders {
  /** Computed health metrics (`mrr`, `nrr`, …) per week. */
  health?: (names: string[], weeks: Period[]) => Promise<HealthWeekly>;
  /** Current hand-entered values per key (`cash_balance`, a metric id, a row id) per week. */
  manual?: (keys: string[], weeks: Period[]) => Promise<WeeklyValues>;
  /** Event names the rows count that the store does not hold. */
  warnings?: () => Promise<ConfigFinding[]>;
}

export interface ScorecardReport {
  weeks: string[];
  rows: ScorecardRow[];
  bottleneck: Bottleneck | null;
  /** The bottleneck among ideal users, against the same targets. */
  bottleneck_ideal: Bottleneck | null;
  /** Why no bottleneck is named, or which steps it was not judged on for lack of data (docs/no-data.md). */
  bottleneck_note: string | null;
  ceo_of_the_week: CeoOfTheWeek | null;
  /** Why nobody is CEO of the week. */
  ceo_note: string | null;
  praise: { owner: string; metric: string }[];
  accountability: AccountabilityGaps;
  journey_steps: JourneyStep[];
  /** Event names the rows are computed from that the store does not hold (their rows read 0). */
  warnings: ConfigFinding[];
  /** The week the rows' `pace` is for (the one containing as-of, unfinished) and its cut: counted up to there (see the pace read). */
  pace: Pick<PaceReport, 'week' | 'cut' | 'counted_to'>;
}

export interface ScorecardOptions {
  /** The last column (default: the last complete week before as-of). */
  week?: string;
  weeks?: number;
}

/** The weeks shown: `count` weeks ending with `week` (default the last complete week). */
export function scorecardWeeks(ctx: ReportContext, options: ScorecardOptions, defaultCount: number): Period[] {
  const time = ctx.model.time;
  const count = options.weeks ?? defaultCount;
  const last = options.week
    ? parsePeriod(options.week, time.weekStart).start
    : lastCompleteWeekStart(ctx.asOf, time);
  const first = addPeriods(last, 'week', -(count - 1));
  return periodsIn({ from: startOfLocalDate(first, time.timezone), to: startOfLocalDate(addPeriods(last, 'week', 1), time.timezone) }, 'week', time);
}

/** The row key hand-entered values are recorded under. */
export function manualKey(rowId: string): string {
  return rowId.startsWith('health.') ? rowId.slice('health.'.length) : rowId;
}

export async function scorecardReport(ctx: ReportContext, scorecard: ScorecardModel, options: ScorecardOptions = {}, providers: ScorecardProviders = {}): Promise<ScorecardReport> {
  const weeks = scorecardWeeks(ctx, options, scorecard.weeks);
  // Read side by side, so that all of them judge what they keep against the same stored events.
  const [sources, pace, warnings] = await Promise.all([
    scorecardSources(ctx, scorecard, weeks, providers), paceReport(ctx, scorecard), providers.warnings ? providers.warnings() : [],
  ]);
  const rows = scorecard.rows.map((d) => scorecardRow(ctx, scorecard, d, sources));
  for (const row of rows) {
    const entry = pace.rows.find((p) => p.id === row.id);
    if (entry) row.pace = rowPaceOf(entry);
  }

  const { stagesAll, stagesIdeal, stageGaps } = sources;
  const steps = journeySteps(scorecard, masked(stagesAll, stageGaps), stageGaps);
  const lastStage = ctx.model.journey[ctx.model.journey.length - 1]?.stage ?? 'upgrade';
  const bottleneck = findBottleneck(steps, lastStage);
  const bottleneckIdeal = stagesIdeal ? findBottleneck(journeySteps(scorecard, masked(stagesIdeal, stageGaps), stageGaps), lastStage) : null;
  const ceo = ceoOfTheWeek(bottleneck, rows);
  return {
    weeks: weeks.map((w) => w.name),
    rows,
    bottleneck,
    bottleneck_ideal: bottleneckIdeal,
    bottleneck_note: bottleneckNote(bottleneck, steps, rows),
    ceo_of_the_week: ceo,
    ceo_note: ceoNote(ceo, rows),
    praise: praiseFor(rows),
    accountability: accountabilityGaps(rows),
    journey_steps: steps,
    warnings,
    pace: { week: pace.week, cut: pace.cut, counted_to: pace.counted_to },
  };
}

/** Everything the rows are read from, per week. */
interface ScorecardSources {
  northStar: (number | null)[];
  stagesAll: Partial<Record<StageName, number[]>>;
  stagesIdeal: Partial<Record<StageName, number[]>> | null;
  shownMetrics: SeriesMetric[];
  metricSeries: Map<string, (number | null)[]>;
  health: HealthWeekly;
  manual: WeeklyValues;
  gapsOf: (selector: EventSelector) => CellReasons;
  stageGaps: Map<StageName, CellReasons>;
  none: null[];
}

async function scorecardSources(ctx: ReportContext, scorecard: ScorecardModel, weeks: Period[], providers: ScorecardProviders): Promise<ScorecardSources> {
  const range = { from: weeks[0].from, to: weeks[weeks.length - 1].to };
  const definitions = scorecard.rows;
  const weeklyNorthStar = { ...ctx.model.northStar, frequency: 'week' as const };
  const shown = new Set(definitions.map((d) => d.id));
  const shownMetrics = ctx.model.metrics.filter((m) => shown.has(m.id));
  const counted = [ctx.model.northStar, ...ctx.model.journey, ...shownMetrics].flatMap((m) => m.selector.events);
  const computedHealth = Object.entries(scorecard.healthSources).filter(([, source]) => source === 'computed').map(([name]) => name);
  const shownFormulas = (ctx.model.formulas ?? []).filter((metric) => shown.has(metric.id));
  // Every source at once: the engine runs the statements side by side while the health rows are worked out here.
  // All and ideal stage counts come from one pass over the events.
  const [northStar, { all: stagesAll, ideal: stagesIdeal }, coverage, metricValues, formulaValues, health, manual] = await Promise.all([
    seriesReport(ctx, weeklyNorthStar, range),
    ctx.model.idealUser ? weeklyStageCountsWithIdeal(ctx, range) : stageCounts(ctx, range, 'all').then((all) => ({ all, ideal: null })),
    dataCoverage(ctx, counted),
    Promise.all(shownMetrics.map((metric) => seriesReport(ctx, { ...metric, frequency: 'week' }, range).then((r) => r.series.map((p) => p.value)))),
    Promise.all(shownFormulas.map((metric) => formulaWeekly(ctx, metric.formula, weeks))),
    computedHealth.length && providers.health ? providers.health(computedHealth, weeks) : { values: {}, reasons: {}, base: [] },
    providers.manual ? providers.manual(definitions.map((d) => manualKey(d.id)), weeks) : {},
  ]);
  const gapsOf = (selector: EventSelector) => eventGaps(selector.events, weeks, coverage);
  const metricSeries = new Map<string, (number | null)[]>([
    ...shownMetrics.map((m, i) => [m.id, metricValues[i]] as const),
    ...shownFormulas.map((m, i) => [m.id, formulaValues[i]] as const),
  ]);
  return {
    northStar: northStar.series.map((p) => p.value), stagesAll, stagesIdeal, shownMetrics, metricSeries, health, manual, gapsOf,
    stageGaps: new Map(ctx.model.journey.map((s) => [s.stage, gapsOf(s.selector)])),
    none: weeks.map(() => null),
  };
}

function scorecardRow(ctx: ReportContext, scorecard: ScorecardModel, d: ScorecardModel['rows'][number], sources: ScorecardSources): ScorecardRow {
  const { none, gapsOf, health } = sources;
  const key = manualKey(d.id);
  const manualValues = sources.manual[key] ?? none;
  const base = { id: d.id, name: rowName(scorecard, d.id), owner: d.owner, target: d.target ?? null };
  if (d.id === 'north_star') {
    const { unit } = rowReading(d.id, ctx.model.northStar.per !== undefined);
    return rowWithGaps({ ...base, source: 'computed', unit }, sources.northStar, gapsOf(ctx.model.northStar.selector), manualValues);
  }
  if (d.id.startsWith('journey.')) {
    const stage = d.id.slice('journey.'.length) as StageName;
    return rowWithGaps({ ...base, source: 'computed' }, sources.stagesAll[stage] ?? none, sources.stageGaps.get(stage), manualValues);
  }
  if (d.id.startsWith('health.')) {
    const { unit, lower_is_better: lower } = rowReading(d.id, false);
    if (scorecard.healthSources[key] === 'manual') return rowWithGaps({ ...base, source: 'manual', unit, lower_is_better: lower }, manualValues, undefined);
    const row = rowWithGaps({ ...base, source: 'computed', unit, lower_is_better: lower }, health.values[key] ?? none, health.reasons[key], manualValues);
    const monthly = health.monthly?.names.includes(key) ? health.monthly : undefined;
    if (monthly) {
      row.months = monthly.months;
      row.trend = monthOverMonth(row.values, monthly.months, unit);
    }
    const customers = monthly?.base ?? health.base;
    if ((unit === 'rate' || unit === 'ratio') && customers.length) row.base = customers;
    return row;
  }
  if (ctx.model.formulas?.some((m) => m.id === d.id)) {
    const values = sources.metricSeries.get(d.id) ?? none;
    const gaps = values.map((v) => (v === null ? 'a metric of its formula has no value this week, or the formula divides by zero' : null));
    return rowWithGaps({ ...base, source: 'computed' }, values, gaps, manualValues);
  }
  const metric = sources.shownMetrics.find((m) => m.id === d.id);
  if (!metric) return rowWithGaps({ ...base, source: 'manual' }, manualValues, undefined);
  return rowWithGaps({ ...base, source: 'computed' }, sources.metricSeries.get(d.id) ?? none, gapsOf(metric.selector), manualValues);
}

/** Stage counts with the weeks that have no data emptied. */
function masked(counts: Partial<Record<StageName, number[]>>, gaps: Map<StageName, CellReasons>): Partial<Record<StageName, (number | null)[]>> {
  const out: Partial<Record<StageName, (number | null)[]>> = {};
  for (const [stage, values] of Object.entries(counts) as [StageName, number[]][]) out[stage] = values.map((v, i) => (gaps.get(stage)?.[i] ? null : v));
  return out;
}

async function stageCounts(ctx: ReportContext, range: { from: number; to: number }, segment: Segment): Promise<Partial<Record<StageName, number[]>>> {
  const report = await weeklyStagesReport(ctx, range, segment);
  const out: Partial<Record<StageName, number[]>> = {};
  for (const s of ctx.model.journey) out[s.stage] = report.weeks.map((w) => w.stages[s.stage] ?? 0);
  return out;
}

/** Consecutive configured stages with this week's conversion and its target; no conversion where a stage has no data. */
export function journeySteps(
  scorecard: Pick<ScorecardModel, 'journey' | 'northStarName' | 'metricNames'>, counts: Partial<Record<StageName, (number | null)[]>>,
  gaps: Map<StageName, CellReasons> = new Map(),
): JourneyStep[] {
  const stages = scorecard.journey;
  const steps: JourneyStep[] = [];
  for (let i = 1; i < stages.length; i++) {
    const earlier = stages[i - 1];
    const later = stages[i];
    const from = earlier.stage;
    const to = later.stage;
    const fromCounts = counts[from] ?? [];
    const toCounts = counts[to] ?? [];
    const last = fromCounts.length - 1;
    const [a, b] = [fromCounts[last] ?? null, toCounts[last] ?? null];
    const actual = a !== null && b !== null && a > 0 ? b / a : null;
    const derived = later.target && earlier.target && targetGoal(earlier.target) > 0 ? targetGoal(later.target) / targetGoal(earlier.target) : null;
    const step: JourneyStep = { from, to, actual_rate: actual, target_rate: later.targetRate ?? derived, owner: later.owner ?? earlier.owner ?? null };
    const gap = stepGap([from, to].map((stage) => ({ name: rowName(scorecard, `journey.${stage}`), reason: gaps.get(stage)?.[last] })));
    if (gap) step.no_data = gap;
    steps.push(step);
  }
  return steps;
}
