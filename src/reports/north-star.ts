import type { Breakdown, Segment, SeriesMetric, TimeRange } from '../model/metrics.js';
import { periodsIn, type Period } from '../model/time.js';
import type { RowSpan } from '../query/plans/coverage.js';
import { additiveSeries, compileSeries, seriesReads } from '../query/plans/series.js';
import { run, type ReportContext } from './context.js';
import { keptPeriods, windowsOf } from './period-ranges.js';

export interface SeriesPoint {
  period: string;
  value: number | null;
}

export interface NorthStarReport {
  name: string;
  frequency: SeriesMetric['frequency'];
  segment: Segment;
  series: SeriesPoint[];
  breakdown?: { key: string; groups: { value: string; series: SeriesPoint[] }[] };
}

/** A ratio (`per`) has no value in an empty period; a count is zero. */
function emptyValue(metric: SeriesMetric): number | null {
  return metric.per ? null : 0;
}

/** Fills every period of the range, in order, from `(period start date, value)` rows. */
export function fillSeries(metric: SeriesMetric, range: TimeRange, ctx: ReportContext, rows: { period: string; value: number | null }[]): SeriesPoint[] {
  const byStart = new Map(rows.map((r) => [r.period, r.value]));
  return periodsIn(range, metric.frequency, ctx.model.time).map((p) => ({
    period: p.name,
    value: byStart.has(p.startDate) ? byStart.get(p.startDate)! : emptyValue(metric),
  }));
}

/**
 * A series' rows (`compileSeries`), restricted to `within` when given. On a server, kept period by
 * period (or each period's part up to its window's end) when it covers whole periods of the whole
 * audience: a count or sum of events changes only with the events stored in the period, and a series
 * that reads people also when who is who changes.
 */
export async function seriesRows(ctx: ReportContext, metric: SeriesMetric, range: TimeRange, segment: Segment, within?: TimeRange[]): Promise<{ period: string; value: number | null }[]> {
  const time = ctx.model.time;
  const periods = keptPeriods(range, metric.frequency, time, within);
  if (!ctx.cache || !periods || segment !== 'all') return run(ctx, compileSeries(ctx.query, { metric, range, segment, ...(within ? { within } : {}) }));
  const series = (r: TimeRange, parts: readonly Period[], rows?: RowSpan) =>
    compileSeries(ctx.query, { metric, range: r, segment, ...(rows ? { rows } : {}), ...(within ? { within: windowsOf(parts) } : {}) });
  return ctx.cache.periods.run(ctx.engine, {
    key: JSON.stringify({ series: metric, time, windowed: within !== undefined }),
    periods,
    events: metric.selector.events,
    compile: (r, parts) => series(r, parts),
    people: seriesReads({ metric, segment }).actor,
    ...(additiveSeries({ metric, segment }) ? { additive: series } : {}),
  });
}

export async function seriesReport(
  ctx: ReportContext, metric: SeriesMetric, range: TimeRange, segment: Segment = 'all', breakdown?: Breakdown, breakdownLabel?: string,
): Promise<NorthStarReport> {
  const rows: { period: string; value: number | null; breakdown?: string }[] = breakdown
    ? await run<{ period: string; value: number | null; breakdown?: string }>(ctx, compileSeries(ctx.query, { metric, range, segment, breakdown }))
    : await seriesRows(ctx, metric, range, segment);
  const report: NorthStarReport = { name: metric.name, frequency: metric.frequency, segment, series: [] };
  if (!breakdown) {
    report.series = fillSeries(metric, range, ctx, rows);
    return report;
  }
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.breakdown!, (totals.get(r.breakdown!) ?? 0) + (r.value ?? 0));
  const top = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10).map(([v]) => v);
  report.breakdown = {
    key: breakdownLabel ?? breakdown.key,
    groups: top.map((value) => ({ value, series: fillSeries(metric, range, ctx, rows.filter((r) => r.breakdown === value)) })),
  };
  // The overall series still answers the headline question.
  const overall = await run<{ period: string; value: number | null }>(ctx, compileSeries(ctx.query, { metric, range, segment }));
  report.series = fillSeries(metric, range, ctx, overall);
  return report;
}
