/**
 * The rows of the weekly scorecard and what makes a good one: the North Star, the configured journey
 * stages, the health entries and the chosen metrics, each with one owner and a target.
 */
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
