import { describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import {
  addPeriods, DAY_MS, isoWeek, lastPeriods, localDateOf, MAX_RANGE_DAYS, parseDate, parsePeriod, periodIndex, periodName, periodStartDate, periodsIn,
  rangeOfPeriods, startOfLocalDate, formatDate,
} from '../src/model/time.js';
import { namedAsQuery, parseAsOf, resolveRange } from '../src/reports/params.js';
import { Params } from '../src/query/dialect.js';
import { duckdbDialect } from '../src/query/dialects/duckdb.js';
import { type MetricModel } from '../src/model/metric-model.js';

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

describe('period parameter bounds', () => {
  const time = { timezone: 'UTC', weekStart: 'monday' as const };
  const model = { time } as unknown as MetricModel;
  const now = Date.parse('2026-03-30T00:00:00Z');
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it('reads years 0000–0099 as themselves, never as 1900–1999', () => {
    expect(formatDate(parseDate('0050-03-01'))).toBe('0050-03-01');
    expect(new Date(startOfLocalDate({ year: 50, month: 3, day: 1 }, 'UTC')).getUTCFullYear()).toBe(50);
    expect(new Date(startOfLocalDate({ year: 0, month: 1, day: 1 }, 'UTC')).getUTCFullYear()).toBe(0);
    // …and then refuses them by the year bound, not as a 1950 date.
    expect(message(() => parsePeriod('0050-03'))).toBe('year 0050 in "0050-03" is outside 1970–2100');
    expect(message(() => parsePeriod('0099-W10'))).toBe('year 0099 in "0099-W10" is outside 1970–2100');
    expect(message(() => resolveRange(namedAsQuery({ from: '0000-01-01', to: '2026-01-01' }), model, now, 'day'))).toBe('from: year 0000 in "0000-01-01" is outside 1970–2100');
  });

  it('accepts 1970 to 2100 and refuses the years beside them, naming the parameter on each surface', () => {
    expect(formatDate(parsePeriod('1970-01').start)).toBe('1970-01-01');
    expect(formatDate(parsePeriod('2100-12-31').start)).toBe('2100-12-31');
    expect(message(() => parsePeriod('1969-12'))).toContain('outside 1970–2100');
    expect(message(() => resolveRange(namedAsQuery({ to: '2101-W01' }), model, now, 'week'))).toBe('to: year 2101 in "2101-W01" is outside 1970–2100');
    expect(message(() => resolveRange({ to: '2101-W01' }, model, now, 'week'))).toBe('--to: year 2101 in "2101-W01" is outside 1970–2100');
    expect(parseAsOf('2100-12-31', 'as_of')).toBe(Date.parse('2100-12-31T00:00:00Z'));
    expect(parseAsOf('2026-03-30T12:00:00.000Z')).toBe(Date.parse('2026-03-30T12:00:00Z'));
    expect(message(() => parseAsOf('2101-01-01', 'as_of'))).toBe('as_of: year 2101 in "2101-01-01" is outside 1970–2100');
    expect(message(() => parseAsOf('0050-01-01'))).toBe('--as-of: year 0050 in "0050-01-01" is outside 1970–2100');
    expect(message(() => parseAsOf('2100-12-31T23:00:00-05:00', 'as_of'))).toBe('as_of: "2100-12-31T23:00:00-05:00" is outside the years 1970–2100');
  });

  it('refuses the as-of dates that used to become NaN or a date outside the calendar', () => {
    for (const text of ['-271821-04-20', '275760-09-01', '+275760-09-01', 'March 7', '2026-03-30T25:00:00Z', '']) {
      expect(message(() => parseAsOf(text, 'as_of'))).toMatch(/^as_of: /);
    }
    // Date.parse would roll 31 February into March.
    expect(message(() => parseAsOf('2026-02-31', 'as_of'))).toBe('as_of: not a calendar date: 2026-02-31');
  });

  it('bounds a range to MAX_RANGE_DAYS (ten years)', () => {
    const tenYears = resolveRange({ from: '2016-01', to: '2025-12' }, model, now, 'month');
    expect(periodsIn(tenYears, 'month', time)).toHaveLength(120);
    expect(Math.round((tenYears.to - tenYears.from) / DAY_MS)).toBe(MAX_RANGE_DAYS);
    expect(message(() => resolveRange(namedAsQuery({ from: '2016-01', to: '2026-01' }), model, now, 'month')))
      .toBe('from: 2016-01 to 2026-01 spans 3684 days; a report covers at most 3653 days (ten years)');
    expect(message(() => resolveRange(namedAsQuery({ from: '1970-W02' }), model, now, 'week'))).toMatch(/^from: 1970-W02 to the current week spans \d+ days/);
    expect(message(() => rangeOfPeriods('1970-01-01', '2100-12-31', time))).toMatch(/^--from: .* spans 47847 days/);
  });

  it('makes a loop over a NaN or an endless range impossible in periodsIn and lastPeriods themselves', () => {
    for (const range of [{ from: NaN, to: 0 }, { from: 0, to: NaN }, { from: -8.64e15, to: 8.64e15 }, { from: 0, to: Infinity }]) {
      expect(message(() => periodsIn(range, 'day', time))).toMatch(/^range: /);
    }
    expect(message(() => lastPeriods(NaN, 'week', 13, time))).toMatch(/^range: /);
    expect(message(() => lastPeriods(now, 'day', 1e9, time))).toMatch(/^range: /);
    expect(message(() => lastPeriods(now, 'week', 0, time))).toMatch(/^periods: /);
  });
});
