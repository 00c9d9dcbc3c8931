import type { Frequency, TimeRange, TimeSettings } from '../model/metrics.js';
import { periodsIn, type Period } from '../model/time.js';

/**
 * What a query over a range can be kept by: its whole periods, or with `within` (pace's windows) each
 * window as its period's part; null when it cannot be kept period by period.
 */
export function keptPeriods(range: TimeRange, frequency: Frequency, time: TimeSettings, within?: readonly TimeRange[]): Period[] | null {
  return within ? periodParts(range, within, frequency, time) : wholePeriods(range, frequency, time);
}

/** The windows a query restricted to periods' parts reads: each part's span. */
export function windowsOf(parts: readonly Period[]): TimeRange[] {
  return parts.map(({ from, to }) => ({ from, to }));
}

/** The periods of a range that starts and ends on period boundaries, else null (it cannot be kept period by period). */
function wholePeriods(range: TimeRange, frequency: Frequency, time: TimeSettings): Period[] | null {
  const periods = periodsIn(range, frequency, time);
  return periods.length > 0 && periods[0].from === range.from && periods[periods.length - 1].to === range.to ? periods : null;
}

/**
 * Windows inside a range, each a period's part from its start (pace's windows), as periods ending at
 * the window's end; null unless every window starts a period and ends inside it.
 */
function periodParts(range: TimeRange, within: readonly TimeRange[], frequency: Frequency, time: TimeSettings): Period[] | null {
  if (within.length === 0 || within[0].from < range.from || within[within.length - 1].to > range.to) return null;
  const periods = periodsIn({ from: within[0].from, to: within[within.length - 1].to }, frequency, time);
  const parts = within.map((w) => {
    const p = periods.find((x) => x.from === w.from);
    return p && w.to > p.from && w.to <= p.to ? { ...p, to: w.to } : null;
  });
  return parts.every((p) => p !== null) ? parts : null;
}
