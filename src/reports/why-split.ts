/**
 * The arithmetic of "why it moved" (docs/reports.md#why-it-moved): exact splits of a week-over-week
 * change. Every split here adds up to the change it splits (up to float rounding):
 *
 * - a count over segments: each segment's own change;
 * - a rate R = Σ wₛ·rₛ (wₛ the segment's share of the base, rₛ its rate): the two-factor split with
 *   midpoint weights, mix = Σ Δwₛ·r̄ₛ and rate = Σ w̄ₛ·Δrₛ (x̄ the mean of the two weeks), so mix + rate = ΔR;
 * - a count C = N·R (the stage before times the conversion): volume = ΔN·R̄, conversion = N̄·ΔR;
 * - a formula over metrics: Shapley values over its factors (each factor's change averaged over
 *   every order in which the factors could have moved).
 */
import { evaluateFormula, formulaFactors, type Formula } from '../model/formula.js';

/** One segment's values in the week before and the week asked about. */
export interface Pair {
  before: number;
  after: number;
}

export interface CountPart {
  segment: string;
  before: number;
  after: number;
  change: number;
}

/** Each segment's own change; they add up to the total's change. Largest moves first. */
export function countSplit(segments: ReadonlyMap<string, Pair>): CountPart[] {
  return [...segments]
    .map(([segment, { before, after }]) => ({ segment, before, after, change: after - before }))
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.segment.localeCompare(b.segment));
}

export interface RatePart {
  segment: string;
  /** The segment's share of the base (the stage before, or the actors). */
  weight_before: number;
  weight_after: number;
  /** The segment's own rate; null in a week where it had no base. */
  rate_before: number | null;
  rate_after: number | null;
  mix: number;
  rate: number;
}

export interface RateSplit {
  rate_before: number;
  rate_after: number;
  change: number;
  /** The part of the change from the segments' shares moving. */
  mix: number;
  /** The part of the change from the segments' own rates moving. */
  rate: number;
  segments: RatePart[];
}

/**
 * The rate numerator ÷ base split into mix and rate effects over segments. Null when the base is
 * empty in either week (no rate to compare). A segment with no base in one week takes its other
 * week's rate there, so its whole contribution is mix, as it should be: it appeared or vanished.
 */
export function rateSplit(numerators: ReadonlyMap<string, Pair>, bases: ReadonlyMap<string, Pair>): RateSplit | null {
  const total = (key: keyof Pair, of: ReadonlyMap<string, Pair>) => [...of.values()].reduce((s, p) => s + p[key], 0);
  const [n0, n1] = [total('before', bases), total('after', bases)];
  if (n0 <= 0 || n1 <= 0) return null;
  const segments: RatePart[] = [];
  for (const [segment, base] of bases) {
    const num = numerators.get(segment) ?? { before: 0, after: 0 };
    const r0 = base.before > 0 ? num.before / base.before : null;
    const r1 = base.after > 0 ? num.after / base.after : null;
    if (r0 === null && r1 === null) continue;
    const [w0, w1] = [base.before / n0, base.after / n1];
    const [a, b] = [r0 ?? r1!, r1 ?? r0!];
    segments.push({ segment, weight_before: w0, weight_after: w1, rate_before: r0, rate_after: r1, mix: (w1 - w0) * (a + b) / 2, rate: (w0 + w1) / 2 * (b - a) });
  }
  const sum = (key: 'mix' | 'rate') => segments.reduce((s, p) => s + p[key], 0);
  const [rateBefore, rateAfter] = [total('before', numerators) / n0, total('after', numerators) / n1];
  segments.sort((x, y) => Math.abs(y.mix + y.rate) - Math.abs(x.mix + x.rate) || x.segment.localeCompare(y.segment));
  return { rate_before: rateBefore, rate_after: rateAfter, change: rateAfter - rateBefore, mix: sum('mix'), rate: sum('rate'), segments };
}

/** C = N·R: the change of C split into the base's change (volume) and the rate's (conversion), midpoint weights. */
export function productSplit(base: Pair, rate: Pair): { volume: number; conversion: number } {
  return { volume: (base.after - base.before) * (rate.before + rate.after) / 2, conversion: (base.before + base.after) / 2 * (rate.after - rate.before) };
}

export interface FactorShare {
  id: string;
  before: number;
  after: number;
  /** This factor's share of the formula's change (Shapley value). */
  share: number;
}

export type FormulaSplit =
  | { value_before: number; value_after: number; change: number; factors: FactorShare[] }
  | { reason: string };

/**
 * The formula's change split into each factor's Shapley value: φᵢ = Σ over sets S of the other
 * factors of |S|!(n−|S|−1)!/n! · (f(S ∪ {i} moved) − f(S moved)), where "moved" factors take this
 * week's value and the rest last week's. The shares add up to the change exactly (efficiency), and
 * two factors that enter symmetrically get equal shares.
 */
export function formulaSplit(formula: Formula, before: Readonly<Record<string, number | null>>, after: Readonly<Record<string, number | null>>): FormulaSplit {
  const ids = formulaFactors(formula);
  const missing = ids.filter((id) => before[id] === null || before[id] === undefined || after[id] === null || after[id] === undefined);
  if (missing.length) return { reason: `no value for ${missing.join(', ')} in one of the two weeks` };
  const n = ids.length;
  const at = new Map<number, number | null>();
  const valueAt = (mask: number) => {
    if (!at.has(mask)) at.set(mask, evaluateFormula(formula, Object.fromEntries(ids.map((id, i) => [id, mask & (1 << i) ? after[id] : before[id]]))));
    return at.get(mask)!;
  };
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const bits = (mask: number) => { let c = 0; for (let m = mask; m; m &= m - 1) c++; return c; };
  const factors: FactorShare[] = [];
  for (let i = 0; i < n; i++) {
    let share = 0;
    for (let mask = 0; mask < 1 << n; mask++) {
      if (mask & (1 << i)) continue;
      const [without, withIt] = [valueAt(mask), valueAt(mask | (1 << i))];
      if (without === null || withIt === null) return { reason: 'the formula has no finite value for some mix of the two weeks (a division by zero)' };
      const k = bits(mask);
      share += (factorial(k) * factorial(n - k - 1) / factorial(n)) * (withIt - without);
    }
    factors.push({ id: ids[i], before: before[ids[i]]!, after: after[ids[i]]!, share });
  }
  const [v0, v1] = [valueAt(0), valueAt((1 << n) - 1)];
  if (v0 === null || v1 === null) return { reason: 'the formula has no finite value in one of the two weeks (a division by zero)' };
  return { value_before: v0, value_after: v1, change: v1 - v0, factors };
}
