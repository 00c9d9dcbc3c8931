/**
 * The weekly scorecard (docs/ritual.md): pure functions over weekly values. Status per cell,
 * the bottleneck, the CEO of the week, praise, baselines and accountability gaps.
 */
import { healthMetric } from '../model/health-metrics.js';
import { MAX_ROWS_PER_OWNER, type Target } from '../model/scorecard-rows.js';

export type Status = 'on_track' | 'off_track' | 'no_target' | 'no_data';
/** How a row's values read: a count, money (major units), a rate (fraction), a ratio, months. */
export type Unit = 'count' | 'money' | 'rate' | 'ratio' | 'months';

/** A value as people read it: 1,234 · $1,234 · 12.3 % · 3.05× · 14.2 months. */
export function formatValue(v: number | null | undefined, unit: Unit = 'count'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (unit) {
    case 'rate':
      return `${(v * 100).toFixed(1)} %`;
    case 'money':
      return `$${v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 1000 ? 0 : 2 })}`;
    case 'ratio':
      return `${v.toFixed(2)}×`;
    case 'months':
      return `${v.toFixed(1)} months`;
    default:
      return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }
}
/** How a row's values read and which way is better: the North Star per account or user is a ratio; a health row has its own. */
export function rowReading(id: string, northStarPer: boolean): { unit: Unit; lower_is_better: boolean } {
  if (id === 'north_star') return { unit: northStarPer ? 'ratio' : 'count', lower_is_better: false };
  const facts = id.startsWith('health.') ? healthMetric(id.slice('health.'.length)) : undefined;
  return { unit: facts?.unit ?? 'count', lower_is_better: facts?.better === 'lower' };
}
export type RowSource = 'computed' | 'manual';

export interface ScorecardRow {
  id: string;
  name: string;
  owner: string | null;
  target: Target | null;
  source: RowSource;
  unit: Unit;
  values: (number | null)[];
  status: Status[];
  /**
   * Change of the last column from the one before (see `trend_unit`): for a rate, the difference in
   * fraction points (0.012 reads "+1.2 pp"); for anything else, relative to the previous value.
   */
  trend: number | null;
  trend_unit: TrendUnit;
  /** Hand-entered values beside a computed row (overrides shown side by side), when any exist. */
  manual?: (number | null)[];
  /** For a row without a target: the mean of the last 4 weeks with data, and the target it suggests. */
  baseline?: { mean_last_4_weeks: number; suggested_target: Target };
  /** Whether smaller is better (churn, burn): decides the suggested target's direction. */
  lower_is_better?: boolean;
  /** Why each `no_data` cell has no data (null where the cell has data); present when any cell has none. */
  reasons?: (string | null)[];
  /** For a rate taken over customers: how many it is taken over each week (praise needs enough of them). */
  base?: (number | null)[];
  /**
   * For a row read monthly (revenue churn, NRR, …): the last complete calendar month each week's value
   * is for (`2026-02`); its trend is then month over month.
   */
  months?: string[];
  /** The current, unfinished week: the value so far, the projected week's end and whether it is on pace. */
  pace?: RowPace;
}

/** A row's pace in the current, unfinished week (docs/ritual.md#pace). `on_pace` is null when it cannot be judged (`reason` says why). */
export interface RowPace {
  /** The value from the week's start up to the cut (the start of the current hour). */
  so_far: number | null;
  /** The week's end if it goes as past weeks went from this point on. */
  projected: number | null;
  /**
   * The share of a whole week that past weeks had reached by the same point of the week (for a rate:
   * its numerator's share).
   */
  share_expected: number | null;
  on_pace: boolean | null;
  /** How many complete weeks the share is taken over. */
  weeks_used: number;
  reason?: string;
}

export interface JourneyStep {
  from: string;
  to: string;
  /** Conversion this week: weekly count of `to` ÷ weekly count of `from`. */
  actual_rate: number | null;
  /** `target_rate` of the later stage, or target(to) ÷ target(from). */
  target_rate: number | null;
  owner: string | null;
  /** Why the step cannot be judged this week: one of its stages has no data. */
  no_data?: string;
}

export interface Bottleneck {
  from_stage: string;
  stage: string;
  actual_rate: number | null;
  target_rate: number | null;
  /** target ÷ actual: how much the last stage would multiply if this step reached its target. */
  multiplier: number | null;
  owner: string | null;
  /** `target`: furthest below its target; `lowest_conversion`: no step has a target, so the lowest one. */
  basis: 'target' | 'lowest_conversion';
  sentence: string;
}

