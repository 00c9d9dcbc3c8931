/**
 * The metric model: everything the query layer needs, as typed data independent of YAML and SQL.
 * `config/model.ts` builds it from a validated config.
 */
import type { Formula, FormulaMetric } from './formula.js';
import type { Breakdown, EventSelector, Predicate, RetentionDefinition, SeriesMetric, StageDefinition, TimeSettings } from './metrics.js';
import type { RiskRules } from './risk.js';
import type { DrivesEdge } from './tree.js';

export interface MetricModel {
  product: string;
  time: TimeSettings;
  windowDays: number;
  idealUser: Predicate | null;
  /** Configured journey stages, in journey order. */
  journey: StageDefinition[];
  northStar: SeriesMetric;
  metrics: SeriesMetric[];
  retentionSelector: EventSelector;
  /** Declared `drives:` edges of the metric hierarchy (metric → north_star, a metric or health.<name>; north_star → health.<name>). */
  drives?: DrivesEdge[];
  /** Metrics entered by hand (`source: manual`): their ids and names. */
  manualMetrics?: { id: string; name: string }[];
  /** Metrics given as a formula over other metrics (config `formula:`). */
  formulas?: FormulaMetric[];
  /** How the North Star breaks down into metrics (`north_star.formula`), when configured. */
  northStarFormula?: Formula;
  /** The trait week-over-week changes are split by besides ideal users and new actors (`why.breakdown`). */
  whyBreakdown?: Breakdown;
  /** Churn-risk rules (config `risk:`), defaults applied; a disabled rule is null. */
  risk?: RiskRules;
}

/** Retention of the signup cohort (or of the retention action's first use, without a signup stage) by the retention action. */
export function retentionDefinition(model: MetricModel, period: 'week' | 'month', mode: 'on' | 'on_or_after'): RetentionDefinition {
  const signup = model.journey.find((s) => s.stage === 'signup');
  return {
    cohortSelector: signup ? signup.selector : model.retentionSelector,
    activitySelector: model.retentionSelector,
    period,
    mode,
  };
}
