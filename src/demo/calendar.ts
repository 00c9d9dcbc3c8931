/** Time helpers for the demo: the data window, ISO weeks, business-hours timestamps, daily volumes. */
import { InputError } from '../errors.js';
import { cumulative, hashKey, mix32, type Rng } from './prng.js';
import { WEEKEND_TRAFFIC, WEEKLY_GROWTH } from './model.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, WEEK_MS } from '../model/time.js';

export interface Window {
  /** First Monday 00:00 UTC (inclusive). */
  startMs: number;
  /** The Monday 00:00 UTC after the last week (exclusive). */
  endMs: number;
  weeks: number;
  days: number;
}

/** The `weeks` full ISO weeks before endDate (snapped back to its Monday). */
export function dataWindow(endDate: string, weeks: number): Window {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(endDate);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || !Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== endDate) {
    throw new InputError(`endDate: expected a date like 2026-11-16, got ${JSON.stringify(endDate)}`);
  }
  const endMs = startOfIsoWeek(ms);
  return { startMs: endMs - weeks * WEEK_MS, endMs, weeks, days: weeks * 7 };
}

export function startOfIsoWeek(ms: number): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const dow = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - dow * DAY_MS;
}

/** `2026-W47` for the ISO week holding ms. */
export function isoWeekName(ms: number): string {
  const monday = startOfIsoWeek(ms);
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

let cachedDay = NaN;
let cachedPrefix = '';

/** `2026-11-16T09:30:00.123Z`, same as Date#toISOString (for years 0–9999), with the date part cached. */
export function isoTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / HOUR_MS);
  rest -= h * HOUR_MS;
  const m = Math.floor(rest / MINUTE_MS);
  rest -= m * MINUTE_MS;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  return `${cachedPrefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Last day of the calendar quarter holding ms, as YYYY-MM-DD. */
export function quarterEnd(ms: number): string {
  const date = new Date(ms);
  const quarterLastMonth = Math.floor(date.getUTCMonth() / 3) * 3 + 3;
  return isoDate(Date.UTC(date.getUTCFullYear(), quarterLastMonth, 1) - DAY_MS);
}

export function isWeekend(dayIndex: number): boolean {
  return dayIndex % 7 >= 5; // the window starts on a Monday
}

/** Activity by UTC hour for a B2B product used in Europe and the Americas. */
const HOUR_WEIGHTS = [
  1, 0.7, 0.5, 0.4, 0.4, 0.6, 1.2, 2.5, 4.5, 6, 6.5, 6.5, 6, 7, 8, 8.5, 8, 7, 5.5, 4.5, 3.5, 2.8, 2, 1.4,
];
const HOUR_TABLE = cumulative(HOUR_WEIGHTS);

/** A business-hours-shaped timestamp within the UTC day starting at dayStart. */
export function timeInDay(rng: Rng, dayStart: number): number {
  const hour = rng.weightedIndex(HOUR_TABLE);
  return dayStart + hour * HOUR_MS + Math.floor(rng.next() * HOUR_MS);
}

/** A uniformly drawn timestamp in [from, to). */
export function timeBetween(rng: Rng, from: number, to: number): number {
  return from + Math.floor(rng.next() * Math.max(1, to - from));
}

/**
 * Splits `total` over the days of the window in proportion to growth x weekday x a little seeded
 * noise, by cumulative rounding (exact total, deterministic).
 */
export function dailyVolumes(total: number, days: number, seed: number, purpose: number): Int32Array {
  const weights = new Float64Array(days);
  let sum = 0;
  for (let d = 0; d < days; d++) {
    const week = Math.floor(d / 7);
    const noise = 0.85 + 0.3 * (mix32(hashKey(seed, purpose, d)) / 4294967296);
    const w = Math.pow(1 + WEEKLY_GROWTH, week) * (isWeekend(d) ? WEEKEND_TRAFFIC : 1) * noise;
    weights[d] = w;
    sum += w;
  }
  const counts = new Int32Array(days);
  let acc = 0;
  let assigned = 0;
  for (let d = 0; d < days; d++) {
    acc += weights[d];
    const upTo = Math.round((total * acc) / sum);
    counts[d] = upTo - assigned;
    assigned = upTo;
  }
  return counts;
}

/** Prefix sums: offsets[d] = first index of day d; offsets[days] = total. */
export function offsets(counts: Int32Array): Float64Array {
  const out = new Float64Array(counts.length + 1);
  for (let d = 0; d < counts.length; d++) out[d + 1] = out[d] + counts[d];
  return out;
}
