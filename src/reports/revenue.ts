/**
 * Business health from the subscription ledger (docs/health.md): the MRR bridge per period,
 * churn, NRR, GRR, ARPC, quick ratio, CAC, CLTV, cash and runway. Everything below `revenueReport`
 * is pure: the scorecard, the API and the tests call it on rows they already have.
 *
 * Money is summed in integer cents, so the bridge identity
 *   MRR_end = MRR_start + new + reactivation + expansion − contraction − churn
 * holds exactly; values are returned in major units.
 */
import type { TimeRange, TimeSettings } from '../model/metrics.js';
import { addPeriods, type Period, periodsIn, periodStartOf, startOfLocalDate } from '../model/time.js';
import { compileLedger, compileManualEntries } from '../query/plans/revenue.js';
import { run, type ReportContext } from './context.js';
import { type HealthModel } from '../model/health.js';
import { BUILTIN_MANUAL_METRICS, type HealthMetricName } from '../model/health-metrics.js';
import { accountMrrAt, type LedgerEntryRow, major, mrrAt, mrrBridge } from './mrr.js';
import { type Status, statusOf } from './scorecard.js';
import type { Target } from '../model/scorecard-rows.js';
import { currentManualValues, currentValue, flowIn, type ManualEntry, stockAt } from './manual-values.js';

export type CltvCacReading = 'failing' | 'below_benchmark' | 'healthy' | 'invest_more';

/** The usual reading of CLTV:CAC (docs/health.md): ≈1:1 is a path to failure, 3:1 is healthy, 4:1 or more means invest more in acquisition. */
export function cltvCacReading(ratio: number | null): CltvCacReading | null {
  if (ratio === null || !Number.isFinite(ratio)) return null;
  if (ratio < 1.5) return 'failing';
  if (ratio < 3) return 'below_benchmark';
  if (ratio < 4) return 'healthy';
  return 'invest_more';
}

export const CLTV_CAC_READINGS: Record<CltvCacReading, string> = {
  failing: 'about 1:1 or less: losing money on every new customer',
  below_benchmark: 'below the 3:1 benchmark',
  healthy: 'healthy (3:1 is the benchmark)',
  invest_more: '4:1 or more: efficient, invest more in acquisition',
};

export interface RevenuePeriod {
  period: string;
  /** The period has ended by the report's as-of instant. */
  complete: boolean;
  mrr_start: number;
  new: number;
  reactivation: number;
  expansion: number;
  contraction: number;
  churn: number;
  mrr_end: number;
  net_new_mrr: number;
  customers_start: number;
  customers_end: number;
  new_customers: number;
  reactivated_customers: number;
  expanded_customers: number;
  contracted_customers: number;
  churned_customers: number;
  customer_churn_rate: number | null;
  gross_revenue_churn: number | null;
  nrr: number | null;
  grr: number | null;
  arpc: number | null;
  quick_ratio: number | null;
  sales_marketing_spend: number | null;
  cac: number | null;
  cac_payback_months: number | null;
  /** Monthly customer churn averaged over the trailing complete months (up to 6) used by CLTV. */
  cltv_churn_rate: number | null;
  cltv_churn_months: number;
  cltv: number | null;
  cltv_cac: number | null;
  cltv_cac_reading: CltvCacReading | null;
  cash_balance: number | null;
  /** Net monthly burn as entered. */
  burn: number | null;
  runway_months: number | null;
}

/** The figure of a revenue period each built-in health metric shows. */
export const HEALTH_FIELDS: Readonly<Record<HealthMetricName, keyof RevenuePeriod>> = {
  mrr: 'mrr_end', revenue_churn: 'gross_revenue_churn', nrr: 'nrr', grr: 'grr', customer_churn: 'customer_churn_rate',
  arpc: 'arpc', quick_ratio: 'quick_ratio', cltv: 'cltv', cac: 'cac', cltv_cac: 'cltv_cac',
  cash_balance: 'cash_balance', burn: 'burn', runway: 'runway_months',
};

/** The figure a built-in health metric shows; undefined for a custom one. */
export function healthField(name: string): keyof RevenuePeriod | undefined {
  return Object.hasOwn(HEALTH_FIELDS, name) ? HEALTH_FIELDS[name as HealthMetricName] : undefined;
}

