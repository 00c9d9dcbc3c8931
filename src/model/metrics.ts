/**
 * Metric definitions as typed data: what the config means, independent of YAML and of SQL.
 * The query layer compiles these into plans; reports interpret the results.
 */
export type Frequency = 'day' | 'week' | 'month';
export type WeekStart = 'monday' | 'sunday';

export type FilterOperator = 'eq' | 'ne' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'contains' | 'exists';
export type FilterValue = string | number | boolean;
export interface Condition {
  property: string;
  op: FilterOperator;
  value: FilterValue | FilterValue[];
}
/** All conditions must hold (AND). */
export type Predicate = Condition[];

/** The events of one step: any of `events` (the names are one step), each filtered by `where`. */
export interface EventSelector {
  events: string[];
  where: Predicate;
}

/** The names of a step for people to read: `Signed Up`, or `Signed Up or signup_completed`. */
export function eventsLabel(events: readonly string[]): string {
  return events.length > 1 ? `${events.slice(0, -1).join(', ')} or ${events[events.length - 1]}` : events.join('');
}

export type Measure =
  | { kind: 'count' }
  | { kind: 'sum'; property: string }
  | { kind: 'unique_users' }
  | { kind: 'unique_accounts' };

export interface SeriesMetric {
  id: string;
  name: string;
  selector: EventSelector;
  measure: Measure;
  frequency: Frequency;
  /** Divide by the distinct accounts/users with at least one qualifying event in the period. */
  per?: 'account' | 'user';
  /** "N-times users": actors who did the action at least n times in the period. */
  atLeast?: number;
}

export const STAGES = ['visit', 'signup', 'setup', 'first_strike', 'kui', 'upgrade'] as const;
export type StageName = (typeof STAGES)[number];

export interface StageDefinition {
  stage: StageName;
  selector: EventSelector;
  /** KUI: the stage is reached at the n-th qualifying event … */
  atLeast?: number;
  /** … counted within this many days of the actor's first signup. */
  withinDays?: number;
}

export interface TimeSettings {
  timezone: string;
  weekStart: WeekStart;
}

/** A half-open UTC instant range [from, to), epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

/** Restricts actors by the ideal user profile. */
export type Segment = 'all' | 'ideal' | 'not_ideal';

/** Group results by an event property (`plan`), a user trait (`user.role`) or an account trait (`account.plan`). */
export type Breakdown =
  | { kind: 'property'; key: string }
  | { kind: 'user_trait'; key: string }
  | { kind: 'account_trait'; key: string };

export function parseBreakdown(text: string): Breakdown {
  if (text.startsWith('user.')) return { kind: 'user_trait', key: text.slice(5) };
  if (text.startsWith('account.')) return { kind: 'account_trait', key: text.slice(8) };
  return { kind: 'property', key: text };
}

export interface RetentionDefinition {
  cohortSelector: EventSelector;
  activitySelector: EventSelector;
  period: 'week' | 'month';
  mode: 'on' | 'on_or_after';
}
