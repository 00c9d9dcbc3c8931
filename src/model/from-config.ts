import type { Config, Filter, JourneyStage, Measure as ConfigMeasure, Metric, NorthStar } from '../config/schema/index.js';
import { eventList } from '../config/schema/index.js';
import type {
  Condition, EventSelector, FilterOperator, FilterValue, Measure, Predicate, RetentionDefinition,
  SeriesMetric, StageDefinition, StageName, TimeSettings,
} from './metrics.js';
import { STAGES } from './metrics.js';
import type { RiskRules } from './risk.js';
import { drivesEdges, type DrivesEdge } from './tree.js';

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
  /** Declared `drives:` edges of the metric hierarchy (metric → north_star, a metric or health.<name>; north_star → health.<name>). */
  drives?: DrivesEdge[];
  /** Metrics entered by hand (`source: manual`): their ids and names. */
  manualMetrics?: { id: string; name: string }[];
  /** Churn-risk rules (config `risk:`), defaults applied; a disabled rule is null. */
  risk?: RiskRules;
}

export function modelFromConfig(config: Config): MetricModel {
  return {
    product: config.product,
    time: { timezone: config.timezone, weekStart: config.week_start },
    windowDays: config.conversion_window,
    idealUser: config.ideal_user ? predicateFromFilter(config.ideal_user) : null,
    journey: STAGES.flatMap((name) => {
      const stage = config.journey[name];
      return stage ? [stageFromConfig(name, stage)] : [];
    }),
    northStar: seriesFromConfig('north_star', config.north_star.name, config.north_star),
    metrics: config.metrics.filter((m) => m.source === 'computed').map((m) => seriesFromConfig(m.id, m.name ?? m.id, m)),
    retentionSelector: { events: eventList(config.retention.event), where: predicateFromFilter(config.retention.where) },
    drives: drivesEdges(config),
    manualMetrics: config.metrics.filter((m) => m.source === 'manual').map((m) => ({ id: m.id, name: m.name ?? m.id })),
    risk: riskRulesFromConfig(config),
  };
}

export function riskRulesFromConfig(config: Config): RiskRules {
  const r = config.risk;
  const northStar: EventSelector = { events: eventList(config.north_star.event), where: predicateFromFilter(config.north_star.where) };
  const seat = r.seat_utilization;
  const key = r.key_feature;
  const tickets = r.support_tickets;
  const silent = r.no_north_star;
  // The key feature defaults to the North Star action with its filters (or the rule's own filters).
  const keySelector: EventSelector = key.event
    ? { events: eventList(key.event), where: predicateFromFilter(key.where) }
    : { events: northStar.events, where: key.where ? predicateFromFilter(key.where) : northStar.where };
  return {
    seatsTrait: r.seats_trait,
    seatUtilization: seat.enabled ? { below: seat.below, activeDays: seat.active_within, weight: seat.weight } : null,
    keyFeature: key.enabled ? { selector: keySelector, drop: key.drop, days: key.over, baselineDays: key.baseline, minBefore: key.min_before, weight: key.weight } : null,
    supportTickets: tickets.enabled
      ? { events: eventList(tickets.event), above: tickets.above, days: tickets.window, trailingWeeks: tickets.trailing_weeks, minTickets: tickets.min_tickets, weight: tickets.weight }
      : null,
    noNorthStar: silent.enabled ? { days: silent.within, weight: silent.weight } : null,
    northStar,
    backtest: { horizonWeeks: r.backtest.horizon_weeks, weeks: r.backtest.weeks, minFlagged: r.backtest.min_flagged },
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

function stageFromConfig(name: StageName, stage: JourneyStage): StageDefinition {
  return {
    stage: name,
    selector: { events: eventList(stage.event), where: predicateFromFilter(stage.where) },
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
    selector: { events: eventList(m.event!), where: predicateFromFilter(m.where) },
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
