/**
 * Every event, property and trait name truenorth.yaml names, with its key path: what the config is
 * checked against the store for (name-check.ts). One walker over every section, so a new
 * place that names an event is added here once.
 */
import { STAGES } from '../model/metrics.js';
import { summedProperty, type Config, type Filter } from './schema/index.js';
import { HEART_CATEGORIES } from '../model/health.js';

export type PathSegment = string | number;

export type NamedKind = 'event' | 'property' | 'trait';

export interface ConfigName {
  kind: NamedKind;
  name: string;
  /** Key path in truenorth.yaml, e.g. ['journey', 'setup', 'event'] or […, 'event', 1] for a list. */
  path: PathSegment[];
  /** For a property: the event names whose properties it reads. */
  events?: string[];
  /** For a trait: which table holds it (`either`: the ideal user profile reads users, else accounts). */
  table?: 'users' | 'accounts' | 'either';
  /** The schema's default, not necessarily written in the file: a missing one is worth a warning, not an error. */
  defaulted?: boolean;
}

/** The support-ticket rule's default event, on whenever the risk section does not say otherwise. */
export const DEFAULT_TICKET_EVENT = 'Support Ticket Opened';

/** One event name or several (`event: [a, b]`); both shapes are read, wherever an event is named. */
type EventNames = string | readonly string[] | undefined;

function eventNames(value: EventNames, path: PathSegment[]): ConfigName[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [{ kind: 'event', name: value, path }];
  return value.map((name, i) => ({ kind: 'event' as const, name, path: [...path, i] }));
}

const list = (value: EventNames): string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : [...value]);

function properties(keys: readonly string[], path: PathSegment[], events: EventNames): ConfigName[] {
  return keys.map((name) => ({ kind: 'property' as const, name, path: [...path, name], events: list(events) }));
}

function filterKeys(filter: Filter | undefined, path: PathSegment[], events: EventNames): ConfigName[] {
  return filter ? properties(Object.keys(filter), path, events) : [];
}

interface EventPlace {
  event?: EventNames;
  where?: Filter;
  measure?: string;
}

/** An event place: `event:`, its `where:` keys and a `sum:<property>` measure. */
function eventPlace(place: EventPlace, path: PathSegment[]): ConfigName[] {
  const summed = place.measure ? summedProperty(place.measure as Parameters<typeof summedProperty>[0]) : undefined;
  return [
    ...eventNames(place.event, [...path, 'event']),
    ...filterKeys(place.where, [...path, 'where'], place.event),
    ...(summed ? [{ kind: 'property' as const, name: summed, path: [...path, 'measure'], events: list(place.event) }] : []),
  ];
}

function heartNames(config: Config): ConfigName[] {
  const out: ConfigName[] = [];
  for (const category of HEART_CATEGORIES) {
    config.heart?.[category]?.metrics.forEach((metric, i) => {
      const path = ['heart', category, 'metrics', i];
      out.push(...eventPlace(metric as EventPlace, path), ...filterKeys(metric.share, [...path, 'share'], metric.event as EventNames));
      if (metric.adoption) out.push(...eventPlace(metric.adoption as EventPlace, [...path, 'adoption']));
      const task = metric.task as { start: EventNames; complete: EventNames; error?: EventNames; key?: string } | undefined;
      if (!task) return;
      for (const step of ['start', 'complete', 'error'] as const) out.push(...eventNames(task[step], [...path, 'task', step]));
      if (task.key) out.push({ kind: 'property', name: task.key, path: [...path, 'task', 'key'], events: [...list(task.start), ...list(task.complete)] });
    });
  }
  return out;
}

function surveyNames(config: Config): ConfigName[] {
  const out: ConfigName[] = [];
  for (const [survey, field] of [['pmf', 'answer'], ['nps', 'score'], ['csat', 'score']] as const) {
    const place = config.surveys[survey] as ({ event: EventNames } & Record<string, unknown>) | undefined;
    if (!place) continue;
    out.push(...eventNames(place.event, ['surveys', survey, 'event']));
    out.push({ kind: 'property', name: String(place[field]), path: ['surveys', survey, field], events: list(place.event) });
  }
  return out;
}

function riskNames(config: Config): ConfigName[] {
  const { key_feature: feature, support_tickets: tickets, seat_utilization: seats } = config.risk;
  const out: ConfigName[] = [];
  if (feature.enabled) out.push(...eventPlace(feature as EventPlace, ['risk', 'key_feature']));
  if (tickets.enabled) {
    const names = eventNames(tickets.event as EventNames, ['risk', 'support_tickets', 'event']);
    out.push(...names.map((n) => (n.name === DEFAULT_TICKET_EVENT ? { ...n, defaulted: true } : n)));
  }
  if (seats.enabled) out.push({ kind: 'trait', name: config.risk.seats_trait, path: ['risk', 'seats_trait'], table: 'accounts' });
  return out;
}

export function configNames(config: Config): ConfigName[] {
  const out: ConfigName[] = [];
  for (const stage of STAGES) {
    const definition = config.journey[stage];
    if (definition) out.push(...eventPlace(definition as EventPlace, ['journey', stage]));
  }
  out.push(...eventPlace(config.north_star as EventPlace, ['north_star']));
  config.metrics.forEach((metric, i) => out.push(...eventPlace(metric as EventPlace, ['metrics', i])));
  out.push(...surveyNames(config), ...heartNames(config));
  // Retention defaults to the North Star's event: named once, under north_star.
  const retention = config.retention as EventPlace;
  const sameAsNorthStar = JSON.stringify(list(retention.event)) === JSON.stringify(list(config.north_star.event as EventNames));
  if (!sameAsNorthStar) out.push(...eventPlace({ event: retention.event }, ['retention']));
  if (!sameAsNorthStar || JSON.stringify(retention.where) !== JSON.stringify(config.north_star.where)) {
    out.push(...filterKeys(retention.where, ['retention', 'where'], retention.event));
  }
  out.push(...riskNames(config));
  for (const key of Object.keys(config.ideal_user ?? {})) out.push({ kind: 'trait', name: key, path: ['ideal_user', key], table: 'either' });
  return out;
}
