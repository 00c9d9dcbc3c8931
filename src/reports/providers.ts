import { addPeriods, formatDate, periodName, periodStartOf, startOfLocalDate, type Period } from '../model/time.js';
import type { TimeSettings } from '../model/metrics.js';
import type { ReportContext } from './context.js';
import { fetchLedger, fetchManualEntries, healthField, ledgerQuery, manualEntriesQuery, revenuePeriods } from './revenue.js';
import { currentManualValues } from './manual-values.js';
import { ledgerGaps } from './no-data.js';
import type { HealthWeekly, ScorecardProviders, WeeklyValues } from './scorecard-report.js';
import { BUILTIN_MANUAL_METRICS, isManualHealthMetric, MONTHLY_HEALTH_METRICS } from '../model/health-metrics.js';
import type { HealthModel } from '../model/health.js';

/** Health rows computed from hand-entered numbers alone: they need no ledger. */
const LEDGER_FREE = new Set(['runway']);

/**
 * Computed health rows per week, from the ledger and the hand-entered finance numbers. A row that
 * needs the ledger has no data without one, or before it begins; its rates are taken over the
 * customers at the start of each week.
 */
export async function healthWeekly(ctx: ReportContext, health: Pick<HealthModel, 'grossMargin'>, names: string[], weeks: Period[]): Promise<HealthWeekly> {
  if (!ctx.cache || weeks.length === 0) return computeHealthWeekly(ctx, health, names, weeks);
  // Past the last week's end, "now" changes none of its figures: the same weeks give the same rows all week.
  const asOf = Math.min(ctx.asOf, weeks[weeks.length - 1].to);
  const key = JSON.stringify({ health: 'weekly', names, weeks, asOf, grossMargin: health.grossMargin, time: ctx.model.time });
  const inputs = [ledgerQuery(ctx), manualEntriesQuery(ctx, BUILTIN_MANUAL_METRICS)];
  return ctx.cache.derived(ctx.engine, key, inputs, () => computeHealthWeekly({ ...ctx, asOf }, health, names, weeks));
}

async function computeHealthWeekly(ctx: ReportContext, health: Pick<HealthModel, 'grossMargin'>, names: string[], weeks: Period[]): Promise<HealthWeekly> {
  const [ledger, manual] = await Promise.all([fetchLedger(ctx), fetchManualEntries(ctx, BUILTIN_MANUAL_METRICS)]);
  const time = ctx.model.time;
  const months = lastCompleteMonths(weeks, time);
  const figures = (periods: Period[]) => revenuePeriods({ ledger, periods, time, asOf: ctx.asOf, grossMargin: health.grossMargin, manual });
  // The bridge walks periods in order, each once: the distinct months, then each week's.
  const distinct = months.filter((m, i) => i === 0 || m.name !== months[i - 1].name);
  const byMonth = new Map(figures(distinct).map((f, i) => [distinct[i].name, f]));
  const [weekly, monthly] = [figures(weeks), months.map((m) => byMonth.get(m.name)!)];
  // The ledger comes in time order.
  const first = ledger.length ? ledger[0].t : null;
  const gaps = { week: ledgerGaps(weeks, first, time.timezone), month: ledgerGaps(months, first, time.timezone) };
  const out: HealthWeekly = { values: {}, reasons: {}, base: weekly.map((p) => p.customers_start) };
  const monthlyNames: string[] = [];
  for (const name of names) {
    const field = healthField(name);
    if (!field || isManualHealthMetric(name)) continue;
    const isMonthly = MONTHLY_HEALTH_METRICS.has(name);
    if (isMonthly) monthlyNames.push(name);
    const values = (isMonthly ? monthly : weekly).map((p) => (p[field] as number | null) ?? null);
    out.values[name] = values;
    if (LEDGER_FREE.has(name)) continue;
    // A month the ledger covers can still give nothing to divide by (no revenue at its start): say which month.
    out.reasons[name] = isMonthly
      ? gaps.month.map((gap, i) => gap ?? (values[i] === null ? `nothing to compute it from in ${months[i].name}, the last month complete by the week's end` : null))
      : gaps.week;
  }
  if (monthlyNames.length) out.monthly = { names: monthlyNames, months: months.map((m) => m.name), base: monthly.map((p) => p.customers_start) };
  return out;
}

/** Per week, the last calendar month complete by the week's end: the month before the one the week's end falls in. */
export function lastCompleteMonths(weeks: readonly Period[], time: TimeSettings): Period[] {
  return weeks.map((w) => {
    const start = addPeriods(periodStartOf(w.to, 'month', time), 'month', -1);
    const from = startOfLocalDate(start, time.timezone);
    return { name: periodName(start, 'month'), start, startDate: formatDate(start), from, to: startOfLocalDate(addPeriods(start, 'month', 1), time.timezone) };
  });
}

/** Current hand-entered value per (key, week): the latest entry wins; history stays in the table. */
export async function manualWeekly(ctx: ReportContext, keys: string[], weeks: Period[]): Promise<WeeklyValues> {
  if (keys.length === 0) return {};
  const current = currentManualValues(await fetchManualEntries(ctx, keys));
  const out: WeeklyValues = {};
  for (const key of keys) {
    const byPeriod = current.get(key);
    if (byPeriod) out[key] = weeks.map((w) => byPeriod.get(w.name)?.value ?? null);
  }
  return out;
}

export function scorecardProviders(ctx: ReportContext, health: Pick<HealthModel, 'grossMargin'>): ScorecardProviders {
  return {
    health: (names, weeks) => healthWeekly(ctx, health, names, weeks),
    manual: (keys, weeks) => manualWeekly(ctx, keys, weeks),
  };
}
