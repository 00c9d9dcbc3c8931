/**
 * Business health, surveys, HEART and guardrails as typed data (`config/model.ts` builds it from the config).
 * The query layer compiles these; the report layer interprets the rows.
 */
import { healthMetric, type Better } from './health-metrics.js';
import type { EventSelector, Predicate, SeriesMetric } from './metrics.js';
import type { Target } from './scorecard-rows.js';

export type Stage = 'pre-launch' | 'early' | 'growth' | 'mature';
export type BusinessModel = 'b2b' | 'b2c';
export type { Better };
export type SurveyKind = 'pmf' | 'nps' | 'csat';

/** HEART: per category, a goal, the signals that show it, and the metrics that measure it. */
export const HEART_CATEGORIES = ['happiness', 'engagement', 'adoption', 'retention', 'task_success'] as const;
export type HeartCategory = (typeof HEART_CATEGORIES)[number];
/** The three numbers a task metric yields, addressable as `heart.<id>.<field>`. */
export const HEART_TASK_FIELDS = ['completion_rate', 'median_seconds', 'error_rate'] as const;


export interface SurveyDefinition {
  kind: SurveyKind;
  events: string[];
  /** The property holding the answer (PMF) or the score (NPS, CSAT). */
  property: string;
  /** PMF only: count only respondents who did the retention action shortly before answering. */
  activeOnly: boolean;
}

export type HeartMeasurement =
  | { kind: 'series'; metric: SeriesMetric }
  | { kind: 'share'; selector: EventSelector; matching: Predicate }
  | { kind: 'survey'; survey: SurveyKind }
  | { kind: 'adoption'; selector: EventSelector; launchedAt: number; launched: string; withinDays: number }
  | { kind: 'retention'; period: 'week' | 'month'; offset: number }
  | { kind: 'task'; start: string[]; complete: string[]; error?: string[]; key?: string };

export interface HeartMetricDefinition {
  id: string;
  name: string;
  category: HeartCategory;
  better: Better;
  measurement: HeartMeasurement;
}

export interface HeartCategoryDefinition {
  category: HeartCategory;
  goal: string | null;
  signals: string[];
  metrics: HeartMetricDefinition[];
}

export interface GuardrailDefinition {
  metric: string;
  guardrail: string;
  threshold: number;
  thresholdType: 'relative' | 'absolute';
  note: string | null;
}

export interface HealthModel {
  grossMargin: number;
  /** The targets of the `health:` entries, by name (revenue_churn, nrr, …): read per month. */
  targets: Partial<Record<string, Target>>;
  stage: Stage | null;
  businessModel: BusinessModel | null;
  surveys: Partial<Record<SurveyKind, SurveyDefinition>>;
  heart: HeartCategoryDefinition[];
  guardrails: GuardrailDefinition[];
  /** Names `truenorth record` accepts. */
  manualMetrics: string[];
  /** Ids of config metrics entered by hand. */
  manualMetricIds: string[];
}

/** Which way is good for a guardrail series id. */
export function betterDirection(id: string, health: Pick<HealthModel, 'heart'>): Better {
  if (id.startsWith('health.')) return healthMetric(id.slice(7))?.better ?? 'higher';
  if (id.startsWith('heart.')) {
    const [, metricId, field] = id.split('.');
    const metric = health.heart.flatMap((c) => c.metrics).find((m) => m.id === metricId);
    if (metric?.measurement.kind === 'task') return field === 'error_rate' || field === 'median_seconds' ? 'lower' : 'higher';
    return metric?.better ?? 'higher';
  }
  return 'higher';
}
