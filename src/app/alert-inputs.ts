/**
 * The numbers the alerts are judged on (reports/alerts.ts), fetched from the store: daily counts of
 * the count rows, weekly journey step conversions, the newest weekly retention cohorts.
 */
import type { AlertSettings, Config } from '../config/schema/index.js';
import { scorecardModelFromConfig } from '../config/model.js';
import { retentionDefinition } from '../model/metric-model.js';
import type { SeriesMetric } from '../model/metrics.js';
import { rowName, STAGE_NAMES, type ScorecardModel } from '../model/scorecard-rows.js';
import { lastPeriods, periodsIn, weekNameOf, type Period } from '../model/time.js';
import type { AlertInputs, CohortReturn, DailyRow, OffPace, WeeklyRate } from '../reports/alerts.js';
import type { ReportContext } from '../reports/context.js';
import { weeklyStagesReport } from '../reports/funnel.js';
import { dataCoverage, eventGaps } from '../reports/no-data.js';
import { seriesReport } from '../reports/north-star.js';
import { retentionReport } from '../reports/retention.js';
import { computeScorecard } from './reads/ritual.js';

/** A count a day can be judged on: no ratio, no sum of amounts, no "n-times" threshold. */
const isCount = (m: SeriesMetric) => !m.per && m.atLeast === undefined && m.measure.kind !== 'sum';

/**
 * The count rows of the scorecard as daily series definitions: the North Star, the journey stages
 * reached by doing an event (its actors that day; a stage reached at the n-th event or within days of
 * signing up has no daily count), the metrics.
 */
function dailyMetrics(ctx: ReportContext, card: ScorecardModel): { id: string; metric: SeriesMetric }[] {
  const shown = new Set(card.rows.map((r) => r.id));
  const out: { id: string; metric: SeriesMetric }[] = [];
  if (isCount(ctx.model.northStar)) out.push({ id: 'north_star', metric: ctx.model.northStar });
  for (const s of ctx.model.journey) {
    const id = `journey.${s.stage}`;
    if (shown.has(id) && s.atLeast === undefined && s.withinDays === undefined) out.push({ id, metric: { id, name: STAGE_NAMES[s.stage], selector: s.selector, measure: { kind: 'unique_users' }, frequency: 'day' } });
  }
  for (const m of ctx.model.metrics) if (shown.has(m.id) && isCount(m)) out.push({ id: m.id, metric: m });
  return out;
}

/**
 * Daily counts over the baseline weeks and the week so far, up to the last complete day. A day is
 * judged only once the store holds an event after it ends (its data has arrived) and not before the
 * row's events begin: otherwise it has no value, never zero.
 */
async function dailyCounts(ctx: ReportContext, card: ScorecardModel, settings: AlertSettings): Promise<{ days: Period[]; rows: DailyRow[] }> {
  const range = lastPeriods(ctx.asOf, 'day', 7 * settings.anomaly.baseline_weeks + 7, ctx.model.time, true);
  const days = periodsIn(range, 'day', ctx.model.time);
  const defs = dailyMetrics(ctx, card);
  const coverage = await dataCoverage(ctx, defs.flatMap((d) => d.metric.selector.events));
  const arrived = coverage.storeLast ?? -Infinity;
  const rows: DailyRow[] = [];
  for (const { id, metric } of defs) {
    const series = await seriesReport(ctx, { ...metric, frequency: 'day' }, range);
    const gaps = eventGaps(metric.selector.events, days, coverage);
    const owner = card.rows.find((r) => r.id === id)?.owner ?? null;
    const values = series.series.map((p, i) => (gaps[i] || days[i].to > arrived ? null : p.value));
    rows.push({ row: id, name: rowName(card, id), owner, values });
  }
  return { days, rows };
}

