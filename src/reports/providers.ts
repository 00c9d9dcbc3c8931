import type { Period } from '../model/time.js';
import type { ReportContext } from './context.js';
import { fetchLedger, fetchManualEntries, healthField, revenuePeriods } from './revenue.js';
import { currentManualValues } from './manual-values.js';
import { ledgerGaps } from './no-data.js';
import type { HealthWeekly, ScorecardProviders, WeeklyValues } from './scorecard-report.js';
import { BUILTIN_MANUAL_METRICS, isManualHealthMetric } from '../model/health-metrics.js';
import type { HealthModel } from '../model/health.js';

/** Health rows computed from hand-entered numbers alone: they need no ledger. */
const LEDGER_FREE = new Set(['runway']);

/**
 * Computed health rows per week, from the ledger and the hand-entered finance numbers. A row that
 * needs the ledger has no data without one, or before it begins; its rates are taken over the
 * customers at the start of each week.
 */
export async function healthWeekly(ctx: ReportContext, health: Pick<HealthModel, 'grossMargin'>, names: string[], weeks: Period[]): Promise<HealthWeekly> {
  const [ledger, manual] = await Promise.all([fetchLedger(ctx), fetchManualEntries(ctx, BUILTIN_MANUAL_METRICS)]);
  const periods = revenuePeriods({ ledger, periods: weeks, time: ctx.model.time, asOf: ctx.asOf, grossMargin: health.grossMargin, manual });
  // The ledger comes in time order.
  const gaps = ledgerGaps(weeks, ledger.length ? ledger[0].t : null, ctx.model.time.timezone);
  const out: HealthWeekly = { values: {}, reasons: {}, base: periods.map((p) => p.customers_start) };
  for (const name of names) {
    const field = healthField(name);
    if (!field || isManualHealthMetric(name)) continue;
    out.values[name] = periods.map((p) => (p[field] as number | null) ?? null);
    if (!LEDGER_FREE.has(name)) out.reasons[name] = gaps;
  }
  return out;
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
