/**
 * The measured metric tree (docs/beyond.md): for every declared `drives:` edge, how the
 * driver's weekly series moves with its target's, at lags of 0–4 weeks.
 *
 * Method. Both series are weekly (whatever a metric's own frequency), over the range's complete
 * weeks, starting at the first week where either has data. Two series that both grow with the
 * business correlate strongly at every lag whatever their relation, so the correlation is measured on
 * week-over-week changes: r(lag) = Pearson(Δdriver[t], Δtarget[t + lag]), Δx[t] = x[t] − x[t − 1]. The
 * best lag is the one with the largest r; the correlation of the levels is reported beside it. A
 * driver "moves with its target" when its best r ≥ 0.3 over at least 6 weekly changes and that r is
 * significant at 5 % (Fisher z test, Bonferroni-corrected for the lags compared); otherwise the edge
 * carries a warning, as it does when the data are too short to tell.
 */
import type { SeriesMetric, TimeRange } from '../model/metrics.js';
import { periodsIn, type Period } from '../model/time.js';
import { compileMrrAt } from '../query/plans/risk.js';
import { compileManualSeries } from '../query/plans/tree.js';
import { run, type ReportContext } from './context.js';
import { seriesReport, type SeriesPoint } from './north-star.js';
import { correlationPValue, pearson } from './stats.js';

export const MAX_LAG = 4;
export const MIN_CHANGES = 6;
export const MOVES_WITH_R = 0.3;
export const ALPHA = 0.05;

export type NodeKind = 'north_star' | 'metric' | 'manual' | 'outcome';

export interface TreeNode {
  id: string;
  name: string;
  kind: NodeKind;
  /** Weekly values over the report's weeks; null where there is no value. */
  series: SeriesPoint[];
  /** Why there is no series (an outcome without a weekly measure). */
  note: string | null;
}

export interface LagCorrelation {
  lag: number;
  /** Correlation of week-over-week changes: driver at t, target at t + lag. */
  r: number | null;
  /** Correlation of the weekly values themselves, same alignment. */
  r_levels: number | null;
  /** Pairs of changes used. */
  pairs: number;
}

export interface TreeEdge {
  from: string;
  to: string;
  from_name: string;
  to_name: string;
  lags: LagCorrelation[];
  /** The lag (weeks) with the largest r, null when none could be measured. */
  best_lag: number | null;
  best_r: number | null;
  /** Two-sided p-value of best_r (Fisher z), times the number of lags compared (Bonferroni). */
  p_value: number | null;
  moves_with_target: boolean;
  warning: string | null;
}

export interface TreeReport {
  weeks: string[];
  method: string;
  nodes: TreeNode[];
  edges: TreeEdge[];
  /** Top of the tree: nodes that drive nothing (business outcomes, or the North Star). */
  roots: string[];
  /** Computed or manual metrics that declare no `drives:`. */
  unattached: string[];
}

export const TREE_METHOD =
  'Pearson correlation of week-over-week changes, driver at week t vs target at week t + lag, lags 0–4; best lag = largest r; ' +
  `a driver moves with its target when best r ≥ ${MOVES_WITH_R} over ≥ ${MIN_CHANGES} weekly changes with p ≤ ${ALPHA} (Fisher z, Bonferroni over the lags)`;

/** Correlations of driver and target at lags 0…maxLag, on changes and on levels. */
export function laggedCorrelations(driver: readonly (number | null)[], target: readonly (number | null)[], maxLag = MAX_LAG): LagCorrelation[] {
  const change = (xs: readonly (number | null)[]) => xs.map((x, i) => (i > 0 && x !== null && xs[i - 1] !== null ? x - xs[i - 1]! : null));
  const dx = change(driver);
  const dy = change(target);
  const paired = (xs: (number | null)[], ys: readonly (number | null)[], lag: number) => {
    const a: number[] = [];
    const b: number[] = [];
    for (let t = 0; t + lag < ys.length && t < xs.length; t++) {
      const x = xs[t];
      const y = ys[t + lag];
      if (x !== null && y !== null) {
        a.push(x);
        b.push(y);
      }
    }
    return [a, b] as const;
  };
  return Array.from({ length: maxLag + 1 }, (_, lag) => {
    const [a, b] = paired(dx, dy, lag);
    const [la, lb] = paired([...driver], target, lag);
    return { lag, r: pearson(a, b), r_levels: pearson(la, lb), pairs: a.length };
  });
}