/** Each configured step's weekly conversion (the later stage's actors over the earlier one's), the last complete week last. */
async function stepRates(ctx: ReportContext, card: ScorecardModel, settings: AlertSettings): Promise<WeeklyRate[]> {
  const journey = ctx.model.journey;
  if (journey.length < 2) return [];
  const range = lastPeriods(ctx.asOf, 'week', settings.funnel_step.baseline_weeks + 4, ctx.model.time, true);
  const weeks = periodsIn(range, 'week', ctx.model.time);
  const [report, coverage] = await Promise.all([weeklyStagesReport(ctx, range, 'all'), dataCoverage(ctx, journey.flatMap((s) => s.selector.events))]);
  return journey.slice(1).map((stage, k) => {
    const before = journey[k];
    const gaps = eventGaps([...before.selector.events, ...stage.selector.events], weeks, coverage);
    const count = (name: typeof stage.stage) => report.weeks.map((w, i) => (gaps[i] ? null : (w.stages[name] ?? 0)));
    const id = `journey.${stage.stage}`;
    return {
      row: id, name: `${STAGE_NAMES[before.stage]} → ${STAGE_NAMES[stage.stage]}`, owner: card.rows.find((r) => r.id === id)?.owner ?? null,
      weeks: weeks.map((w) => w.name), numerators: count(stage.stage), denominators: count(before.stage),
    };
  });
}

/** The weekly cohorts whose first week after has passed, with how many came back in it. */
async function cohortReturns(ctx: ReportContext, settings: AlertSettings): Promise<CohortReturn[]> {
  const range = lastPeriods(ctx.asOf, 'week', settings.retention_cohort.baseline_cohorts + 3, ctx.model.time, true);
  const report = await retentionReport(ctx, retentionDefinition(ctx.model, 'week', 'on'), range, 'all');
  return report.cohorts.filter((c) => c.complete[1]).map((c) => ({ cohort: c.cohort, size: c.size, returned: c.retained[1] }));
}

/**
 * The rows going off pace: on track in the last complete week, and their projection for the unfinished
 * week misses the target (a row off track week after week is the weekly review's business, not an alert's).
 */
async function goingOffPace(ctx: ReportContext, config: Config): Promise<OffPace[]> {
  const card = await computeScorecard(ctx, config, { weeks: 1 });
  return card.rows.flatMap((r) => {
    const p = r.pace;
    const wasOnTrack = r.status[r.status.length - 1] === 'on_track';
    return wasOnTrack && p && p.on_pace === false && p.projected !== null && p.so_far !== null && p.share_expected !== null && r.target
      ? [{ row: r.id, name: r.name, owner: r.owner, week: card.pace.week, counted_to: card.pace.counted_to, share: p.share_expected, value: p.so_far, projected: p.projected, target: r.target, unit: r.unit }]
      : [];
  });
}

export async function alertInputs(ctx: ReportContext, config: Config): Promise<AlertInputs> {
  const settings = config.alerts;
  const card = scorecardModelFromConfig(config);
  const [daily, pace, steps, cohorts] = await Promise.all([
    settings.anomaly.enabled ? dailyCounts(ctx, card, settings) : undefined,
    settings.off_pace.enabled ? goingOffPace(ctx, config) : [],
    settings.funnel_step.enabled ? stepRates(ctx, card, settings) : [],
    settings.retention_cohort.enabled ? cohortReturns(ctx, settings) : [],
  ]);
  const lastDay = lastPeriods(ctx.asOf, 'day', 1, ctx.model.time, true);
  const weekStart = periodsIn(lastDay, 'week', ctx.model.time)[0];
  const dates = daily ? daily.days.map((d) => d.startDate) : [periodsIn(lastDay, 'day', ctx.model.time)[0].startDate];
  return {
    dates, day_of_week: Math.round((lastDay.from - weekStart.from) / 86_400_000), week: weekNameOf(lastDay.from, ctx.model.time),
    counts: daily?.rows ?? [], steps, cohorts,
    retention_owner: card.rows.find((r) => r.id === 'north_star')?.owner ?? null,
    off_pace: pace,
  };
}
