import { InputError, TruenorthError } from '../errors.js';
import type { Frequency, TimeRange, TimeSettings, WeekStart } from './metrics.js';

/**
 * Calendar arithmetic in the configured timezone: period starts, names (`2026-W47`, `2026-11`,
 * `2026-11-22`) and ranges. The SQL emitters bucket the same way; tests cross-check the two.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** The years a period parameter or as-of date may name; anything else is refused before any arithmetic. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2100;
/** The longest range a report covers: ten years, so at most 3,653 days, 521 weeks or 120 months. */
export const MAX_RANGE_DAYS = 3_653;
/** periodsIn/lastPeriods refuse anything longer: reports widen a range to look back (churn smoothing), never double it. */
const MAX_LOOP_DAYS = 2 * MAX_RANGE_DAYS;

export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** Offset of local wall-clock time from UTC at an instant, in ms. */
function offsetAt(ms: number, timezone: string): number {
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return 0;
  const parts = Object.fromEntries(formatter(timezone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date of a UTC instant. */
export function localDateOf(ms: number, timezone: string): LocalDate {
  const d = new Date(ms + offsetAt(ms, timezone));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** UTC midnight of a calendar date; unlike Date.UTC, years 0–99 are themselves, not 1900–1999. */
function utcMidnight(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** The UTC instant of local midnight starting a date (the first instant of that date, across DST). */
export function startOfLocalDate(date: LocalDate, timezone: string): number {
  const wall = utcMidnight(date.year, date.month, date.day);
  let guess = wall - offsetAt(wall, timezone);
  // Two passes settle DST transitions; a midnight that does not exist maps to the first instant after it.
  guess = wall - offsetAt(guess, timezone);
  const back = localDateOf(guess, timezone);
  if (back.day !== date.day) guess += HOUR_MS;
  return guess;
}

function dayNumber(date: LocalDate): number {
  return Math.floor(utcMidnight(date.year, date.month, date.day) / DAY_MS);
}

function fromDayNumber(n: number): LocalDate {
  const d = new Date(n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function formatDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

export function parseDate(text: string): LocalDate {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new InputError(`expected a date like 2026-11-22, got ${JSON.stringify(text)}`);
  const date = { year: +m[1], month: +m[2], day: +m[3] };
  if (formatDate(fromDayNumber(dayNumber(date))) !== text) throw new InputError(`not a calendar date: ${text}`);
  return date;
}

/** The first local date of the period containing `date`. */
export function periodStartDate(date: LocalDate, frequency: Frequency, weekStart: WeekStart): LocalDate {
  if (frequency === 'day') return date;
  if (frequency === 'month') return { year: date.year, month: date.month, day: 1 };
  const n = dayNumber(date);
  const weekday = (n + 4) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
  const back = weekStart === 'sunday' ? weekday : (weekday + 6) % 7;
  return fromDayNumber(n - back);
}

export function addPeriods(start: LocalDate, frequency: Frequency, count: number): LocalDate {
  if (frequency === 'day') return fromDayNumber(dayNumber(start) + count);
  if (frequency === 'week') return fromDayNumber(dayNumber(start) + 7 * count);
  const index = start.year * 12 + (start.month - 1) + count;
  return { year: Math.floor(index / 12), month: (index % 12) + 1, day: 1 };
}

/** ISO-8601 week-numbering year and week of a date. */
export function isoWeek(date: LocalDate): { year: number; week: number } {
  const n = dayNumber(date);
  const weekday = ((n + 3) % 7) + 1; // 1 = Monday … 7 = Sunday
  const thursday = fromDayNumber(n + 4 - weekday);
  const jan1 = dayNumber({ year: thursday.year, month: 1, day: 1 });
  return { year: thursday.year, week: Math.floor((dayNumber(thursday) - jan1) / 7) + 1 };
}

/** `2026-W47`, `2026-11` or `2026-11-22` for the period starting on `start`. */
export function periodName(start: LocalDate, frequency: Frequency, weekStart: WeekStart = 'monday'): string {
  if (frequency === 'day') return formatDate(start);
  if (frequency === 'month') return `${start.year}-${String(start.month).padStart(2, '0')}`;
  // A Sunday-start week is named after the ISO week of its Monday.
  const monday = weekStart === 'sunday' ? addPeriods(start, 'day', 1) : start;
  const { year, week } = isoWeek(monday);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Parses `2026-W47`, `2026-11` or `2026-11-22` to the first local date of that period. */
export function parsePeriod(text: string, weekStart: WeekStart = 'monday'): { start: LocalDate; frequency: Frequency } {
  checkYear(/^(\d{4})-/.exec(text)?.[1], text);
  const week = /^(\d{4})-W(\d{2})$/.exec(text);
  if (week) {
    const year = +week[1];
    const w = +week[2];
    // ISO week 1 contains January 4th.
    const jan4 = { year, month: 1, day: 4 };
    const monday = addPeriods(periodStartDate(jan4, 'week', 'monday'), 'week', w - 1);
    if (w < 1 || isoWeek(monday).year !== year) throw new InputError(`no such ISO week: ${text}`);
    return { start: weekStart === 'sunday' ? addPeriods(monday, 'day', -1) : monday, frequency: 'week' };
  }
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month) {
    const m = +month[2];
    if (m < 1 || m > 12) throw new InputError(`no such month: ${text}`);
    return { start: { year: +month[1], month: m, day: 1 }, frequency: 'month' };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return { start: parseDate(text), frequency: 'day' };
  throw new InputError(`expected a period like 2026-W47, 2026-11 or 2026-11-22, got ${JSON.stringify(text)}`);
}

/** Refuses a year outside MIN_YEAR–MAX_YEAR (text that names no year is left to the format checks). */
export function checkYear(year: string | undefined, text: string): void {
  if (year !== undefined && (+year < MIN_YEAR || +year > MAX_YEAR)) {
    throw new InputError(`year ${year} in ${JSON.stringify(text)} is outside ${MIN_YEAR}–${MAX_YEAR}`);
  }
}

/** The whole days a range spans (rounded across DST); NaN when either end is not finite. */
export function rangeDays(range: TimeRange): number {
  return Number.isFinite(range.from) && Number.isFinite(range.to) ? Math.round((range.to - range.from) / DAY_MS) : NaN;
}

/** Defence in depth for the period loops: a range that is not finite, or far too long, is refused before any loop. */
function checkLoopRange(range: TimeRange): void {
  const days = rangeDays(range);
  if (!(days <= MAX_LOOP_DAYS)) {
    throw new InputError(`range: ${Number.isNaN(days) ? 'not a valid date range' : `${days} days is longer than ${MAX_LOOP_DAYS}`}`);
  }
}

/** Runs a parser; an input error it throws is prefixed with the parameter's name (`as_of: …`, `--from: …`). */
export function named<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${name}: ${e.message}`);
    throw e;
  }
}

/** Refuses a range longer than MAX_RANGE_DAYS (or not finite), naming the parameter that made it. */
export function checkRangeLength(range: TimeRange, name: string, what: string): TimeRange {
  const days = rangeDays(range);
  if (!(days <= MAX_RANGE_DAYS)) {
    throw new InputError(`${name}: ${what} spans ${Number.isNaN(days) ? 'no valid range' : `${days} days`}; a report covers at most ${MAX_RANGE_DAYS} days (ten years)`);
  }
  return range;
}

/** The UTC range [start of `from`'s period, end of `to`'s period): both ends named periods, `to` inclusive, at most MAX_RANGE_DAYS. */
export function rangeOfPeriods(from: string, to: string, time: TimeSettings, names = { from: '--from', to: '--to' }): TimeRange {
  const a = named(names.from, () => parsePeriod(from, time.weekStart));
  const b = named(names.to, () => parsePeriod(to, time.weekStart));
  const range = {
    from: startOfLocalDate(a.start, time.timezone),
    to: startOfLocalDate(addPeriods(b.start, b.frequency, 1), time.timezone),
  };
  if (range.to <= range.from) throw new InputError(`${names.to}: ${to} is before ${names.from} ${from}`);
  return checkRangeLength(range, names.from, `${from} to ${to}`);
}

export interface Period {
  name: string;
  start: LocalDate;
  /** 'YYYY-MM-DD' of the first local date, as the SQL emitters return it. */
  startDate: string;
  from: number;
  to: number;
}

/** Every period of a frequency that overlaps the range, in order. */
export function periodsIn(range: TimeRange, frequency: Frequency, time: TimeSettings): Period[] {
  checkLoopRange(range);
  // No frequency has more periods than a range has days: the loop ends even if the calendar math went wrong.
  const most = rangeDays(range) + 2;
  const out: Period[] = [];
  let start = periodStartDate(localDateOf(range.from, time.timezone), frequency, time.weekStart);
  for (;;) {
    const from = startOfLocalDate(start, time.timezone);
    if (from >= range.to) break;
    if (out.length >= most) throw new TruenorthError('internal', `periods: more than ${most} periods in a ${most - 2}-day range`);
    const next = addPeriods(start, frequency, 1);
    out.push({ name: periodName(start, frequency, time.weekStart), start, startDate: formatDate(start), from, to: startOfLocalDate(next, time.timezone) });
    start = next;
  }
  return out;
}

/** The `count` whole periods ending with the one containing `asOf` (or just before it when `complete`). */
export function lastPeriods(asOf: number, frequency: Frequency, count: number, time: TimeSettings, complete = false): TimeRange {
  let current = periodStartDate(localDateOf(asOf, time.timezone), frequency, time.weekStart);
  if (complete) current = addPeriods(current, frequency, -1);
  const first = addPeriods(current, frequency, -(count - 1));
  const range = { from: startOfLocalDate(first, time.timezone), to: startOfLocalDate(addPeriods(current, frequency, 1), time.timezone) };
  if (!Number.isInteger(count) || count < 1) throw new InputError(`periods: expected a whole number ≥ 1, got ${count}`);
  checkLoopRange(range);
  return range;
}

/** The first local date of the period containing the instant `ms`. */
export function periodStartOf(ms: number, frequency: Frequency, time: TimeSettings): LocalDate {
  return periodStartDate(localDateOf(ms, time.timezone), frequency, time.weekStart);
}

/** `2026-W47`: the name of the week containing the instant `ms`. */
export function weekNameOf(ms: number, time: TimeSettings): string {
  return periodName(periodStartOf(ms, 'week', time), 'week', time.weekStart);
}

/** The first local date of the last complete week before `asOf`: what a review is about by default. */
export function lastCompleteWeekStart(asOf: number, time: TimeSettings): LocalDate {
  return addPeriods(periodStartOf(asOf, 'week', time), 'week', -1);
}

/** `2026-W47`: the name of the last complete week before `asOf`. */
export function lastCompleteWeek(asOf: number, time: TimeSettings): string {
  return periodName(lastCompleteWeekStart(asOf, time), 'week', time.weekStart);
}

/** Period index as the SQL emitters compute it: weeks since 1970-01-05 (Monday) or 1970-01-04 (Sunday); months since 1970-01. */
export function periodIndex(date: LocalDate, frequency: 'week' | 'month', weekStart: WeekStart): number {
  if (frequency === 'month') return date.year * 12 + date.month - 1;
  const epoch = weekStart === 'sunday' ? dayNumber({ year: 1970, month: 1, day: 4 }) : dayNumber({ year: 1970, month: 1, day: 5 });
  return Math.floor((dayNumber(date) - epoch) / 7);
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(m|h|d|w)$/;
const UNIT_MS = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: WEEK_MS } as const;

/** `14d`, `7d`, `36h`, `2w`, `90m` → days (possibly fractional: 36h = 1.5) and milliseconds; undefined unless positive. */
export function tryParseDuration(value: string): { days: number; ms: number } | undefined {
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? { days: ms / DAY_MS, ms } : undefined;
}

/** Like tryParseDuration; throws an InputError for anything else. */
export function parseDuration(value: string): { days: number; ms: number } {
  const duration = tryParseDuration(value);
  if (!duration) throw new InputError(`expected a duration like 14d, got ${JSON.stringify(value)}`);
  return duration;
}
