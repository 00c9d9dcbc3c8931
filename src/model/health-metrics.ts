/**
 * The business-health numbers: one row per metric with what it is called, how it is shown, which
 * way is good, and whether a ledger computes it or someone enters it by hand every week.
 */
export type HealthUnit = 'money' | 'rate' | 'ratio' | 'months';
export type Better = 'higher' | 'lower';

export interface HealthMetricFacts {
  id: string;
  /** The display name everywhere: scorecard rows, the dashboard, the guardrails, the CLI. */
  name: string;
  unit: HealthUnit;
  better: Better;
  /** manual: no ledger can give it, it is entered by hand. */
  source: 'computed' | 'manual';
}

/** The health metrics `health:` accepts without `source: manual`, in scorecard order. */
export const HEALTH_METRICS = [
  'mrr', 'revenue_churn', 'nrr', 'grr', 'customer_churn', 'arpc', 'quick_ratio',
  'cltv', 'cac', 'cltv_cac', 'cash_balance', 'burn', 'runway',
] as const;
export type HealthMetricName = (typeof HEALTH_METRICS)[number];

/** Entered by hand like cash and burn, for CAC; not a health row of its own. */
export const SALES_MARKETING_SPEND = 'sales_marketing_spend';

const facts = (id: string, name: string, unit: HealthUnit, better: Better = 'higher', source: 'computed' | 'manual' = 'computed'): HealthMetricFacts =>
  ({ id, name, unit, better, source });

export const HEALTH_METRIC_TABLE: Readonly<Record<HealthMetricName | typeof SALES_MARKETING_SPEND, HealthMetricFacts>> = {
  mrr: facts('mrr', 'MRR', 'money'),
  revenue_churn: facts('revenue_churn', 'Gross revenue churn', 'rate', 'lower'),
  nrr: facts('nrr', 'Net revenue retention', 'rate'),
  grr: facts('grr', 'Gross revenue retention', 'rate'),
  customer_churn: facts('customer_churn', 'Customer churn', 'rate', 'lower'),
  arpc: facts('arpc', 'ARPC', 'money'),
  quick_ratio: facts('quick_ratio', 'Quick ratio', 'ratio'),
  cltv: facts('cltv', 'CLTV', 'money'),
  cac: facts('cac', 'CAC', 'money', 'lower'),
  cltv_cac: facts('cltv_cac', 'CLTV:CAC', 'ratio'),
  cash_balance: facts('cash_balance', 'Cash balance', 'money', 'higher', 'manual'),
  burn: facts('burn', 'Net monthly burn', 'money', 'lower', 'manual'),
  runway: facts('runway', 'Runway (months)', 'months'),
  sales_marketing_spend: facts(SALES_MARKETING_SPEND, 'Sales & marketing spend', 'money', 'lower', 'manual'),
};

/**
 * Rates over a month's revenue or customers: a week's is too noisy to steer by (one account churning
 * swings it), and their targets are monthly. The scorecard shows each week the last complete month.
 */
export const MONTHLY_HEALTH_METRICS: ReadonlySet<string> = new Set<HealthMetricName>(['revenue_churn', 'nrr', 'grr', 'customer_churn', 'quick_ratio']);

/** The facts of a built-in health metric (or of sales & marketing spend); undefined for a custom one. */
export function healthMetric(id: string): HealthMetricFacts | undefined {
  return Object.hasOwn(HEALTH_METRIC_TABLE, id) ? HEALTH_METRIC_TABLE[id as HealthMetricName] : undefined;
}

/** Hand-entered finance numbers every product has, whether or not they are scorecard rows. */
export const BUILTIN_MANUAL_METRICS: readonly string[] = Object.values(HEALTH_METRIC_TABLE).filter((m) => m.source === 'manual').map((m) => m.id);

/** A built-in health metric no ledger can give (cash_balance, burn). */
export function isManualHealthMetric(id: string): boolean {
  return (HEALTH_METRICS as readonly string[]).includes(id) && healthMetric(id)?.source === 'manual';
}
