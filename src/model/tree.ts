import type { Config } from '../config/schema/index.js';

/** One declared `drives:` edge of the metric hierarchy: `from` should move `to`. */
export interface DrivesEdge {
  from: string;
  to: string;
}

/** Node ids: `north_star`, a metric id, or `health.<name>` (a business outcome). */
export function drivesEdges(config: Pick<Config, 'metrics' | 'north_star'>): DrivesEdge[] {
  const edges: DrivesEdge[] = [];
  for (const metric of config.metrics) if (metric.drives) edges.push({ from: metric.id, to: metric.drives });
  for (const outcome of config.north_star.drives ?? []) edges.push({ from: 'north_star', to: outcome });
  return edges;
}
