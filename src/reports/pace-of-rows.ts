/**
 * Pace of every scorecard row in the week containing as-of (docs/ritual.md#pace): the windows of each
 * week elapsed so far, the queries over them (the series and stage-count plans, restricted to the
 * windows), and the rows' projections. `paceOfRows` is what alerts read.
 */
import { healthMetric, MONTHLY_HEALTH_METRICS } from '../model/health-metrics.js';
import type { SeriesMetric, StageName, TimeRange, TimeSettings } from '../model/metrics.js';
import { rowName, type ScorecardModel, type Target } from '../model/scorecard-rows.js';
import { addPeriods, DAY_MS, HOUR_MS, localDateOf, periodsIn, periodStartOf, startOfLocalDate, type Period } from '../model/time.js';
import { stageCountRows } from './live-state.js';
import type { ReportContext } from './context.js';
import { dataCoverage, eventGaps } from './no-data.js';
import { fillSeries, seriesRows } from './north-star.js';
import { noPace, PACE_WEEKS, projectCount, projectRate, type PaceHistory } from './pace.js';
import { rowReading, type RowPace, type ScorecardRow } from './scorecard.js';

/** The current week, the cut (the start of as-of's hour) and the same point in each of the complete weeks before it. */
export interface PaceWindows {
  current: Period;
  cut: number;
  /** Complete weeks, oldest first. */
  past: Period[];
  /** Per week (the past ones, then the current one): from its start up to its cut. */
  windows: TimeRange[];
}

export function paceWindows(asOf: number, time: TimeSettings): PaceWindows {
  const today = localDateOf(asOf, time.timezone);
  const midnight = startOfLocalDate(today, time.timezone);
  const hours = Math.floor((asOf - midnight) / HOUR_MS) * HOUR_MS;
  const weekStart = periodStartOf(asOf, 'week', time);
  const days = Math.round((startOfLocalDate(today, 'UTC') - startOfLocalDate(weekStart, 'UTC')) / DAY_MS);
  const first = addPeriods(weekStart, 'week', -PACE_WEEKS.most);
  const weeks = periodsIn({ from: startOfLocalDate(first, time.timezone), to: midnight + hours + 1 }, 'week', time);
  const cutOf = (w: Period) => Math.min(startOfLocalDate(addPeriods(w.start, 'day', days), time.timezone) + hours, w.to);
  return { current: weeks[weeks.length - 1], cut: midnight + hours, past: weeks.slice(0, -1), windows: weeks.map((w) => ({ from: w.from, to: cutOf(w) })) };
}

/** What a row counts as the week goes: a metric's events, a journey stage, or nothing (with why). */
type Counted = { kind: 'series'; metric: SeriesMetric } | { kind: 'stage'; stage: StageName } | { kind: 'none'; reason: string };

function countedOf(ctx: ReportContext, scorecard: ScorecardModel, id: string): Counted {
  if (id === 'north_star') return { kind: 'series', metric: ctx.model.northStar };
  if (id.startsWith('journey.')) return { kind: 'stage', stage: id.slice('journey.'.length) as StageName };
  if (id.startsWith('health.')) {
    const name = id.slice('health.'.length);
    if (scorecard.healthSources[name] === 'manual' || healthMetric(name)?.source === 'manual') return { kind: 'none', reason: 'entered by hand: nothing accumulates during the week' };
    if (MONTHLY_HEALTH_METRICS.has(name)) return { kind: 'none', reason: 'read monthly: the week shows the last complete month' };
    return { kind: 'none', reason: 'a level at the week\'s end, not a count that builds up during the week' };
  }
  const metric = ctx.model.metrics.find((m) => m.id === id);
  return metric ? { kind: 'series', metric } : { kind: 'none', reason: 'entered by hand: nothing accumulates during the week' };
}

/** A row's values so far and whole, per week (past weeks, then the current one), no data as null. */
interface Observed {
  soFar: (number | null)[];
  full: (number | null)[];
}

function history(observed: Observed): PaceHistory {
  const last = observed.soFar.length - 1;
  return { so_far: observed.soFar[last], past: observed.full.map((full, i) => ({ so_far: observed.soFar[i], full })) };
}

async function observeSeries(ctx: ReportContext, w: PaceWindows, metric: SeriesMetric, gaps: (string | null)[]): Promise<Observed> {
  const weekly = { ...metric, frequency: 'week' as const };
  const past = { from: w.past[0].from, to: w.current.from };
  const soFarRange = { from: w.past[0].from, to: w.cut };
  const [full, soFar] = await Promise.all([
    seriesRows(ctx, weekly, past, 'all'),
    seriesRows(ctx, weekly, soFarRange, 'all', w.windows),
  ]);
  const kept = (values: (number | null)[]) => values.map((v, i) => (gaps[i] ? null : v === null ? null : Number(v)));
  return {
    full: kept(fillSeries(weekly, past, ctx, full).map((p) => p.value)),
    soFar: kept(fillSeries(weekly, soFarRange, ctx, soFar).map((p) => p.value)),
  };
}

