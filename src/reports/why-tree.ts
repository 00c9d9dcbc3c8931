/**
 * "Why it moved" for the North Star without a formula: the metrics that drive it (`drives:
 * north_star`), each with its own change and the measured link of the metric tree (tree.ts).
 */
import { addPeriods, periodsIn, startOfLocalDate, type Period } from '../model/time.js';
import type { ReportContext } from './context.js';
import { metricWeekly } from './formula-series.js';
import { seriesReport } from './north-star.js';
import { judgeEdge, laggedCorrelations, type TreeEdge } from './tree.js';

/** Weeks of history the link is measured over, ending with the week asked about. */
export const LINK_WEEKS = 13;

export interface TreeInputWhy extends Pick<TreeEdge, 'best_lag' | 'best_r' | 'moves_with_target' | 'warning'> {
  id: string;
  name: string;
  before: number | null;
  after: number | null;
  change: number | null;
}

export async function whyInputs(ctx: ReportContext, week: Period): Promise<TreeInputWhy[]> {
  const inputs = (ctx.model.drives ?? []).filter((e) => e.to === 'north_star').map((e) => e.from);
  if (inputs.length === 0) return [];
  const time = ctx.model.time;
  const first = startOfLocalDate(addPeriods(week.start, 'week', -(LINK_WEEKS - 1)), time.timezone);
  const weeks = periodsIn({ from: first, to: week.to }, 'week', time);
  const northStar = (await seriesReport(ctx, { ...ctx.model.northStar, frequency: 'week' }, { from: first, to: week.to })).series.map((p) => p.value);
  const out: TreeInputWhy[] = [];
  for (const id of inputs) {
    const values = (await metricWeekly(ctx, id, weeks)) ?? weeks.map(() => null);
    const name = ctx.model.metrics.find((m) => m.id === id)?.name ?? ctx.model.manualMetrics?.find((m) => m.id === id)?.name ?? id;
    const [before, after] = [values[values.length - 2] ?? null, values[values.length - 1] ?? null];
    const judged = judgeEdge(laggedCorrelations(values, northStar), name, ctx.model.northStar.name);
    out.push({
      id, name, before, after, change: before === null || after === null ? null : after - before,
      best_lag: judged.best_lag, best_r: judged.best_r, moves_with_target: judged.moves_with_target, warning: judged.warning,
    });
  }
  return out;
}
