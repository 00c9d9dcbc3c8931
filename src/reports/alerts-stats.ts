/**
 * The tests behind the alerts (docs/alerts.md): a robust z-score of a count against its
 * same-weekday baseline, and a rate against the pooled rate of the periods before it. Each has
 * floors on the size of the change and on the counts, so small numbers never alarm.
 */
import { twoProportionTest } from './stats.js';

/** The scale of a normal distribution's standard deviation from the median absolute deviation. */
const MAD_TO_SD = 1.4826;
/** A baseline needs at least this many values before anything is judged against it. */
export const MIN_BASELINE = 4;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface CountFloors {
  z: number;
  /** The relative change must be at least this large (0.3 = 30 %). */
  min_change: number;
  /** The usual value (or the value, for a rise) must be at least this large. */
  min_count: number;
}

export interface CountFinding {
  value: number;
  /** The baseline's median. */
  usual: number;
  /** Relative to `usual`: −0.4 = 40 % below. */
  change: number;
  z: number;
}

/**
 * Whether `value` departs from `baseline` in the bad direction beyond every floor. The spread is the
 * baseline's MAD scaled to a standard deviation, never below the square root of the median (a
 * count's own noise), so a baseline of identical weeks does not turn a small change into a huge z.
 */
export function countAnomaly(value: number, baseline: readonly number[], floors: CountFloors, lowerIsBetter = false): CountFinding | null {
  if (baseline.length < MIN_BASELINE) return null;
  const usual = median(baseline);
  const mad = median(baseline.map((b) => Math.abs(b - usual)));
  const spread = Math.max(MAD_TO_SD * mad, Math.sqrt(Math.max(usual, 1)));
  const z = (value - usual) / spread;
  const bad = lowerIsBetter ? z >= floors.z : z <= -floors.z;
  if (!bad || usual <= 0 || Math.max(usual, value) < floors.min_count) return null;
  const change = (value - usual) / usual;
  if (Math.abs(change) < floors.min_change) return null;
  return { value, usual, change, z };
}

export interface RateFinding {
  /** This period's rate and its counts. */
  rate: number;
  numerator: number;
  denominator: number;
  /** The pooled rate of the baseline periods. */
  usual: number;
  /** Relative to `usual`. */
  change: number;
  z: number;
}

/**
 * Whether the rate `numerator / denominator` fell below the pooled rate of the baseline periods by
 * more than every floor (the two-proportion z-test, one side). Not a proportion (a count above its
 * base) or a base under `min_count`: nothing is judged.
 */
export function rateDrop(
  numerator: number, denominator: number, baseline: readonly { numerator: number; denominator: number }[], floors: CountFloors,
): RateFinding | null {
  if (baseline.length < 2 || denominator < floors.min_count) return null;
  const x0 = baseline.reduce((s, b) => s + b.numerator, 0);
  const n0 = baseline.reduce((s, b) => s + b.denominator, 0);
  if (n0 < floors.min_count || numerator > denominator || x0 > n0) return null;
  const usual = x0 / n0;
  const rate = numerator / denominator;
  if (usual <= 0) return null;
  const { z } = twoProportionTest(numerator, denominator, x0, n0);
  const change = (rate - usual) / usual;
  if (z > -floors.z || change > -floors.min_change) return null;
  return { rate, numerator, denominator, usual, change, z };
}