async function observeStages(ctx: ReportContext, w: PaceWindows): Promise<{ full: Map<string, number[]>; soFar: Map<string, number[]> }> {
  const stages = ctx.model.journey;
  const counts = async (range: TimeRange, within?: TimeRange[]) => {
    // The complete weeks as the scorecard asks for them (split by ideal users when there is a profile): kept once for both.
    const idealSplit = !within && Boolean(ctx.model.idealUser);
    const rows = await stageCountRows<{ stage: string; period: string; actors: number }>(ctx, { stages, range, segment: 'all', within, idealSplit });
    const weeks = periodsIn(range, 'week', ctx.model.time).map((p) => p.startDate);
    const out = new Map(stages.map((s) => [s.stage as string, weeks.map(() => 0)]));
    for (const r of rows) {
      const i = weeks.indexOf(r.period);
      if (i >= 0 && out.has(r.stage)) out.get(r.stage)![i] = Number(r.actors);
    }
    return out;
  };
  const [full, soFar] = await Promise.all([
    counts({ from: w.past[0].from, to: w.current.from }),
    counts({ from: w.past[0].from, to: w.cut }, w.windows),
  ]);
  return { full, soFar };
}

/** The pace of every scorecard row in the week containing as-of: `paceOfRows` of the scorecard, without the scorecard. */
export interface PaceReport {
  /** The week (`2026-W49`), unfinished at as-of. */
  week: string;
  /** Counted up to here (ISO instant): the start of as-of's hour. */
  cut: string;
  /** The cut as people read it, in the configured timezone: `Wednesday 12:00`. */
  counted_to: string;
  rows: PaceEntry[];
}

export async function paceReport(ctx: ReportContext, scorecard: ScorecardModel): Promise<PaceReport> {
  const w = paceWindows(ctx.asOf, ctx.model.time);
  const counted = scorecard.rows.map((d) => ({ d, counted: countedOf(ctx, scorecard, d.id) }));
  const eventsOf = (c: Counted) => (c.kind === 'series' ? c.metric.selector.events : c.kind === 'stage' ? ctx.model.journey.find((s) => s.stage === c.stage)?.selector.events ?? [] : []);
  const coverage = await dataCoverage(ctx, counted.flatMap(({ counted: c }) => eventsOf(c)));
  const arrived = coverage.storeLast !== null && coverage.storeLast >= w.current.from;
  // The current week has data from its first event on: it is judged up to the cut, not its end.
  const periods = [...w.past, { ...w.current, to: w.cut }];
  // Before the week's first event (or its first hour) no row has a pace: nothing to count.
  const judged = w.cut > w.current.from && arrived;
  const stages = judged && counted.some(({ counted: c }) => c.kind === 'stage') ? await observeStages(ctx, w) : null;
  const rows: PaceEntry[] = [];
  for (const { d, counted: c } of counted) {
    const target = d.target ?? null;
    const gaps = eventGaps(eventsOf(c), periods, coverage);
    const thisWeek = w.cut <= w.current.from ? 'the week has just begun' : gaps[gaps.length - 1] ?? (arrived ? null : 'no events stored since the week began');
    let pace: RowPace;
    if (c.kind === 'none') pace = noPace(c.reason);
    else if (thisWeek) pace = noPace(`no data this week: ${thisWeek}`);
    else if (c.kind === 'stage') {
      const keep = (values: number[] | undefined) => periods.map((_, i) => (gaps[i] || !values ? null : values[i]));
      pace = projectCount(history({ full: keep(stages!.full.get(c.stage)).slice(0, -1), soFar: keep(stages!.soFar.get(c.stage)) }), target);
    } else pace = await seriesPace(ctx, w, c.metric, gaps, target);
    const reading = rowReading(d.id, ctx.model.northStar.per !== undefined);
    rows.push({ id: d.id, name: rowName(scorecard, d.id), owner: d.owner ?? null, target, unit: reading.unit, lower_is_better: reading.lower_is_better, week: w.current.name, ...pace });
  }
  const countedTo = new Intl.DateTimeFormat('en-GB', { timeZone: ctx.model.time.timezone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(w.cut));
  return { week: w.current.name, cut: new Date(w.cut).toISOString(), counted_to: countedTo, rows };
}

async function seriesPace(ctx: ReportContext, w: PaceWindows, metric: SeriesMetric, gaps: (string | null)[], target: Target | null): Promise<RowPace> {
  const isRate = metric.per !== undefined && !(metric.atLeast && metric.atLeast > 1);
  if (!isRate) return projectCount(history(await observeSeries(ctx, w, metric, gaps)), target);
  const numerator: SeriesMetric = { ...metric, per: undefined };
  const denominator: SeriesMetric = { ...metric, per: undefined, measure: { kind: metric.per === 'account' ? 'unique_accounts' : 'unique_users' } };
  const [top, bottom] = await Promise.all([observeSeries(ctx, w, numerator, gaps), observeSeries(ctx, w, denominator, gaps)]);
  return projectRate(history(top), history(bottom), target);
}

/** One row's pace as alerts read it. */
export interface PaceEntry extends RowPace {
  id: string;
  name: string;
  owner: string | null;
  target: ScorecardRow['target'];
  unit: ScorecardRow['unit'];
  lower_is_better: boolean;
  /** The week the pace is for (`2026-W49`). */
  week: string;
}

/** The pace of a row without what names it. */
export function rowPaceOf(entry: PaceEntry): RowPace {
  const { so_far, projected, share_expected, on_pace, weeks_used, reason } = entry;
  return reason === undefined ? { so_far, projected, share_expected, on_pace, weeks_used } : { so_far, projected, share_expected, on_pace, weeks_used, reason };
}

/** Per scorecard row that has a pace: who owns it, the target, the projection and whether it is on pace. */
export function paceOfRows(report: { rows: ScorecardRow[]; pace: { week: string } | null }): PaceEntry[] {
  const week = report.pace?.week;
  if (!week) return [];
  return report.rows.filter((r) => r.pace).map((r) => ({
    id: r.id, name: r.name, owner: r.owner, target: r.target, unit: r.unit, lower_is_better: r.lower_is_better === true, week, ...r.pace!,
  }));
}
