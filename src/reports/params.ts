/** Report parameters shared by the CLI flags and the read API's query string. */
import { InputError } from '../errors.js';
import type { Frequency, Segment, TimeRange } from '../model/metrics.js';
import { lastPeriods, parsePeriod, rangeOfPeriods, startOfLocalDate, addPeriods, localDateOf, periodStartDate } from '../model/time.js';
import type { MetricModel } from '../model/from-config.js';

export interface ReportFlags {
  json?: boolean;
  from?: string;
  to?: string;
  asOf?: string;
  segment?: string;
  breakdown?: string;
  weeks?: string;
}

export const DEFAULT_PERIODS = 13;

export function parseSegment(text: string | undefined): Segment {
  if (text === undefined || text === 'all') return 'all';
  if (text === 'ideal') return 'ideal';
  if (text === 'not-ideal' || text === 'not_ideal') return 'not_ideal';
  throw new InputError(`--segment: expected all, ideal or not-ideal, got ${JSON.stringify(text)}`);
}

export function parseAsOf(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new InputError(`--as-of: expected a date like 2026-11-22, got ${JSON.stringify(text)}`);
  return ms;
}

/**
 * The range a report covers: `--from`/`--to` periods (to inclusive), else the last `count` complete
 * periods before `asOf`.
 */
export function resolveRange(flags: ReportFlags, model: MetricModel, asOf: number, frequency: Frequency, count = DEFAULT_PERIODS): TimeRange {
  const time = model.time;
  if (flags.from && flags.to) return rangeOfPeriods(flags.from, flags.to, time);
  if (flags.from) {
    const start = parsePeriod(flags.from, time.weekStart).start;
    const end = startOfLocalDate(periodStartDate(localDateOf(asOf, time.timezone), frequency, time.weekStart), time.timezone);
    const range = { from: startOfLocalDate(start, time.timezone), to: end };
    if (range.to <= range.from) throw new InputError(`--from ${flags.from} is not before the current ${frequency}`);
    return range;
  }
  if (flags.to) {
    const end = parsePeriod(flags.to, time.weekStart);
    const to = startOfLocalDate(addPeriods(end.start, end.frequency, 1), time.timezone);
    return lastPeriods(to - 1, frequency, count, time);
  }
  return lastPeriods(asOf, frequency, count, time, true);
}

/** A whole-number flag or parameter within [min, max]; one clear line otherwise. */
export function wholeNumber(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new InputError(`${flag}: expected a whole number ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}
