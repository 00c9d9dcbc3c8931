/**
 * Why a scorecard row moved from one week to the next (docs/reports.md#why-it-moved): the change
 * split by segment (ideal users, the configured trait, new vs returning actors), a journey stage's
 * change split into its previous stage's volume and the conversion (mix vs rate per segment), and
 * a formula's change split exactly into its factors' shares. The arithmetic is in why-split.ts, the
 * report's shape in why-types.ts.
 */
import { formatFormula, formulaFactors } from '../model/formula.js';
import type { SeriesMetric, StageName } from '../model/metrics.js';
import { rowName, STAGE_NAMES } from '../model/scorecard-rows.js';
import type { Period } from '../model/time.js';
import { compileWhyCells, type WhySource } from '../query/plans/why.js';
import { run, type ReportContext } from './context.js';
import { factorWeekly } from './formula-series.js';
import type { ScorecardRow } from './scorecard.js';
import { scorecardWeeks } from './scorecard-report.js';
import { whyInputs } from './why-tree.js';
import { whySentence } from './why-text.js';
import type { ConversionWhy, Dimension, FormulaWhy, WhyCut, WhyReport, WhyRow } from './why-types.js';
import { countSplit, formulaSplit, productSplit, rateSplit, type Pair } from './why-split.js';

interface Cell { part: string; w: number; ideal: number; breakdown: string; is_new: number; value: number; actors: number }

export async function whyReport(ctx: ReportContext, row: WhyRow, weeks: readonly [Period, Period]): Promise<WhyReport> {
  const report: WhyReport = {
    row: row.id, name: row.name, unit: row.unit, week: weeks[1].name, previous_week: weeks[0].name,
    before: row.before, after: row.after, change: null, no_data: null, cuts: [], conversion: null, formula: null, inputs: [], notes: [], sentence: '',
  };
  if (row.before === null || row.after === null) {
    const which = row.after === null ? weeks[1].name : weeks[0].name;
    report.no_data = `no data for ${which}${row.reason ? `: ${row.reason}` : ''}`;
  } else {
    report.change = row.after - row.before;
    await explain(ctx, report, weeks);
  }
  report.sentence = whySentence(report);
  return report;
}

/** The why of a scorecard row, the week named against the one before (the row's last two values are those weeks'). */
export function whyOfScorecardRow(ctx: ReportContext, week: string, row: ScorecardRow): Promise<WhyReport> {
  const weeks = scorecardWeeks(ctx, { week, weeks: 2 }, 2);
  const [before, after] = row.values.slice(-2);
  const reasons = row.reasons ?? [];
  const reason = reasons[reasons.length - 1] ?? reasons[reasons.length - 2] ?? null;
  return whyReport(ctx, { id: row.id, name: row.name, unit: row.unit, before: before ?? null, after: after ?? null, reason }, [weeks[0], weeks[1]]);
}

async function explain(ctx: ReportContext, report: WhyReport, weeks: readonly [Period, Period]): Promise<void> {
  const id = report.row;
  const formula = id === 'north_star' ? ctx.model.northStarFormula : ctx.model.formulas?.find((m) => m.id === id)?.formula;
  if (formula) report.formula = await explainFormula(ctx, formula, weeks);
  if (id === 'north_star' && report.formula && 'factors' in report.formula) noteFormulaGap(report, report.formula);
  if (id === 'north_star') {
    await explainSeries(ctx, report, ctx.model.northStar, weeks);
    if (!formula) report.inputs = await whyInputs(ctx, weeks[1]);
  } else if (id.startsWith('journey.')) {
    await explainStage(ctx, report, id.slice('journey.'.length) as StageName, weeks);
  } else {
    const metric = ctx.model.metrics.find((m) => m.id === id);
    if (metric) await explainSeries(ctx, report, metric, weeks);
    else if (!formula) report.notes.push(`${report.name} is not split: its value is ${id.startsWith('health.') ? 'computed from revenue or entered by hand' : 'entered by hand'}, not counted from events`);
  }
}

/** The North Star keeps its own measurement: say so when its formula does not reproduce it (0.5 % apart or more). */
function noteFormulaGap(report: WhyReport, formula: Extract<FormulaWhy, { factors: unknown }>): void {
  const apart = (a: number, b: number) => Math.abs(a - b) > 0.005 * Math.max(Math.abs(a), Math.abs(b));
  if (!apart(formula.value_before, report.before!) && !apart(formula.value_after, report.after!)) return;
  report.notes.push(`the formula gives ${formula.value_before} → ${formula.value_after}, the measured ${report.name} ${report.before} → ${report.after}: the factors' shares split the formula's change`);
}

async function explainFormula(ctx: ReportContext, formula: NonNullable<ReportContext['model']['northStarFormula']>, weeks: readonly [Period, Period]): Promise<FormulaWhy> {
  const series = await factorWeekly(ctx, formula, weeks);
  const at = (i: number) => Object.fromEntries(Object.entries(series).map(([k, v]) => [k, v[i]]));
  const split = formulaSplit(formula, at(0), at(1));
  const text = formatFormula(formula);
  if ('reason' in split) return { formula: text, reason: split.reason };
  const names = Object.fromEntries(formulaFactors(formula).map((f) => [f, ctx.model.metrics.find((m) => m.id === f)?.name ?? ctx.model.manualMetrics?.find((m) => m.id === f)?.name ?? f]));
  return { formula: text, ...split, factors: split.factors.map((f) => ({ ...f, name: names[f.id] })) };
}

const DIMENSION_LABELS: Record<Dimension, string> = { ideal: 'ideal users', breakdown: '', new: 'new vs returning' };