/** Best lag, whether the driver moves with its target, and the warning when it does not. */
export function judgeEdge(lags: LagCorrelation[], fromName: string, toName: string): Pick<TreeEdge, 'best_lag' | 'best_r' | 'p_value' | 'moves_with_target' | 'warning'> {
  const measured = lags.filter((l) => l.r !== null && l.pairs >= MIN_CHANGES);
  if (measured.length === 0) {
    const pairs = lags[0]?.pairs ?? 0;
    const why = pairs < MIN_CHANGES
      ? `only ${pairs} weekly change${pairs === 1 ? '' : 's'} of data, too few to tell whether ${fromName} moves ${toName} (need ${MIN_CHANGES})`
      : `${fromName} or ${toName} did not change over these weeks, so their relation cannot be measured`;
    return { best_lag: null, best_r: null, p_value: null, moves_with_target: false, warning: why };
  }
  const best = measured.reduce((a, b) => (b.r! > a.r! ? b : a));
  // Bonferroni over the lags compared: the best of five correlations is larger than any one by chance.
  const p = Math.min(1, (correlationPValue(best.r!, best.pairs) ?? 1) * measured.length);
  const strong = best.r! >= MOVES_WITH_R;
  const moves = strong && p <= ALPHA;
  let warning: string | null = null;
  if (!strong) {
    warning = `${fromName} does not move with ${toName}: its weekly changes correlate at most r = ${best.r!.toFixed(2)} with ${toName}'s at lags 0–${MAX_LAG} weeks`;
  } else if (!moves) {
    warning = `${fromName} does not clearly move with ${toName}: the best correlation (r = ${best.r!.toFixed(2)} at ${best.lag} week${best.lag === 1 ? '' : 's'}) `
      + `could be chance over ${best.pairs} weekly changes (p = ${p.toFixed(2)})`;
  }
  return { best_lag: best.lag, best_r: best.r, p_value: p, moves_with_target: moves, warning };
}

export async function treeReport(ctx: ReportContext, range: TimeRange): Promise<TreeReport> {
  const edges = ctx.model.drives ?? [];
  const allWeeks = periodsIn(range, 'week', ctx.model.time);
  const ids = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const nodes = new Map<string, TreeNode>();
  for (const id of ids) nodes.set(id, await nodeSeries(ctx, id, allWeeks, range));

  // Start at the first week where any series of the tree has data (a young product's empty past is no signal).
  const hasData = (i: number) => [...nodes.values()].some((n) => (n.series[i]?.value ?? 0) !== 0);
  let first = 0;
  while (first < allWeeks.length - 1 && !hasData(first)) first++;
  for (const node of nodes.values()) node.series = node.series.slice(first);
  const weeks = allWeeks.slice(first).map((p) => p.name);

  const measured: TreeEdge[] = edges.map((edge) => {
    const from = nodes.get(edge.from)!;
    const to = nodes.get(edge.to)!;
    const lags = laggedCorrelations(from.series.map((p) => p.value), to.series.map((p) => p.value));
    const judged = judgeEdge(lags, from.name, to.name);
    if (to.note) judged.warning = to.note;
    return { from: edge.from, to: edge.to, from_name: from.name, to_name: to.name, lags, ...judged };
  });

  const sources = new Set(edges.map((e) => e.from));
  const roots = ids.filter((id) => !sources.has(id));
  if (edges.length === 0) {
    roots.push('north_star');
    nodes.set('north_star', await nodeSeries(ctx, 'north_star', allWeeks.slice(first), range));
  }
  return {
    weeks,
    method: TREE_METHOD,
    nodes: [...nodes.values()],
    edges: measured,
    roots,
    unattached: [...ctx.model.metrics, ...(ctx.model.manualMetrics ?? [])].map((m) => m.id).filter((id) => !sources.has(id)),
  };
}

function weekly(metric: SeriesMetric): SeriesMetric {
  return { ...metric, frequency: 'week' };
}

async function nodeSeries(ctx: ReportContext, id: string, weeks: Period[], range: TimeRange): Promise<TreeNode> {
  const empty = (): SeriesPoint[] => weeks.map((w) => ({ period: w.name, value: null }));
  if (id === 'north_star') {
    const report = await seriesReport(ctx, weekly(ctx.model.northStar), range);
    return { id, name: ctx.model.northStar.name, kind: 'north_star', series: report.series, note: null };
  }
  if (id.startsWith('health.')) {
    const name = id.slice('health.'.length);
    if (name === 'mrr') {
      const rows = await run<{ t: number; mrr: number }>(ctx, compileMrrAt(ctx.query, weeks.map((w) => w.to)));
      // Rounded to cents: engines sum doubles in different orders.
      const byEnd = new Map(rows.map((r) => [Number(r.t), Math.round(Number(r.mrr) * 100) / 100]));
      return { id, name: 'MRR', kind: 'outcome', series: weeks.map((w) => ({ period: w.name, value: byEnd.get(w.to) ?? 0 })), note: null };
    }
    const note = `no weekly series for ${id} yet: the tree measures health.mrr among business outcomes`;
    return { id, name: id, kind: 'outcome', series: empty(), note };
  }
  const computed = ctx.model.metrics.find((m) => m.id === id);
  if (computed) {
    const report = await seriesReport(ctx, weekly(computed), range);
    return { id, name: computed.name, kind: 'metric', series: report.series, note: null };
  }
  const manual = ctx.model.manualMetrics?.find((m) => m.id === id);
  const rows = await run<{ period: string; value: number | null }>(ctx, compileManualSeries(ctx.query, id));
  const byWeek = new Map(rows.map((r) => [r.period, r.value === null ? null : Number(r.value)]));
  return { id, name: manual?.name ?? id, kind: 'manual', series: weeks.map((w) => ({ period: w.name, value: byWeek.get(w.name) ?? null })), note: null };
}
