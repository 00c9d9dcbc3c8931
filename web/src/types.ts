/** The read API's objects, as far as the dashboard uses them (docs/reports.md). */

export type Status = 'on_track' | 'off_track' | 'no_target' | 'no_data';
export type Unit = 'count' | 'money' | 'rate' | 'ratio' | 'months' | 'number';
export type Target = { gte: number } | { lte: number } | { between: [number, number] };
export type Segment = 'all' | 'ideal';

export interface DashboardContext {
  product: string;
  /** Where the server stores events. */
  engine: 'duckdb' | 'clickhouse';
  /** What the server's store cannot do, with the reason and what to do instead (hand entry needs write_lane, notes and check-ins team_tables). */
  gaps: Partial<Record<'ingest' | 'import' | 'write_lane' | 'team_tables' | 'export_events' | 'catalogue_summary' | 'stripe', string>>;
  stage: string | null;
  business_model: string | null;
  timezone: string;
  week_start: string;
  first_event: string | null;
  last_event: string | null;
  default_week: string;
  weeks: { week: string; as_of: string }[];
  north_star: {
    name: string; event: string; where: Record<string, Record<string, unknown>> | null; measure: string; frequency: string;
    per: string | null; owner: string | null; target: Target | null;
  };
  journey: { stage: string; event: string; owner: string | null; target: Target | null; target_rate: number | null }[];
  rows: { id: string; name: string; owner: string | null; unit: Unit }[];
  manual_metrics: { id: string; name: string; row: string | null; owner: string | null; unit: Unit }[];
  computed_metrics: { id: string; name: string }[];
  ideal_user: boolean;
  surveys: { pmf: boolean; nps: boolean; csat: boolean };
  heart: boolean;
  guardrails: boolean;
  okrs: { objective: string; due: string; key_results: string[] }[];
  tree: boolean;
}

export interface ScorecardRow {
  id: string;
  name: string;
  owner: string | null;
  target: Target | null;
  source: 'computed' | 'manual';
  /** How the values read (the server's; 'count' unless it knows better). */
  unit?: Unit;
  values: (number | null)[];
  status: Status[];
  trend: number | null;
  manual?: (number | null)[];
  baseline?: { mean_last_4_weeks: number; suggested_target: Target };
  lower_is_better?: boolean;
  /** Why each no_data cell has no data. */
  reasons?: (string | null)[];
}

export interface Bottleneck {
  from_stage: string;
  stage: string;
  actual_rate: number | null;
  target_rate: number | null;
  multiplier: number | null;
  owner: string | null;
  basis: 'target' | 'lowest_conversion';
  sentence: string;
}

export interface Scorecard {
  weeks: string[];
  rows: ScorecardRow[];
  bottleneck: Bottleneck | null;
  bottleneck_ideal: Bottleneck | null;
  /** Why no bottleneck is named, or the steps it was not judged on for lack of data. */
  bottleneck_note?: string | null;
  ceo_of_the_week: { owner: string; metric: string; reason: string } | null;
  ceo_note?: string | null;
  praise: { owner: string; metric: string }[];
  accountability: { rows_without_owner: string[]; overloaded_owners: { owner: string; rows: string[] }[] };
  journey_steps: { from: string; to: string; actual_rate: number | null; target_rate: number | null; owner: string | null; no_data?: string }[];
}

export interface ReviewNote { week: string; row_id: string; note: string; author: string; at: string }

export interface SeriesReport { name: string; frequency: string; segment: string; series: { period: string; value: number | null }[] }

export interface FunnelStep { stage: string; event: string; actors: number; conversion_from_previous: number | null; conversion_from_first: number | null }
export interface FunnelReport {
  window_days: number;
  segment: string;
  from: string;
  to: string;
  steps: FunnelStep[];
  breakdown?: { key: string; groups: { value: string; steps: FunnelStep[] }[] };
}
export interface WeeklyStages { segment: string; weeks: { week: string; stages: Record<string, number> }[] }

export interface PqlReport {
  pqls: { actor: string; account: string | null; qualified_at: string; upgraded_at?: string | null }[];
  upgrade_rate: number | null;
  weeks: { week: string; ideal_signups: number; pqls: number; ideal_upgrades: number }[];
  missing_stages: string[];
}

export interface RetentionReport {
  period: 'week' | 'month';
  mode: 'on' | 'on_or_after';
  segment: string;
  cohorts: { cohort: string; size: number; retained: (number | null)[]; rates: (number | null)[]; complete: boolean[] }[];
  average: (number | null)[];
}