export interface RevenueInput {
  ledger: readonly LedgerEntryRow[];
  periods: readonly Period[];
  time: TimeSettings;
  /** What counts as a complete period or month. */
  asOf: number;
  grossMargin: number;
  /** Hand entries (history allowed): sales_marketing_spend, cash_balance, burn. */
  manual?: readonly ManualEntry[];
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
export const CLTV_MONTHS = 6;

/** Every figure of every period. */
export function revenuePeriods(input: RevenueInput): RevenuePeriod[] {
  const { ledger, periods, time, asOf, grossMargin } = input;
  if (periods.length === 0) return [];
  const bridge = mrrBridge(ledger, periods);
  const manual = currentManualValues(input.manual ?? []);
  const churnAt = monthlyChurnLookup(ledger, periods[0].from, periods[periods.length - 1].to, time);
  return periods.map((p, i) => {
    const b = bridge[i];
    const arpc = b.customersEnd > 0 ? b.mrrEnd / b.customersEnd / 100 : null;
    const spendFlow = flowIn(manual.get('sales_marketing_spend'), p, time);
    const spend = spendFlow && spendFlow.coverage >= 0.999 ? spendFlow.amount : null;
    const cac = spend !== null && b.newCustomers > 0 ? spend / b.newCustomers : null;
    const margin = arpc !== null ? arpc * grossMargin : null;
    const { rate: cltvChurn, months } = churnAt(Math.min(p.to, asOf));
    const cltv = margin !== null && cltvChurn !== null && cltvChurn > 0 ? margin / cltvChurn : null;
    const cltvCac = cltv !== null && cac !== null && cac > 0 ? cltv / cac : null;
    const cash = stockAt(manual.get('cash_balance'), p, time);
    const burn = stockAt(manual.get('burn'), p, time);
    return {
      period: p.name,
      complete: p.to <= asOf,
      mrr_start: major(b.mrrStart),
      new: major(b.newMrr),
      reactivation: major(b.reactivation),
      expansion: major(b.expansion),
      contraction: major(b.contraction),
      churn: major(b.churn),
      mrr_end: major(b.mrrEnd),
      net_new_mrr: major(b.mrrEnd - b.mrrStart),
      customers_start: b.customersStart,
      customers_end: b.customersEnd,
      new_customers: b.newCustomers,
      reactivated_customers: b.reactivatedCustomers,
      expanded_customers: b.expandedCustomers,
      contracted_customers: b.contractedCustomers,
      churned_customers: b.churnedCustomers,
      customer_churn_rate: ratio(b.churnedCustomers, b.customersStart),
      gross_revenue_churn: ratio(b.churn + b.contraction, b.mrrStart),
      nrr: ratio(b.mrrStart + b.expansion - b.contraction - b.churn, b.mrrStart),
      grr: ratio(b.mrrStart - b.contraction - b.churn, b.mrrStart),
      arpc,
      quick_ratio: ratio(b.newMrr + b.reactivation + b.expansion, b.contraction + b.churn),
      sales_marketing_spend: spendFlow ? spendFlow.amount : null,
      cac,
      cac_payback_months: cac !== null && margin !== null && margin > 0 ? cac / margin : null,
      cltv_churn_rate: cltvChurn,
      cltv_churn_months: months,
      cltv,
      cltv_cac: cltvCac,
      cltv_cac_reading: cltvCacReading(cltvCac),
      cash_balance: cash,
      burn,
      runway_months: cash !== null && burn !== null && burn > 0 ? cash / burn : null,
    };
  });
}

/**
 * For an instant t: the monthly customer churn rate averaged over the (up to) 6 complete calendar
 * months ending at or before t (ChartMogul's smoothing); months without paying customers at their
 * start have no rate and are skipped.
 */
function monthlyChurnLookup(ledger: readonly LedgerEntryRow[], from: number, to: number, time: TimeSettings) {
  const firstMonth = addPeriods(periodStartOf(from, 'month', time), 'month', -(CLTV_MONTHS + 1));
  const months = periodsIn({ from: startOfLocalDate(firstMonth, time.timezone), to }, 'month', time);
  const bridge = mrrBridge(ledger, months);
  const rates = months.map((m, i) => ({ to: m.to, rate: ratio(bridge[i].churnedCustomers, bridge[i].customersStart) }));
  return (t: number): { rate: number | null; months: number } => {
    const complete = rates.filter((m) => m.to <= t).slice(-CLTV_MONTHS).filter((m) => m.rate !== null);
    if (complete.length === 0) return { rate: null, months: 0 };
    return { rate: complete.reduce((sum, m) => sum + m.rate!, 0) / complete.length, months: complete.length };
  };
}

// ---------------------------------------------------------------------------------------------
// Running against a database

export interface RevenueReport {
  period: 'week' | 'month';
  as_of: string;
  /** Total MRR at the as-of instant. */
  mrr_as_of: number;
  /** Accounts paying at the as-of instant: the customers behind `mrr_as_of`. */
  customers_as_of: number;
  /** The `health:` targets of the built-in metrics, by name. */
  targets: Partial<Record<HealthMetricName, Target>>;
  /**
   * Per period (same order as `periods`): each targeted metric's status against its target. Targets
   * are monthly, so weekly periods carry only the levels (MRR, ARPC, cash, burn, runway).
   */
  status: Partial<Record<HealthMetricName, Status>>[];
  gross_margin: number;
  currencies: string[];
  periods: RevenuePeriod[];
  warnings: string[];
}

/** The statements `fetchLedger` and `fetchManualEntries` run: what a value computed from their rows depends on. */
export const ledgerQuery = (ctx: ReportContext, to?: number) => compileLedger(ctx.query, { to });
export const manualEntriesQuery = (ctx: ReportContext, metrics?: readonly string[], period?: string) => compileManualEntries(ctx.query, { metrics, period });

export async function fetchLedger(ctx: ReportContext, to?: number): Promise<LedgerEntryRow[]> {
  const rows = await run<{ account_id: string; subscription_id: string; t: number; mrr: number; currency: string | null }>(ctx, ledgerQuery(ctx, to));
  return rows.map((r) => ({ account: r.account_id, subscription: r.subscription_id, t: Number(r.t), mrr: Number(r.mrr), currency: r.currency }));
}

/** Every hand entry of these metrics (all metrics when omitted), oldest first: the audit trail. */
export async function fetchManualEntries(ctx: ReportContext, metrics?: readonly string[], period?: string): Promise<ManualEntry[]> {
  const rows = await run<{ metric: string; period: string; value: number | null; entered_by: string; entered_ms: number; note: string | null }>(
    ctx, manualEntriesQuery(ctx, metrics, period),
  );
  return rows.map((r) => ({ ...r, value: r.value === null ? null : Number(r.value), entered_ms: Number(r.entered_ms) }));
}

/** The current hand-entered value of (metric, period): null when never entered or cleared. */
export async function manualValue(ctx: ReportContext, metric: string, period: string): Promise<number | null> {
  return currentValue(await fetchManualEntries(ctx, [metric], period), metric, period);
}

/** Periods before the ledger's first row and the first hand entry carry nothing: `trimLeading` drops them. */
function firstActivity(out: readonly RevenuePeriod[]): number {
  const i = out.findIndex((p) => p.mrr_end !== 0 || p.mrr_start !== 0 || p.churned_customers > 0 || p.cash_balance !== null || p.burn !== null || p.sales_marketing_spend !== null);
  return i < 0 ? Math.max(0, out.length - 1) : i;
}

/** Health metrics that are a level at an instant, so a weekly value meets a monthly target as well. */
const LEVELS: ReadonlySet<HealthMetricName> = new Set(['mrr', 'arpc', 'cash_balance', 'burn', 'runway']);

/** Each targeted built-in metric of a period against its target: the one place a health figure is judged. */
export function healthStatus(
  period: RevenuePeriod, targets: Partial<Record<HealthMetricName, Target>>, frequency: 'week' | 'month',
): Partial<Record<HealthMetricName, Status>> {
  const out: Partial<Record<HealthMetricName, Status>> = {};
  for (const [name, target] of Object.entries(targets) as [HealthMetricName, Target][]) {
    if (frequency === 'week' && !LEVELS.has(name)) continue;
    out[name] = statusOf(period[HEALTH_FIELDS[name]] as number | null, target);
  }
  return out;
}

export async function revenueReport(
  ctx: ReportContext, health: Pick<HealthModel, 'grossMargin' | 'targets'>, frequency: 'week' | 'month', range: TimeRange, options: { trimLeading?: boolean } = {},
): Promise<RevenueReport> {
  const ledger = await fetchLedger(ctx);
  const manual = await fetchManualEntries(ctx, BUILTIN_MANUAL_METRICS);
  const periods = periodsIn(range, frequency, ctx.model.time);
  const currencies = [...new Set(ledger.map((r) => r.currency).filter((c): c is string => !!c))].sort();
  const warnings: string[] = [];
  if (ledger.length === 0) warnings.push('the subscription ledger is empty; import it with `truenorth import subscriptions FILE.csv`');
  if (currencies.length > 1) warnings.push(`the ledger mixes currencies (${currencies.join(', ')}); amounts are added as they are`);
  const all = revenuePeriods({ ledger, periods, time: ctx.model.time, asOf: ctx.asOf, grossMargin: health.grossMargin, manual });
  const skip = options.trimLeading ? firstActivity(all) : 0;
  const out = all.slice(skip);
  periods.splice(0, skip);
  const current = currentManualValues(manual).get('sales_marketing_spend');
  const partial = out.filter((p, i) => p.complete && p.cac === null && p.new_customers > 0 && flowIn(current, periods[i], ctx.model.time) !== null);
  if (partial.length) warnings.push(`sales_marketing_spend does not cover all of ${partial.map((p) => p.period).join(', ')}; no CAC there`);
  const targets = Object.fromEntries(Object.entries(health.targets).filter(([name]) => Object.hasOwn(HEALTH_FIELDS, name))) as RevenueReport['targets'];
  return {
    period: frequency,
    as_of: new Date(ctx.asOf).toISOString(),
    mrr_as_of: mrrAt(ledger, ctx.asOf),
    customers_as_of: accountMrrAt(ledger, ctx.asOf).size,
    targets,
    status: out.map((p) => healthStatus(p, targets, frequency)),
    gross_margin: health.grossMargin,
    currencies,
    periods: out,
    warnings,
  };
}
