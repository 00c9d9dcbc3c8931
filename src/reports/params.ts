/** Report parameters shared by the CLI flags and the read API's query string: as-of and the range. */
import { InputError } from '../errors.js';
import type { Frequency, TimeRange } from '../model/metrics.js';
import { addPeriods, checkRangeLength, checkYear, formatDate, lastPeriods, MAX_YEAR, MIN_YEAR, named, parseDate, parsePeriod, periodStartDate, periodStartOf, rangeOfPeriods, startOfLocalDate } from '../model/time.js';
import { type MetricModel } from '../model/metric-model.js';

/** The range a report is asked for: `from` and `to` periods. */
export interface ReportFlags {
  from?: string;
  to?: string;
}

export const DEFAULT_PERIODS = 13;

/** A date, or an ISO-8601 timestamp with or without a zone; nothing else (Date.parse accepts far too much). */
const AS_OF = /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `--as-of` / `as_of`: a date in MIN_YEAR–MAX_YEAR (default now); one line naming the parameter otherwise. */
export function parseAsOf(text: string | undefined, name = '--as-of'): number {
  if (text === undefined) return Date.now();
  const m = AS_OF.exec(text);
  if (!m) throw new InputError(`${name}: expected a date like 2026-11-22 or a timestamp like 2026-11-22T10:00:00Z, got ${JSON.stringify(text)}`);
  named(name, () => {
    checkYear(m[1].slice(0, 4), text);
    parseDate(m[1]);
  });
  const ms = Date.parse(m[0].length === m[1].length ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new InputError(`${name}: not a valid timestamp: ${JSON.stringify(text)}`);
  const year = new Date(ms).getUTCFullYear();
  if (!(year >= MIN_YEAR && year <= MAX_YEAR)) throw new InputError(`${name}: ${JSON.stringify(text)} is outside the years ${MIN_YEAR}–${MAX_YEAR}`);
  return ms;
}

/**
 * Flags made from a query string name their parameters as the read API does (`as_of`); the CLI's
 * flags as the CLI does (`--as-of`). A symbol, so no query parameter can set it.
 */
const QUERY_NAMES = Symbol('named as query parameters');

export function namedAsQuery<T extends object>(flags: T): T {
  Object.defineProperty(flags, QUERY_NAMES, { value: true, enumerable: true });
  return flags;
}

/** A flag's name in messages: `as_of` in the read API, `--as-of` on the command line. */
export function paramName(flags: object, key: string): string {
  return QUERY_NAMES in flags ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The range a report covers: `--from`/`--to` periods (to inclusive), else the last `count` complete
 * periods before `asOf`. Every period is within MIN_YEAR–MAX_YEAR and the range at most MAX_RANGE_DAYS.
 */
export function resolveRange(flags: ReportFlags, model: MetricModel, asOf: number, frequency: Frequency, count = DEFAULT_PERIODS): TimeRange {
  const time = model.time;
  const names = { from: paramName(flags, 'from'), to: paramName(flags, 'to') };
  if (flags.from && flags.to) return rangeOfPeriods(flags.from, flags.to, time, names);
  if (flags.from) {
    const start = named(names.from, () => parsePeriod(flags.from!, time.weekStart)).start;
    const end = startOfLocalDate(periodStartOf(asOf, frequency, time), time.timezone);
    const range = { from: startOfLocalDate(start, time.timezone), to: end };
    if (range.to <= range.from) throw new InputError(`${names.from}: ${flags.from} is not before the current ${frequency}`);
    return checkRangeLength(range, names.from, `${flags.from} to the current ${frequency}`);
  }
  if (flags.to) {
    const end = named(names.to, () => parsePeriod(flags.to!, time.weekStart));
    const to = startOfLocalDate(addPeriods(end.start, end.frequency, 1), time.timezone);
    return lastPeriods(to - 1, frequency, count, time);
  }
  return lastPeriods(asOf, frequency, count, time, true);
}

/**
 * The one period of `frequency` a flag names: `2026-W46` or any day in it for a week, `2026-11` or any
 * day in it for a month. Its range and its first day ('YYYY-MM-DD', as the plans name periods).
 */
export function periodContaining(flags: object, key: string, text: string, model: MetricModel, frequency: 'week' | 'month'): TimeRange & { startDate: string } {
  const time = model.time;
  const name = paramName(flags, key);
  const parsed = named(name, () => parsePeriod(text, time.weekStart));
  if (parsed.frequency !== 'day' && parsed.frequency !== frequency) {
    throw new InputError(`${name}: expected a ${frequency} (${frequency === 'week' ? '2026-W46' : '2026-11'}) or a day in it, got ${JSON.stringify(text)}`);
  }
  const start = periodStartDate(parsed.start, frequency, time.weekStart);
  return {
    from: startOfLocalDate(start, time.timezone),
    to: startOfLocalDate(addPeriods(start, frequency, 1), time.timezone),
    startDate: formatDate(start),
  };
}
