import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import {
  addPeriods, isoWeek, lastPeriods, localDateOf, parsePeriod, periodIndex, periodName, periodStartDate, periodsIn,
  rangeOfPeriods, startOfLocalDate, formatDate,
} from '../src/model/time.js';
import { Params } from '../src/query/dialect.js';
import { duckdbDialect } from '../src/query/dialects/duckdb.js';

describe('calendar', () => {
  it('names ISO weeks, including the ones that straddle a year', () => {
    expect(isoWeek({ year: 2026, month: 11, day: 22 })).toEqual({ year: 2026, week: 47 });
    expect(isoWeek({ year: 2026, month: 1, day: 1 })).toEqual({ year: 2026, week: 1 });
    expect(isoWeek({ year: 2027, month: 1, day: 1 })).toEqual({ year: 2026, week: 53 });
    expect(isoWeek({ year: 2024, month: 12, day: 30 })).toEqual({ year: 2025, week: 1 });
    expect(periodName({ year: 2026, month: 11, day: 16 }, 'week')).toBe('2026-W47');
    expect(periodName({ year: 2026, month: 11, day: 15 }, 'week', 'sunday')).toBe('2026-W47');
    expect(periodName({ year: 2026, month: 11, day: 1 }, 'month')).toBe('2026-11');
  });
  it('parses periods back to their first day', () => {
    expect(formatDate(parsePeriod('2026-W47').start)).toBe('2026-11-16');
    expect(formatDate(parsePeriod('2026-W53').start)).toBe('2026-12-28');
    expect(formatDate(parsePeriod('2026-W47', 'sunday').start)).toBe('2026-11-15');
    expect(() => parsePeriod('2025-W53')).toThrow('no such ISO week');
    expect(() => parsePeriod('2026-13')).toThrow('no such month');
    expect(() => parsePeriod('next week')).toThrow('expected a period');
  });
  it('finds local midnight across daylight-saving changes', () => {
    // New York leaves DST on 2026-11-01: midnight that day is still EDT (UTC−4), the next is EST (UTC−5).
    expect(new Date(startOfLocalDate({ year: 2026, month: 11, day: 1 }, 'America/New_York')).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(new Date(startOfLocalDate({ year: 2026, month: 11, day: 2 }, 'America/New_York')).toISOString()).toBe('2026-11-02T05:00:00.000Z');
    // Santiago springs forward at midnight (2026-09-06 00:00 does not exist): the day starts at 01:00 local.
    expect(new Date(startOfLocalDate({ year: 2026, month: 9, day: 6 }, 'America/Santiago')).toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(localDateOf(Date.parse('2026-11-02T04:59:59Z'), 'America/New_York')).toEqual({ year: 2026, month: 11, day: 1 });
  });
  it('builds ranges of whole periods', () => {
    const time = { timezone: 'UTC', weekStart: 'monday' as const };
    const range = rangeOfPeriods('2026-W45', '2026-W47', time);
    expect([new Date(range.from).toISOString(), new Date(range.to).toISOString()]).toEqual(['2026-11-02T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
    expect(periodsIn(range, 'week', time).map((p) => p.name)).toEqual(['2026-W45', '2026-W46', '2026-W47']);
    const last = lastPeriods(Date.parse('2026-11-22T12:00:00Z'), 'week', 13, time, true);
    expect(periodsIn(last, 'week', time).map((p) => p.name)).toEqual(
      Array.from({ length: 13 }, (_, i) => `2026-W${String(34 + i).padStart(2, '0')}`),
    );
    expect(formatDate(addPeriods({ year: 2026, month: 12, day: 1 }, 'month', 2))).toBe('2027-02-01');
    expect(() => rangeOfPeriods('2026-W47', '2026-W45', time)).toThrow('before');
  });
});

describe('SQL bucketing agrees with the calendar', () => {
  it('week/month starts and indices for every hour of a year in three zones', async () => {
    const store = await DuckDbStore.open(':memory:');
    for (const timezone of ['UTC', 'America/New_York', 'Australia/Lord_Howe']) {
      for (const weekStart of ['monday', 'sunday'] as const) {
        const params = new Params(duckdbDialect);
        const tz = params.bind(timezone);
        const local = duckdbDialect.localTime('ts', tz);
        const sql = `SELECT epoch_ms(ts) AS t,
            ${duckdbDialect.periodStart(local, 'week', weekStart)} AS week,
            ${duckdbDialect.periodStart(local, 'month', weekStart)} AS month,
            ${duckdbDialect.periodIndex(local, 'week', weekStart)} AS wi,
            ${duckdbDialect.periodIndex(local, 'month', weekStart)} AS mi
          FROM (SELECT unnest(range(TIMESTAMP '2026-01-01', TIMESTAMP '2027-01-01', INTERVAL 61 MINUTE)) AS ts)`;
        const rows = await store.all<{ t: number; week: string; month: string; wi: number; mi: number }>(sql, params.values);
        expect(rows.length).toBeGreaterThan(8000);
        for (const r of rows) {
          const date = localDateOf(r.t, timezone);
          const expected = {
            week: formatDate(periodStartDate(date, 'week', weekStart)),
            month: formatDate(periodStartDate(date, 'month', weekStart)),
            wi: periodIndex(date, 'week', weekStart),
            mi: periodIndex(date, 'month', weekStart),
          };
          if (r.week !== expected.week || r.month !== expected.month || r.wi !== expected.wi || r.mi !== expected.mi) {
            expect({ at: new Date(r.t).toISOString(), timezone, weekStart, ...r }).toEqual({ at: new Date(r.t).toISOString(), timezone, weekStart, t: r.t, ...expected });
          }
        }
      }
    }
    await store.close();
  });
});
