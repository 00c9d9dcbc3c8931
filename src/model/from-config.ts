import type { Config, Filter, JourneyStage, Measure as ConfigMeasure, Metric, NorthStar } from '../config/schema.js';
import { JOURNEY_STAGES } from '../config/schema.js';
import type {
  Condition, EventSelector, FilterOperator, FilterValue, Measure, Predicate, RetentionDefinition,
  SeriesMetric, StageDefinition, TimeSettings,
} from './metrics.js';

/** Everything the query layer needs, derived once from a validated config. */
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
}

export function modelFromConfig(config: Config): MetricModel {
  return {
    product: config.product,
    time: { timezone: config.timezone, weekStart: config.week_start },
    windowDays: config.conversion_window,
    idealUser: config.ideal_user ? predicateFromFilter(config.ideal_user) : null,
    journey: JOURNEY_STAGES.flatMap((name) => {
      const stage = config.journey[name];
      return stage ? [stageFromConfig(name, stage)] : [];
    }),
    northStar: seriesFromConfig('north_star', config.north_star.name, config.north_star),
    metrics: config.metrics.filter((m) => m.source === 'computed').map((m) => seriesFromConfig(m.id, m.name ?? m.id, m)),
    retentionSelector: { event: config.retention.event, where: predicateFromFilter(config.retention.where) },
  };
}

export function predicateFromFilter(filter: Filter | undefined): Predicate {
  if (!filter) return [];
  const out: Condition[] = [];
  for (const [property, condition] of Object.entries(filter)) {
    for (const [op, value] of Object.entries(condition)) {
      if (value === undefined) continue;
      out.push({ property, op: op as FilterOperator, value: value as FilterValue | FilterValue[] });
    }
  }
  return out;
}

function stageFromConfig(name: (typeof JOURNEY_STAGES)[number], stage: JourneyStage): StageDefinition {
  return {
    stage: name,
    selector: { event: stage.event, where: predicateFromFilter(stage.where) },
    atLeast: stage.at_least,
    withinDays: stage.within,
  };
}

export function measureFromConfig(measure: ConfigMeasure): Measure {
  if (measure.startsWith('sum:')) return { kind: 'sum', property: measure.slice(4).trim() };
  return { kind: measure as 'count' | 'unique_users' | 'unique_accounts' };
}

function seriesFromConfig(id: string, name: string, m: NorthStar | Metric): SeriesMetric {
  return {
    id,
    name,
    selector: { event: m.event!, where: predicateFromFilter(m.where) },
    measure: measureFromConfig(m.measure ?? 'count'),
    frequency: m.frequency,
    per: m.per,
    atLeast: m.at_least,
  };
}

export function retentionDefinition(model: MetricModel, period: 'week' | 'month', mode: 'on' | 'on_or_after'): RetentionDefinition {
  const signup = model.journey.find((s) => s.stage === 'signup');
  return {
    cohortSelector: signup ? signup.selector : model.retentionSelector,
    activitySelector: model.retentionSelector,
    period,
    mode,
  };
}
