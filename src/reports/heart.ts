/**
 * HEART (docs/health.md): per category a goal, its signals and its metrics, each computed with the metric
 * engine week by week. Task success pairs start / complete / error events into completion rate,
 * median time to complete and error rate.
 */
import type { SeriesMetric, TimeRange } from '../model/metrics.js';
import { addPeriods, DAY_MS, type Period, periodsIn, startOfLocalDate } from '../model/time.js';
import { compileAdoption, compileTaskStats, compileWeeklyAdoption } from '../query/plans/heart.js';
import { compileSeries } from '../query/plans/series.js';
import { run, type ReportContext } from './context.js';
import { fillSeries, type SeriesPoint } from './north-star.js';
import { retentionReport } from './retention.js';
import { fetchSurveyResponses, surveySection } from './surveys.js';
import { retentionDefinition } from '../model/metric-model.js';
import { type Better, type HealthModel, type HeartCategory, type HeartMeasurement, type HeartMetricDefinition } from '../model/health.js';

/** nps: a fraction in [−1, 1], shown as −100…+100. */
export type HeartUnit = 'number' | 'ratio' | 'nps' | 'seconds';

export interface HeartMetricResult {
  /** The HEART metric id; a task's three numbers are `<id>.completion_rate`, `<id>.median_seconds`, `<id>.error_rate`. */
  id: string;
  name: string;
  category: HeartCategory;
  kind: HeartMeasurement['kind'];
  better: Better;
  unit: HeartUnit;
  /** Value in the last period of the range, the one before it, and their relative change. */
  value: number | null;
  previous: number | null;
  change: number | null;
  /** Over the whole range where that means something (a rate over all answers or tasks), else null. */
  overall: number | null;
  series: SeriesPoint[];
  /** Kind-specific numbers (counts behind a rate, a launch window). */
  detail?: Record<string, unknown>;
}

export interface HeartReport {
  from: string;
  to: string;
  weeks: string[];
  categories: { category: HeartCategory; goal: string | null; signals: string[]; metrics: HeartMetricResult[] }[];
}

/** Relative change from a to b; null when either is missing or a is 0. */
export function relativeChange(a: number | null, b: number | null): number | null {
  if (a === null || b === null || a === 0) return null;
  return (b - a) / Math.abs(a);
}

