/**
 * Pace to target (docs/ritual.md#pace): for the current, unfinished week, the value so far and a
 * projection of the week's end from the share of a whole week that past weeks had reached by the same
 * point of the week. Pure functions over counts; the queries behind them are in pace-of-rows.ts.
 */
import type { Target } from '../model/scorecard-rows.js';
import { formatValue, statusOf, type RowPace, type Unit } from './scorecard.js';

export type { RowPace };

/** Complete weeks a projection looks back over: as many as have data, up to the most; fewer than the least, none. */
export const PACE_WEEKS = { least: 4, most: 8 } as const;
/** Past weeks must have reached at least this many by the same point, on average: fewer is noise, not a pace. */
export const PACE_MIN_REACHED = 2;

/** One counted quantity over the weeks a projection reads. */
export interface PaceHistory {
  /** The current week so far; null when the week has no data (before the first event counted). */
  so_far: number | null;
  /** Complete weeks, oldest first: the value by the same point of that week and the week's whole value (null: no data). */
  past: { so_far: number | null; full: number | null }[];
}

interface Share {
  share: number | null;
  weeks_used: number;
  reason?: string;
}

/**
 * The expected share: what the last weeks with data had reached by this point, over what they reached
 * in all, summed over the weeks (a quiet week weighs less than a busy one). A week counts when it has
 * data and a whole value above zero.
 */
export function expectedShare(past: PaceHistory['past']): Share {
  const usable = past.filter((w) => w.so_far !== null && w.full !== null && w.full > 0).slice(-PACE_WEEKS.most);
  const weeks_used = usable.length;
  if (weeks_used < PACE_WEEKS.least) {
    return { share: null, weeks_used, reason: `${weeks_used} complete week${weeks_used === 1 ? '' : 's'} with data before this one; a projection needs ${PACE_WEEKS.least}` };
  }
  const reached = usable.reduce((sum, w) => sum + w.so_far!, 0);
  const whole = usable.reduce((sum, w) => sum + w.full!, 0);
  if (reached === 0) return { share: null, weeks_used, reason: 'past weeks had nothing by this point of the week' };
  if (reached / weeks_used < PACE_MIN_REACHED) {
    return { share: null, weeks_used, reason: `past weeks had ${Number((reached / weeks_used).toFixed(1))} on average by this point of the week; a projection needs ${PACE_MIN_REACHED}` };
  }
  return { share: reached / whole, weeks_used };
}

function judged(pace: Omit<RowPace, 'on_pace'>, target: Target | null): RowPace {
  if (pace.projected === null) return { ...pace, on_pace: null };
  if (!target) return { ...pace, on_pace: null, reason: 'no target' };
  return { ...pace, on_pace: statusOf(pace.projected, target) === 'on_track' };
}

/** A count or sum: projected = so far ÷ expected share. */
export function projectCount(history: PaceHistory, target: Target | null): RowPace {
  const share = expectedShare(history.past);
  const base = { so_far: history.so_far, share_expected: share.share, weeks_used: share.weeks_used };
  if (history.so_far === null) return { ...base, projected: null, on_pace: null, reason: 'no data this week yet' };
  if (share.share === null) return { ...base, projected: null, on_pace: null, reason: share.reason };
  return judged({ ...base, projected: history.so_far / share.share }, target);
}

/**
 * A rate (a count per account or per user): the projected numerator over the projected denominator,
 * each from its own share. So far, the rate of the week so far. No projection when either part has
 * none: a rate early in the week is not a forecast of the week's (the first to come are not typical).
 */
export function projectRate(numerator: PaceHistory, denominator: PaceHistory, target: Target | null): RowPace {
  const top = projectCount(numerator, null);
  const bottom = projectCount(denominator, null);
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
  const base = { so_far: ratio(numerator.so_far, denominator.so_far), share_expected: top.share_expected, weeks_used: Math.min(top.weeks_used, bottom.weeks_used) };
  const missing = [top, bottom].find((p) => p.projected === null);
  if (missing) return { ...base, projected: null, on_pace: null, reason: missing.reason };
  const projected = ratio(top.projected, bottom.projected);
  if (projected === null) return { ...base, projected: null, on_pace: null, reason: 'nobody counted so far this week' };
  return judged({ ...base, projected }, target);
}

/** A row with no pace: its reason, nothing projected. */
export function noPace(reason: string): RowPace {
  return { so_far: null, projected: null, share_expected: null, on_pace: null, weeks_used: 0, reason };
}

/** A projection as read: a count to the nearest whole one (a week's end is not 1,170.69 messages), anything else as its unit reads. */
export function formatProjection(v: number | null, unit: Unit): string {
  return formatValue(v === null || unit !== 'count' ? v : Math.round(v), unit);
}