export function statusOf(value: number | null, target: Target | null): Status {
  if (value === null || !Number.isFinite(value)) return 'no_data';
  if (!target) return 'no_target';
  if ('gte' in target) return value >= target.gte ? 'on_track' : 'off_track';
  if ('lte' in target) return value <= target.lte ? 'on_track' : 'off_track';
  const [lo, hi] = target.between;
  return value >= lo && value <= hi ? 'on_track' : 'off_track';
}

/** How far a value falls short of its target, relative to the target (0 when on track). */
export function relativeShortfall(value: number | null, target: Target | null): number {
  if (value === null || !target) return 0;
  const rel = (gap: number, base: number) => (gap <= 0 ? 0 : base === 0 ? Infinity : gap / Math.abs(base));
  if ('gte' in target) return rel(target.gte - value, target.gte);
  if ('lte' in target) return rel(value - target.lte, target.lte);
  const [lo, hi] = target.between;
  return value < lo ? rel(lo - value, lo) : rel(value - hi, hi);
}

/** The number a target aims at: its bound, or the middle of a range. */
export function targetGoal(target: Target): number {
  if ('gte' in target) return target.gte;
  if ('lte' in target) return target.lte;
  return (target.between[0] + target.between[1]) / 2;
}

/** How a row's change reads: percentage points for a rate (finance reads a churn rate's move that way), relative % otherwise. */
export type TrendUnit = 'points' | 'relative';

export function trendUnitOf(unit: Unit): TrendUnit {
  return unit === 'rate' ? 'points' : 'relative';
}

/** A change as read: "+1.2 pp" for points, "−5.0 %" relative. */
export function formatTrend(trend: number | null, unit: TrendUnit, digits = 1): string {
  if (trend === null || !Number.isFinite(trend)) return '—';
  const size = Math.abs(trend * 100).toFixed(digits);
  const sign = Number(size) === 0 ? '' : trend > 0 ? '+' : '−';
  return `${sign}${size} ${unit === 'points' ? 'pp' : '%'}`;
}

/** The change of the last value from the one before, in the row's trend unit; null without both or from a zero (relative). */
export function trendOf(values: (number | null)[], unit: Unit = 'count'): number | null {
  const last = values[values.length - 1];
  const prev = values[values.length - 2];
  if (last === null || last === undefined || prev === null || prev === undefined) return null;
  if (trendUnitOf(unit) === 'points') return last - prev;
  return prev === 0 ? null : (last - prev) / Math.abs(prev);
}

/** For a row whose weeks show months: the change from the month before the last one shown to the last. */
export function monthOverMonth(values: (number | null)[], months: string[], unit: Unit): number | null {
  const last = values.length - 1;
  let previous = last - 1;
  while (previous >= 0 && months[previous] === months[last]) previous--;
  return previous < 0 ? null : trendOf([values[previous], values[last]], unit);
}

/** Mean of the last 4 weeks with data, and a target in the row's direction. */
export function suggestBaseline(values: (number | null)[], lowerIsBetter = false): ScorecardRow['baseline'] | undefined {
  const recent = values.filter((v): v is number => v !== null && Number.isFinite(v)).slice(-4);
  if (recent.length === 0) return undefined;
  const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
  const rounded = Number(mean.toPrecision(3));
  return { mean_last_4_weeks: mean, suggested_target: lowerIsBetter ? { lte: rounded } : { gte: rounded } };
}

export function buildRow(
  base: { id: string; name: string; owner?: string | null; target?: Target | null; source: RowSource; unit?: Unit; lower_is_better?: boolean },
  values: (number | null)[], manual?: (number | null)[],
): ScorecardRow {
  const target = base.target ?? null;
  const unit = base.unit ?? 'count';
  const row: ScorecardRow = {
    id: base.id,
    name: base.name,
    owner: base.owner ?? null,
    target,
    source: base.source,
    unit,
    values,
    status: values.map((v) => statusOf(v, target)),
    trend: trendOf(values, unit),
    trend_unit: trendUnitOf(unit),
  };
  if (base.lower_is_better) row.lower_is_better = true;
  if (manual && manual.some((v) => v !== null)) row.manual = manual;
  if (!target) {
    const baseline = suggestBaseline(values, base.lower_is_better);
    if (baseline) row.baseline = baseline;
  }
  return row;
}

/** Ratios equal to within float rounding count as ties, which go to the earlier step or row. */
const EPSILON = 1e-9;
const greater = (a: number, b: number) => a > b * (1 + EPSILON) + EPSILON;