function result(
  def: HeartMetricDefinition, unit: HeartUnit, series: SeriesPoint[], overall: number | null, extra: Partial<HeartMetricResult> = {},
): HeartMetricResult {
  const value = series.length ? series[series.length - 1].value : null;
  const previous = series.length > 1 ? series[series.length - 2].value : null;
  return {
    id: def.id, name: def.name, category: def.category, kind: def.measurement.kind, better: def.better, unit,
    value, previous, change: relativeChange(previous, value), overall, series, ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Task success (pure)

export type TaskRow = {
  /** 'YYYY-MM-DD' week start, or 'all' */
  period: string;
  started: number;
  completed: number;
  errored: number;
  median_ms: number | null;
};

export interface TaskStats {
  started: number;
  completed: number;
  errored: number;
  completion_rate: number | null;
  error_rate: number | null;
  median_seconds: number | null;
}

export function taskStats(row: TaskRow | undefined): TaskStats {
  const started = Number(row?.started ?? 0);
  const completed = Number(row?.completed ?? 0);
  const errored = Number(row?.errored ?? 0);
  const median = row?.median_ms;
  return {
    started, completed, errored,
    completion_rate: started > 0 ? completed / started : null,
    error_rate: started > 0 ? errored / started : null,
    median_seconds: median === null || median === undefined ? null : Number(median) / 1000,
  };
}

/** The three task metrics over the weeks, from the plan's rows. */
export function taskResults(def: HeartMetricDefinition, rows: readonly TaskRow[], weeks: readonly Period[]): HeartMetricResult[] {
  const byPeriod = new Map(rows.map((r) => [r.period, r]));
  const weekly = weeks.map((w) => ({ period: w.name, stats: taskStats(byPeriod.get(w.startDate)) }));
  const overall = taskStats(byPeriod.get('all'));
  const fields = [
    ['completion_rate', 'completion rate', 'higher', 'ratio'],
    ['median_seconds', 'median time to complete', 'lower', 'seconds'],
    ['error_rate', 'error rate', 'lower', 'ratio'],
  ] as const;
  return fields.map(([field, label, better, unit]) =>
    result(
      { ...def, id: `${def.id}.${field}`, name: `${def.name}: ${label}`, better },
      unit,
      weekly.map((w) => ({ period: w.period, value: w.stats[field] })),
      overall[field],
      { detail: { started: overall.started, completed: overall.completed, errored: overall.errored, weekly_started: weekly.map((w) => w.stats.started) } },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Running against a database

async function weeklySeries(ctx: ReportContext, metric: SeriesMetric, range: TimeRange): Promise<SeriesPoint[]> {
  const rows = await run<{ period: string; value: number | null }>(ctx, compileSeries(ctx.query, { metric, range, segment: 'all' }));
  return fillSeries(metric, range, ctx, rows);
}

async function measure(ctx: ReportContext, health: HealthModel, def: HeartMetricDefinition, range: TimeRange, weeks: Period[]): Promise<HeartMetricResult[]> {
  const m = def.measurement;
  switch (m.kind) {
    case 'series':
      return [result(def, 'number', await weeklySeries(ctx, m.metric, range), null)];
    case 'share':
      return measureShare(ctx, def, m, range);
    case 'survey':
      return measureSurvey(ctx, health, def, m, range, weeks);
    case 'adoption':
      return measureAdoption(ctx, def, m, range, weeks);
    case 'retention':
      return measureRetention(ctx, def, m, range);
    case 'task': {
      const rows = await run<TaskRow>(ctx, compileTaskStats(ctx.query, { start: m.start, complete: m.complete, error: m.error, key: m.key, range }));
      return taskResults(def, rows, weeks);
    }
  }
}

async function measureShare(ctx: ReportContext, def: HeartMetricDefinition, m: Extract<HeartMeasurement, { kind: 'share' }>, range: TimeRange): Promise<HeartMetricResult[]> {
  const count = { kind: 'count' } as const;
  const all: SeriesMetric = { id: `${def.id}.all`, name: def.name, selector: m.selector, measure: count, frequency: 'week' };
  const matching: SeriesMetric = { ...all, id: `${def.id}.matching`, selector: { events: m.selector.events, where: [...m.selector.where, ...m.matching] } };
  const [den, num] = [await weeklySeries(ctx, all, range), await weeklySeries(ctx, matching, range)];
  const series = den.map((d, i) => ({ period: d.period, value: d.value ? (num[i].value ?? 0) / d.value : null }));
  const totalDen = den.reduce((s, p) => s + (p.value ?? 0), 0);
  const totalNum = num.reduce((s, p) => s + (p.value ?? 0), 0);
  return [result(def, 'ratio', series, totalDen > 0 ? totalNum / totalDen : null, { detail: { events: totalDen, matching: totalNum } })];
}

async function measureSurvey(
  ctx: ReportContext, health: HealthModel, def: HeartMetricDefinition, m: Extract<HeartMeasurement, { kind: 'survey' }>, range: TimeRange, weeks: Period[],
): Promise<HeartMetricResult[]> {
  const definition = health.surveys[m.survey];
  if (!definition) return [result(def, m.survey === 'nps' ? 'nps' : 'ratio', weeks.map((w) => ({ period: w.name, value: null })), null)];
  const responses = await fetchSurveyResponses(ctx, definition, range);
  const section = surveySection(m.survey, definition, responses, range, ctx.model.time, false);
  return [result(def, m.survey === 'nps' ? 'nps' : 'ratio', section.by_week.map((w) => ({ period: w.period, value: w.score })), section.score, {
    detail: { responses: section.responses, warning: section.warning },
  })];
}

async function measureAdoption(
  ctx: ReportContext, def: HeartMetricDefinition, m: Extract<HeartMeasurement, { kind: 'adoption' }>, range: TimeRange, weeks: Period[],
): Promise<HeartMetricResult[]> {
  const launchWindow = { from: m.launchedAt, to: m.launchedAt + m.withinDays * DAY_MS };
  const [launch] = await run<{ active: number; adopted: number }>(ctx, compileAdoption(ctx.query, { selector: m.selector, range: launchWindow }));
  const rows = await run<{ period: string; active: number; adopted: number }>(ctx, compileWeeklyAdoption(ctx.query, { selector: m.selector, range }));
  const byStart = new Map(rows.map((r) => [r.period, r]));
  const series = weeks.map((w) => {
    const r = byStart.get(w.startDate);
    return { period: w.name, value: r && Number(r.active) > 0 ? Number(r.adopted) / Number(r.active) : null };
  });
  const active = Number(launch?.active ?? 0);
  const adopted = Number(launch?.adopted ?? 0);
  return [result(def, 'ratio', series, active > 0 ? adopted / active : null, {
    detail: { launched: m.launched, within_days: m.withinDays, active_users_in_window: active, adopted_in_window: adopted },
  })];
}

async function measureRetention(ctx: ReportContext, def: HeartMetricDefinition, m: Extract<HeartMeasurement, { kind: 'retention' }>, range: TimeRange): Promise<HeartMetricResult[]> {
  // The value for a period is the k-period retention measured then: the cohort k periods earlier.
  const periods = periodsIn(range, m.period, ctx.model.time);
  const tz = ctx.model.time.timezone;
  const cohortRange = {
    from: startOfLocalDate(addPeriods(periods[0].start, m.period, -m.offset), tz),
    to: startOfLocalDate(addPeriods(periods[periods.length - 1].start, m.period, 1 - m.offset), tz),
  };
  // Period 0 as the action: a HEART retention of offset 0 measures who acted in their first period.
  const report = await retentionReport(ctx, retentionDefinition(ctx.model, m.period, 'on'), cohortRange, 'all', 'action');
  const byCohort = new Map(report.cohorts.map((c) => [c.cohort, c]));
  const cohortPeriods = periodsIn(cohortRange, m.period, ctx.model.time);
  const series = periods.map((p, i) => {
    const c = byCohort.get(cohortPeriods[i]?.name ?? '');
    return { period: p.name, value: c && c.complete[m.offset] ? c.rates[m.offset] : null };
  });
  let num = 0;
  let den = 0;
  for (const c of report.cohorts) if (c.complete[m.offset]) { num += c.retained[m.offset]; den += c.size; }
  return [result(def, 'ratio', series, den > 0 ? num / den : null, { detail: { period: m.period, offset: m.offset } })];
}

export async function heartReport(ctx: ReportContext, health: HealthModel, range: TimeRange): Promise<HeartReport> {
  const weeks = periodsIn(range, 'week', ctx.model.time);
  const categories: HeartReport['categories'] = [];
  for (const c of health.heart) {
    const metrics: HeartMetricResult[] = [];
    for (const def of c.metrics) metrics.push(...(await measure(ctx, health, def, range, weeks)));
    categories.push({ category: c.category, goal: c.goal, signals: c.signals, metrics });
  }
  return { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), weeks: weeks.map((w) => w.name), categories };
}
