/**
 * The rows of the weekly scorecard and what makes a good one: the North Star, the configured journey
 * stages, the health entries and the chosen metrics, each with one owner and a target.
 */
import { healthMetric } from './health-metrics.js';
import type { StageName } from './metrics.js';

export type Target = { gte: number } | { lte: number } | { between: [number, number] };

/** Kept short: less is more. */
export const MAX_SCORECARD_ROWS = 10;
/** More rows than this is too many for one person to own. */
export const MAX_ROWS_PER_OWNER = 3;

export interface ScorecardRowDefinition {
  /** Row id as in the scorecard output: `north_star`, `journey.<stage>`, `health.<name>`, a metric id. */
  id: string;
  /** Key path of the row's definition in truenorth.yaml. */
  path: string;
  owner?: string;
  target?: Target;
}

export interface Owned {
  owner?: string;
  target?: Target;
}

/** What the rows are made of, in their order of definition. */
export interface ScorecardParts {
  northStar: Owned;
  /** The configured stages, in journey order. */
  journey: (Owned & { stage: StageName })[];
  health: (Owned & { name: string })[];
  /** Every metric, in the order defined. */
  metrics: (Owned & { id: string })[];
  /** Which metrics are rows, in this order; all of them when absent. */
  shown?: readonly string[];
}

/** The rows the weekly scorecard shows, in order. */
export function scorecardRows(parts: ScorecardParts): ScorecardRowDefinition[] {
  const row = (id: string, path: string, { owner, target }: Owned): ScorecardRowDefinition => ({ id, path, owner, target });
  const rows = [row('north_star', 'north_star', parts.northStar)];
  for (const stage of parts.journey) rows.push(row(`journey.${stage.stage}`, `journey.${stage.stage}`, stage));
  for (const entry of parts.health) rows.push(row(`health.${entry.name}`, `health.${entry.name}`, entry));
  for (const id of parts.shown ?? parts.metrics.map((metric) => metric.id)) {
    const i = parts.metrics.findIndex((metric) => metric.id === id);
    rows.push(row(id, `metrics[${i}]`, parts.metrics[i]));
  }
  return rows;
}

/** A configured journey stage as the scorecard judges it. */
export interface ScorecardStage extends Owned {
  stage: StageName;
  /** Target for the conversion from the stage before, a fraction (0.3 = 30 %). */
  targetRate?: number;
}

/** Everything the weekly scorecard needs besides the data. */
export interface ScorecardModel {
  /** Weeks shown unless asked otherwise. */
  weeks: number;
  rows: ScorecardRowDefinition[];
  /** The configured stages, in journey order. */
  journey: ScorecardStage[];
  /** Where each health entry's numbers come from. */
  healthSources: Record<string, 'computed' | 'manual'>;
  northStarName: string;
  /** Display names of the metrics, by id. */
  metricNames: Record<string, string>;
}

export const STAGE_NAMES: Readonly<Record<StageName, string>> = {
  visit: 'Unique visitors', signup: 'Signups', setup: 'Setups', first_strike: 'First strikes', kui: 'Key usage (KUI)', upgrade: 'Upgrades',
};

/** The display name of a scorecard row. */
export function rowName(scorecard: Pick<ScorecardModel, 'northStarName' | 'metricNames'>, id: string): string {
  if (id === 'north_star') return scorecard.northStarName;
  if (id.startsWith('journey.')) {
    const stage = id.slice('journey.'.length);
    return Object.hasOwn(STAGE_NAMES, stage) ? STAGE_NAMES[stage as StageName] : stage;
  }
  if (id.startsWith('health.')) return healthMetric(id.slice('health.'.length))?.name ?? id.slice('health.'.length);
  return Object.hasOwn(scorecard.metricNames, id) ? scorecard.metricNames[id] : id;
}

/** A key result: a scorecard row (or, for `journey.<stage>` between 0 and 1, its conversion) moving from one value to another. */
export interface KeyResultDefinition {
  metric: string;
  from: number;
  to: number;
  /** The objective's due date unless given. */
  due?: string;
}

export interface OkrDefinition {
  objective: string;
  due: string;
  key_results: KeyResultDefinition[];
}