const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
const label = (stage: string) => stage.replace('_', ' ');
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The step whose conversion is furthest below its target (largest target ÷ actual). A step that
 * converts nobody against a target ranks above any finite ratio; ties go to the earlier step.
 * With no targets anywhere, the lowest conversion, marked as such. Null when every targeted step is
 * on target, or nothing converted at all.
 */
export function findBottleneck(allSteps: JourneyStep[], lastStage: string): Bottleneck | null {
  // A step one of whose stages has no data this week is never the bottleneck (docs/no-data.md).
  const steps = allSteps.filter((s) => !s.no_data);
  const targeted = steps.filter((s) => s.target_rate !== null && s.actual_rate !== null);
  if (allSteps.some((s) => s.target_rate !== null)) {
    let best: JourneyStep | null = null;
    let bestRatio = 1;
    for (const s of targeted) {
      const ratio = s.actual_rate === 0 ? Infinity : s.target_rate! / s.actual_rate!;
      if (greater(ratio, bestRatio)) {
        best = s;
        bestRatio = ratio;
      }
    }
    if (!best) return null;
    const multiplier = Number.isFinite(bestRatio) ? bestRatio : null;
    const effect = multiplier === null
      ? `nobody converts, so fixing it unblocks every ${label(lastStage)}`
      : `fixing it would multiply ${label(lastStage)}s by ${multiplier.toFixed(1)}`;
    return {
      from_stage: best.from, stage: best.to, actual_rate: best.actual_rate, target_rate: best.target_rate, multiplier,
      owner: best.owner, basis: 'target',
      sentence: `${capital(label(best.from))} → ${label(best.to)} converts ${pct(best.actual_rate!)} against a ${pct(best.target_rate!)} target; ${effect}.`,
    };
  }
  const measured = steps.filter((s) => s.actual_rate !== null);
  if (measured.length === 0) return null;
  const lowest = measured.reduce((a, b) => (b.actual_rate! < a.actual_rate! ? b : a));
  return {
    from_stage: lowest.from, stage: lowest.to, actual_rate: lowest.actual_rate, target_rate: null, multiplier: null,
    owner: lowest.owner, basis: 'lowest_conversion',
    sentence: `No journey step has a target, so the lowest conversion is shown: ${label(lowest.from)} → ${label(lowest.to)} at ${pct(lowest.actual_rate!)}. Set target_rate on the stages to find the real bottleneck.`,
  };
}

export interface CeoOfTheWeek {
  owner: string;
  metric: string;
  reason: string;
}

/**
 * The owner of the bottleneck; else the owner of the off-track row with the largest relative
 * shortfall this week (ties: the earlier row on the scorecard).
 */
export function ceoOfTheWeek(bottleneck: Bottleneck | null, rows: ScorecardRow[]): CeoOfTheWeek | null {
  if (bottleneck?.owner) {
    return { owner: bottleneck.owner, metric: `journey.${bottleneck.stage}`, reason: `owns the bottleneck: ${bottleneck.sentence}` };
  }
  let best: ScorecardRow | null = null;
  let worst = 0;
  for (const row of rows) {
    const last = row.values.length - 1;
    if (!row.owner || row.status[last] !== 'off_track') continue;
    const shortfall = relativeShortfall(row.values[last], row.target);
    if (greater(shortfall, worst)) {
      best = row;
      worst = shortfall;
    }
  }
  if (!best) return null;
  const how = Number.isFinite(worst) ? `${(worst * 100).toFixed(0)} % short of target` : 'furthest from target';
  return { owner: best.owner!, metric: best.id, reason: `owns the metric furthest off track: ${best.name} is ${how}` };
}

export interface AccountabilityGaps {
  rows_without_owner: string[];
  overloaded_owners: { owner: string; rows: string[] }[];
}

export function accountabilityGaps(rows: ScorecardRow[], maxRowsPerOwner = MAX_ROWS_PER_OWNER): AccountabilityGaps {
  const byOwner = new Map<string, string[]>();
  for (const r of rows) if (r.owner) byOwner.set(r.owner, [...(byOwner.get(r.owner) ?? []), r.id]);
  return {
    rows_without_owner: rows.filter((r) => !r.owner && r.id !== 'journey.visit').map((r) => r.id),
    overloaded_owners: [...byOwner].filter(([, ids]) => ids.length > maxRowsPerOwner).map(([owner, ids]) => ({ owner, rows: ids })),
  };
}
