/**
 * The config as an adapter into the model: a validated `truenorth.yaml` becomes the metric model
 * (journey, North Star, metrics, risk rules) and the health model (surveys, HEART, guardrails).
 */
import { parseFormula } from '../model/formula.js';
import { BUILTIN_MANUAL_METRICS } from '../model/health-metrics.js';
import type { MetricModel } from '../model/metric-model.js';
import {
  parseBreakdown, STAGES, type Condition, type EventSelector, type FilterOperator, type FilterValue, type Measure, type Predicate,
  type SeriesMetric, type StageDefinition, type StageName, type TimeSettings,
} from '../model/metrics.js';
import type { RiskRules } from '../model/risk.js';
import { parseDate, startOfLocalDate } from '../model/time.js';
import type { DrivesEdge } from '../model/tree.js';
import { eventList, type Config, type Filter, type HeartMetric, type JourneyStage, type Measure as ConfigMeasure, type Metric, type NorthStar } from './schema/index.js';
import { HEART_CATEGORIES, type Better, type HealthModel, type HeartCategory, type HeartMeasurement, type HeartMetricDefinition } from '../model/health.js';
import { scorecardRows, type ScorecardModel, type ScorecardRowDefinition } from '../model/scorecard-rows.js';

/** The scorecard's rows as the config defines them (`scorecard.rows` picks the metrics; the schema checked the ids). */
export function scorecardRowsFromConfig(config: Config): ScorecardRowDefinition[] {
  return scorecardRows({
    northStar: config.north_star,
    journey: STAGES.flatMap((stage) => (config.journey[stage] ? [{ stage, ...config.journey[stage] }] : [])),
    health: Object.entries(config.health).map(([name, entry]) => ({ name, ...entry })),
    metrics: config.metrics,
    shown: config.scorecard.rows,
  });
}

/** The scorecard as the config defines it: rows, journey targets, where health numbers come from, names. */
export function scorecardModelFromConfig(config: Config): ScorecardModel {
  return {
    weeks: config.scorecard.weeks,
    rows: scorecardRowsFromConfig(config),
    journey: STAGES.flatMap((stage) => {
      const definition = config.journey[stage];
      return definition ? [{ stage, owner: definition.owner, target: definition.target, targetRate: definition.target_rate }] : [];
    }),
    healthSources: Object.fromEntries(Object.entries(config.health).map(([name, entry]) => [name, entry.source])),
    northStarName: config.north_star.name,
    metricNames: Object.fromEntries(config.metrics.map((metric) => [metric.id, metric.name ?? metric.id])),
  };
}

/** The calendar of the config: its time zone and the day weeks start on. */
export function timeSettings(config: Pick<Config, 'timezone' | 'week_start'>): TimeSettings {
  return { timezone: config.timezone, weekStart: config.week_start };
}

export function modelFromConfig(config: Config): MetricModel {
  return {
    product: config.product,
    time: timeSettings(config),
    windowDays: config.conversion_window,
    idealUser: config.ideal_user ? predicateFromFilter(config.ideal_user) : null,
    journey: STAGES.flatMap((name) => {
      const stage = config.journey[name];
      return stage ? [stageFromConfig(name, stage)] : [];
    }),
    northStar: seriesFromConfig('north_star', config.north_star.name, config.north_star),
    metrics: config.metrics.filter((m) => m.source === 'computed' && m.formula === undefined).map((m) => seriesFromConfig(m.id, m.name ?? m.id, m)),
    formulas: config.metrics.flatMap((m) => (m.formula === undefined ? [] : [{ id: m.id, name: m.name ?? m.id, formula: parseFormula(m.formula) }])),
    ...(config.north_star.formula ? { northStarFormula: parseFormula(config.north_star.formula) } : {}),
    ...(config.why.breakdown ? { whyBreakdown: parseBreakdown(config.why.breakdown) } : {}),
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

/** Node ids: `north_star`, a metric id, or `health.<name>` (a business outcome). */
export function drivesEdges(config: Pick<Config, 'metrics' | 'north_star'>): DrivesEdge[] {
  const edges: DrivesEdge[] = [];
  for (const metric of config.metrics) if (metric.drives) edges.push({ from: metric.id, to: metric.drives });
  for (const outcome of config.north_star.drives ?? []) edges.push({ from: 'north_star', to: outcome });
  return edges;
}

export function healthModelFromConfig(config: Config): HealthModel {
  const time = timeSettings(config);
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
    targets: Object.fromEntries(Object.entries(config.health).flatMap(([name, entry]) => (entry.target ? [[name, entry.target]] : []))),
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
