/**
 * Weekly series of metrics by id, and of formula metrics over them: a computed metric from its
 * events, a hand-entered one from its latest entries, a formula from its factors' weekly values.
 */
import { evaluateFormula, formulaFactors, type Formula } from '../model/formula.js';
import type { TimeRange } from '../model/metrics.js';
import type { Period } from '../model/time.js';
import { compileManualSeries } from '../query/plans/tree.js';
import { run, type ReportContext } from './context.js';
import { seriesReport } from './north-star.js';

/** One metric's weekly values over `weeks` (null = no value); undefined for an id that is no computed or hand-entered metric. */
export async function metricWeekly(ctx: ReportContext, id: string, weeks: readonly Period[]): Promise<(number | null)[] | undefined> {
  const range: TimeRange = { from: weeks[0].from, to: weeks[weeks.length - 1].to };
  const computed = ctx.model.metrics.find((m) => m.id === id);
  if (computed) return (await seriesReport(ctx, { ...computed, frequency: 'week' }, range)).series.map((p) => p.value);
  if (!ctx.model.manualMetrics?.some((m) => m.id === id)) return undefined;
  const rows = await run<{ period: string; value: number | null }>(ctx, compileManualSeries(ctx.query, id));
  const byWeek = new Map(rows.map((r) => [r.period, r.value === null ? null : Number(r.value)]));
  return weeks.map((w) => byWeek.get(w.name) ?? null);
}

/** Each factor's weekly values, by id (null throughout for an id the model does not hold). */
export async function factorWeekly(ctx: ReportContext, formula: Formula, weeks: readonly Period[]): Promise<Record<string, (number | null)[]>> {
  const out: Record<string, (number | null)[]> = {};
  for (const id of formulaFactors(formula)) out[id] = (await metricWeekly(ctx, id, weeks)) ?? weeks.map(() => null);
  return out;
}

/** The formula's weekly values from its factors' (null in a week where a factor has none or a division has no answer). */
export async function formulaWeekly(ctx: ReportContext, formula: Formula, weeks: readonly Period[]): Promise<(number | null)[]> {
  const factors = await factorWeekly(ctx, formula, weeks);
  return weeks.map((_, i) => evaluateFormula(formula, Object.fromEntries(Object.entries(factors).map(([id, values]) => [id, values[i]]))));
}