function dimensions(ctx: ReportContext): { dimension: Dimension; label: string }[] {
  const out: { dimension: Dimension; label: string }[] = [];
  if (ctx.model.idealUser) out.push({ dimension: 'ideal', label: DIMENSION_LABELS.ideal });
  const b = ctx.model.whyBreakdown;
  if (b) out.push({ dimension: 'breakdown', label: `${b.kind === 'user_trait' ? 'user' : 'account'}.${b.key}` });
  out.push({ dimension: 'new', label: DIMENSION_LABELS.new });
  return out;
}

function segmentOf(cell: Cell, dimension: Dimension): string {
  if (dimension === 'ideal') return Number(cell.ideal) === 1 ? 'ideal' : 'not ideal';
  if (dimension === 'new') return Number(cell.is_new) === 1 ? 'new' : 'returning';
  return String(cell.breakdown);
}

/** Per segment of one cut, the two weeks' values (or actors) of one part. */
function pairsBy(cells: Cell[], part: string, dimension: Dimension, field: 'value' | 'actors'): Map<string, Pair> {
  const out = new Map<string, Pair>();
  for (const cell of cells.filter((c) => c.part === part)) {
    const key = segmentOf(cell, dimension);
    const pair = out.get(key) ?? { before: 0, after: 0 };
    pair[Number(cell.w) === 1 ? 'after' : 'before'] += Number(cell[field]);
    out.set(key, pair);
  }
  return out;
}

async function cellsOf(ctx: ReportContext, source: WhySource, weeks: readonly [Period, Period]): Promise<Cell[]> {
  const q = compileWhyCells(ctx.query, { source, weeks: { from: weeks[0].from, boundary: weeks[1].from, to: weeks[1].to }, breakdown: ctx.model.whyBreakdown });
  return run<Cell>(ctx, q);
}

/** Whether the cells reproduce the row's value in both weeks; a note when they do not (never a split that does not add up). */
function reproduces(report: WhyReport, totals: Pair): boolean {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  if (close(totals.before, report.before!) && close(totals.after, report.after!)) return true;
  report.notes.push(`the segments add up to ${totals.before} → ${totals.after}, not the row's ${report.before} → ${report.after}, so they are not shown`);
  return false;
}

async function explainSeries(ctx: ReportContext, report: WhyReport, metric: SeriesMetric, weeks: readonly [Period, Period]): Promise<void> {
  if (metric.measure.kind === 'unique_accounts' || metric.per === 'account') {
    report.notes.push(`${metric.name} counts accounts, whose users can fall in different segments, so it is not split by segment`);
    return;
  }
  const cells = await cellsOf(ctx, { kind: 'series', metric }, weeks);
  const total = (field: 'value' | 'actors') => [...pairsBy(cells, 'value', 'new', field).values()].reduce((s, p) => ({ before: s.before + p.before, after: s.after + p.after }), { before: 0, after: 0 });
  if (metric.per === 'user') {
    const [v, a] = [total('value'), total('actors')];
    const rate = { before: a.before ? v.before / a.before : 0, after: a.after ? v.after / a.after : 0 };
    if (!reproduces(report, rate)) return;
    report.cuts = dimensions(ctx).flatMap(({ dimension, label }) => {
      const split = rateSplit(pairsBy(cells, 'value', dimension, 'value'), pairsBy(cells, 'value', dimension, 'actors'));
      return split ? [{ dimension, label, rate: split }] : [];
    });
    return;
  }
  if (!reproduces(report, total('value'))) return;
  report.cuts = dimensions(ctx).map(({ dimension, label }) => ({ dimension, label, parts: countSplit(pairsBy(cells, 'value', dimension, 'value')) }));
}

async function explainStage(ctx: ReportContext, report: WhyReport, stage: StageName, weeks: readonly [Period, Period]): Promise<void> {
  const journey = ctx.model.journey;
  const index = journey.findIndex((s) => s.stage === stage);
  const previous = index > 0 ? journey[index - 1] : undefined;
  const stages = previous ? [previous, journey[index]] : [journey[index]];
  const cells = await cellsOf(ctx, { kind: 'stages', stages, signup: journey.find((s) => s.stage === 'signup') }, weeks);
  const sum = (m: Map<string, Pair>) => [...m.values()].reduce((s, p) => ({ before: s.before + p.before, after: s.after + p.after }), { before: 0, after: 0 });
  if (!reproduces(report, sum(pairsBy(cells, stage, 'new', 'value')))) return;
  const cuts = dimensions(ctx);
  report.cuts = cuts.map(({ dimension, label }) => ({ dimension, label, parts: countSplit(pairsBy(cells, stage, dimension, 'value')) }));
  if (!previous) return;
  const base = sum(pairsBy(cells, previous.stage, 'new', 'value'));
  if (base.before <= 0 || base.after <= 0) {
    report.notes.push(`no ${STAGE_NAMES[previous.stage].toLowerCase()} in one of the two weeks, so the conversion cannot be compared`);
    return;
  }
  const rate = { before: report.before! / base.before, after: report.after! / base.after };
  report.conversion = {
    from: previous.stage, from_name: rowName({ northStarName: '', metricNames: {} }, `journey.${previous.stage}`),
    base_before: base.before, base_after: base.after, rate_before: rate.before, rate_after: rate.after,
    ...productSplit(base, rate),
    cuts: cuts.map(({ dimension, label }) => ({
      dimension, label, split: rateSplit(pairsBy(cells, stage, dimension, 'value'), pairsBy(cells, previous.stage, dimension, 'value')),
    })),
  };
}