export interface RevenuePeriod {
  period: string; complete: boolean; mrr_start: number; new: number; reactivation: number; expansion: number; contraction: number;
  churn: number; mrr_end: number; net_new_mrr: number; customers_start: number; customers_end: number; new_customers: number;
  churned_customers: number; customer_churn_rate: number | null; gross_revenue_churn: number | null; nrr: number | null;
  grr: number | null; arpc: number | null; quick_ratio: number | null; sales_marketing_spend: number | null; cac: number | null;
  cac_payback_months: number | null; cltv: number | null; cltv_cac: number | null; cltv_cac_reading: string | null;
  cash_balance: number | null; burn: number | null; runway_months: number | null;
}
export interface RevenueReport {
  period: 'week' | 'month'; as_of: string; mrr_as_of: number; gross_margin: number; currencies: string[];
  periods: RevenuePeriod[]; warnings: string[];
}

interface SurveyPart { responses: number; score: number | null; warning: string | null; event: string }
export interface PmfPart extends SurveyPart {
  very_disappointed: number | null; very_disappointed_count: number; somewhat_disappointed_count: number; not_disappointed_count: number;
  reached_40: boolean | null;
}
export interface NpsPart extends SurveyPart { promoters: number; passives: number; detractors: number }
export interface CsatPart extends SurveyPart { satisfied: number }
type WithWeeks<T> = T & { by_week: (Omit<T, 'event' | 'by_week'> & { period: string })[]; by_segment?: { ideal: T; not_ideal: T } };
export interface SurveysReport { from: string; to: string; segment: string; pmf: WithWeeks<PmfPart> | null; nps: WithWeeks<NpsPart> | null; csat: WithWeeks<CsatPart> | null }

export interface BenchmarksReport {
  stage: string | null;
  business_model: string;
  measured: {
    pmf: { value: number | null; responses: number; warning?: string | null };
    retention_30d: { value: number | null; cohort: number; retained: number; cohort_from: string; cohort_to: string };
  };
  grades: { pmf?: { target: string; grade: string } | null; retention_30d?: { target: string; grade: string } | null };
  table: { stage: string; label: string; pmf_target: string; retention_30d_target: string; focus: string; current: boolean }[];
  notes: string[];
}

export interface HeartMetric { id: string; name: string; unit: string; value: number | null; previous: number | null; change: number | null; overall: number | null; better: string }
export interface GuardrailsReport {
  weeks: string[];
  pairs: { metric: string; guardrail: string; status: string; message: string; note: string | null; contradictions: string[] }[];
  alerts: unknown[];
}
export interface HeartReport {
  weeks: string[];
  categories: { category: string; goal: string | null; signals: string[]; metrics: HeartMetric[] }[];
  guardrails: GuardrailsReport | null;
}

export interface LeadingIndicator {
  event: string; at_least: number; within_days: number; did: number; did_rate: number; did_not: number; did_not_rate: number;
  lift: number | null; p_value: number; q_value: number; significant: boolean; coverage: number; score: number; sentence: string;
}
export interface LeadingReport {
  outcome: string; outcome_definition: string; within_days: number; segment: string;
  cohort: { actors: number; reached_outcome: number; outcome_rate: number | null };
  tested: number; skipped: number; min_group: number;
  indicators: LeadingIndicator[];
}

export interface TreeReport {
  weeks: string[];
  method: string;
  nodes: { id: string; name: string; kind: string; series: { period: string; value: number | null }[]; note: string | null }[];
  edges: {
    from: string; to: string; from_name: string; to_name: string;
    lags: { lag: number; r: number | null; r_levels?: number | null; pairs: number }[];
    best_lag: number | null; best_r: number | null; p_value: number | null; moves_with_target: boolean | null; warning: string | null;
  }[];
  roots: string[];
  unattached: string[];
}

export interface RiskReport {
  as_of: string;
  rules: { id: string; enabled: boolean; weight: number; description: string }[];
  accounts_evaluated: number;
  total_mrr: number;
  accounts: { account: string; mrr: number; score: number; rules: string[]; reasons: string[] }[];
  mrr_at_risk: number;
  share_of_mrr_at_risk: number | null;
  by_rule: { rule: string; accounts: number; mrr: number; tripped?: number }[];
  backtest?: { horizon_weeks: number; weeks: number; cases: number; hits: number; base_rate: number | null; rules: { rule: string; precision: number | null; lift: number | null; predictive: boolean; verdict: string }[] };
}

export interface PredictiveIndicator { id: string; name: string; unit: 'rate' | 'count' | 'money'; series: { period: string; value: number | null }[] | null; value?: number | null }
export interface PredictiveReport {
  weeks: string[];
  segment: string;
  pairs: {
    goal: string;
    lagging: PredictiveIndicator;
    leading: PredictiveIndicator | null;
    relation: string | null;
    example: string;
  }[];
}

export interface KeyResult { metric: string; measure: 'rate' | 'value'; from: number; to: number; due: string; current: number | null; week: string; progress: number | null; status: string }
export interface Checkin { objective: string; key_result: string | null; week: string; note: string; confidence: number | null; author: string; at: string }
export interface OkrsReport { week: string; objectives: { objective: string; due: string; progress: number | null; key_results: KeyResult[]; checkins: Checkin[] }[] }

export interface ManualEntry { metric: string; period: string; value: number | null; entered_by: string; entered_at: string; note: string | null }
