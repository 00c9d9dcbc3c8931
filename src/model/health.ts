/**
 * Business health, surveys, HEART and guardrails as typed data, derived once from a validated config.
 * The query layer compiles these; the report layer interprets the rows.
 */
import { eventList, HEART_CATEGORIES, type Config, type HeartCategory, type HeartMetric } from '../config/schema/index.js';
import { BUILTIN_MANUAL_METRICS } from './health-metrics.js';
import { predicateFromFilter, measureFromConfig } from './from-config.js';
import type { EventSelector, Predicate, SeriesMetric, TimeSettings } from './metrics.js';
import { parseDate, startOfLocalDate } from './time.js';

export type Stage = 'pre-launch' | 'early' | 'growth' | 'mature';
export type BusinessModel = 'b2b' | 'b2c';
export type Better = 'higher' | 'lower';
export type SurveyKind = 'pmf' | 'nps' | 'csat';


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

export function healthModelFromConfig(config: Config): HealthModel {
  const time: TimeSettings = { timezone: config.timezone, weekStart: config.week_start };
  const surveys: HealthModel['surveys'] = {};
  if (config.surveys.pmf) surveys.pmf = { kind: 'pmf', events: eventList(config.surveys.pmf.event), property: config.surveys.pmf.answer, activeOnly: config.surveys.pmf.active_only ?? false };
  if (config.surveys.nps) surveys.nps = { kind: 'nps', events: eventList(config.surveys.nps.event), property: config.surveys.nps.score, activeOnly: false };
  if (config.surveys.csat) surveys.csat = { kind: 'csat', events: eventList(config.surveys.csat.event), property: config.surveys.csat.score, activeOnly: false };
  const heart = HEART_CATEGORIES.flatMap((category) => {
    const section = config.heart?.[category];
    if (!section) return [];
    return [{
      category,
      goal: section.goal ?? null,
      signals: section.signals ?? [],
      metrics: section.metrics.map((m) => heartMetricFromConfig(category, m, time)),
    }];
  });
  return {
    grossMargin: config.gross_margin,
    stage: config.stage ?? null,
    businessModel: config.business_model ?? null,
    surveys,
    heart,
    guardrails: config.guardrails.map((g) => ({
      metric: g.metric, guardrail: g.guardrail, threshold: g.threshold, thresholdType: g.threshold_type, note: g.note ?? null,
    })),
    manualMetrics: manualMetricNames(config),
    manualMetricIds: config.metrics.filter((m) => m.source === 'manual').map((m) => m.id),
  };
}

/** cash_balance, burn, sales_marketing_spend, health entries with source manual, metrics with source manual. */
export function manualMetricNames(config?: Pick<Config, 'health' | 'metrics'>): string[] {
  const names = new Set<string>(BUILTIN_MANUAL_METRICS);
  for (const [name, entry] of Object.entries(config?.health ?? {})) if (entry.source === 'manual') names.add(name);
  for (const metric of config?.metrics ?? []) if (metric.source === 'manual') names.add(metric.id);
  return [...names];
}

/** Lower is better for these series; everything else is better higher. */
const LOWER_IS_BETTER = new Set(['health.revenue_churn', 'health.customer_churn', 'health.cac', 'health.burn']);

/** Which way is good for a guardrail series id. */
export function betterDirection(id: string, health: Pick<HealthModel, 'heart'>): Better {
  if (LOWER_IS_BETTER.has(id)) return 'lower';
  if (id.startsWith('heart.')) {
    const [, metricId, field] = id.split('.');
    const metric = health.heart.flatMap((c) => c.metrics).find((m) => m.id === metricId);
    if (metric?.measurement.kind === 'task') return field === 'error_rate' || field === 'median_seconds' ? 'lower' : 'higher';
    return metric?.better ?? 'higher';
  }
  return 'higher';
}


function heartMetricFromConfig(category: HeartCategory, m: HeartMetric, time: TimeSettings): HeartMetricDefinition {
  const base = { id: m.id, name: m.name ?? m.id, category };
  let measurement: HeartMeasurement;
  const better: Better = m.better ?? 'higher';
  if (m.task) {
    const { start, complete, error, key } = m.task;
    measurement = { kind: 'task', start: eventList(start), complete: eventList(complete), error: error === undefined ? undefined : eventList(error), key };
  } else if (m.survey) {
    measurement = { kind: 'survey', survey: m.survey };
  } else if (m.adoption) {
    const launchedAt = startOfLocalDate(parseDate(m.adoption.launched), time.timezone);
    measurement = {
      kind: 'adoption',
      selector: { events: eventList(m.adoption.event), where: predicateFromFilter(m.adoption.where) },
      launchedAt, launched: m.adoption.launched, withinDays: m.adoption.within,
    };
  } else if (m.retention) {
    measurement = { kind: 'retention', period: m.retention.period, offset: m.retention.offset };
  } else if (m.share) {
    measurement = { kind: 'share', selector: { events: eventList(m.event!), where: predicateFromFilter(m.where) }, matching: predicateFromFilter(m.share) };
  } else {
    measurement = {
      kind: 'series',
      metric: {
        id: `heart.${m.id}`,
        name: m.name ?? m.id,
        selector: { events: eventList(m.event!), where: predicateFromFilter(m.where) },
        measure: measureFromConfig(m.measure ?? 'count'),
        frequency: 'week',
        per: m.per,
        atLeast: m.at_least,
      },
    };
  }
  return { ...base, better, measurement };
}
