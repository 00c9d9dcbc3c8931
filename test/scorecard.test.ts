import { describe, expect, it } from 'vitest';
import {
  accountabilityGaps, buildRow, ceoOfTheWeek, findBottleneck, formatTrend, relativeShortfall, statusOf, suggestBaseline,
  type JourneyStep,
} from '../src/reports/scorecard.js';
import { praiseFor } from '../src/reports/praise.js';

describe('status per cell', () => {
  it('gte, lte and between at their boundaries', () => {
    expect(statusOf(400, { gte: 400 })).toBe('on_track');
    expect(statusOf(399.999, { gte: 400 })).toBe('off_track');
    expect(statusOf(0.02, { lte: 0.02 })).toBe('on_track');
    expect(statusOf(0.0200001, { lte: 0.02 })).toBe('off_track');
    expect(statusOf(10, { between: [10, 20] })).toBe('on_track');
    expect(statusOf(20, { between: [10, 20] })).toBe('on_track');
    expect(statusOf(9.99, { between: [10, 20] })).toBe('off_track');
    expect(statusOf(20.01, { between: [10, 20] })).toBe('off_track');
    expect(statusOf(5, null)).toBe('no_target');
    expect(statusOf(null, { gte: 1 })).toBe('no_data');
    expect(statusOf(Number.NaN, { gte: 1 })).toBe('no_data');
  });
  it('relative shortfall in each direction', () => {
    expect(relativeShortfall(300, { gte: 400 })).toBe(0.25);
    expect(relativeShortfall(0.03, { lte: 0.02 })).toBeCloseTo(0.5, 12);
    expect(relativeShortfall(8, { between: [10, 20] })).toBe(0.2);
    expect(relativeShortfall(25, { between: [10, 20] })).toBe(0.25);
    expect(relativeShortfall(500, { gte: 400 })).toBe(0);
  });
});

const step = (from: string, to: string, actual: number | null, target: number | null, owner: string | null = `${to}@x`): JourneyStep =>
  ({ from, to, actual_rate: actual, target_rate: target, owner });

describe('bottleneck', () => {
  it('is the step furthest below its target, not the lowest conversion', () => {
    // visit → signup converts 5 % (the lowest) against a 4 % target: on target.
    // signup → setup converts 15 % against 60 %: ratio 4. setup → first strike 50 % against 70 %: 1.4.
    const b = findBottleneck([
      step('visit', 'signup', 0.05, 0.04), step('signup', 'setup', 0.15, 0.6), step('setup', 'first_strike', 0.5, 0.7),
    ], 'upgrade');
    expect(b).toMatchObject({ from_stage: 'signup', stage: 'setup', basis: 'target', owner: 'setup@x' });
    expect(b!.multiplier).toBeCloseTo(4, 12);
    expect(b!.sentence).toBe('Signup → setup converts 15.0 % against a 60.0 % target; fixing it would multiply upgrades by 4.0.');
  });
  it('is none when every targeted step meets its target', () => {
    expect(findBottleneck([step('visit', 'signup', 0.05, 0.04), step('signup', 'setup', 0.7, 0.6)], 'upgrade')).toBeNull();
  });
  it('ranks a step that converts nobody first, and breaks ties by journey order', () => {
    const zero = findBottleneck([step('visit', 'signup', 0.01, 0.5), step('signup', 'setup', 0, 0.1)], 'upgrade');
    expect(zero).toMatchObject({ stage: 'setup', multiplier: null });
    const tie = findBottleneck([step('visit', 'signup', 0.1, 0.2), step('signup', 'setup', 0.3, 0.6)], 'upgrade');
    expect(tie!.stage).toBe('signup');
  });
  it('falls back to the lowest conversion, said so, when no step has a target', () => {
    const b = findBottleneck([step('visit', 'signup', 0.08, null), step('signup', 'setup', 0.2, null), step('setup', 'kui', null, null)], 'upgrade');
    expect(b).toMatchObject({ stage: 'signup', basis: 'lowest_conversion', target_rate: null });
    expect(b!.sentence).toContain('No journey step has a target');
  });
});

const row = (id: string, owner: string | null, values: (number | null)[], target: { gte: number } | { lte: number } | null) =>
  buildRow({ id, name: id, owner, target, source: 'computed' }, values);

describe('CEO of the week, praise and gaps', () => {
  const rows = [
    row('north_star', 'ceo@x', [100, 120], { gte: 100 }),
    row('journey.signup', 'maya@x', [300, 300], { gte: 400 }), // 25 % short
    row('health.revenue_churn', 'cfo@x', [0.02, 0.025], { lte: 0.02 }), // 25 % over
    row('journey.kui', 'sam@x', [10, 12], null),
  ];
  it('is the bottleneck owner when there is a bottleneck', () => {
    const b = findBottleneck([step('signup', 'setup', 0.1, 0.5, 'li@x')], 'upgrade');
    expect(ceoOfTheWeek(b, rows)).toMatchObject({ owner: 'li@x', metric: 'journey.setup' });
  });
  it('else the owner of the largest relative shortfall, the earlier row on a tie', () => {
    expect(ceoOfTheWeek(null, rows)).toMatchObject({ owner: 'maya@x', metric: 'journey.signup' });
    const worse = [...rows.slice(0, 2), row('health.revenue_churn', 'cfo@x', [0.02, 0.03], { lte: 0.02 })];
    expect(ceoOfTheWeek(null, worse)).toMatchObject({ owner: 'cfo@x' });
    expect(ceoOfTheWeek(null, [rows[0]])).toBeNull();
  });
  it('praises owners on track this week', () => {
    expect(praiseFor(rows)).toEqual([{ owner: 'ceo@x', metric: 'north_star' }]);
  });
  it('lists accountability gaps', () => {
    const many = ['a', 'b', 'c', 'd'].map((id) => row(id, 'one@x', [1], null));
    expect(accountabilityGaps([...many, row('orphan', null, [1], null), row('journey.visit', null, [1], null)])).toEqual({
      rows_without_owner: ['orphan'],
      overloaded_owners: [{ owner: 'one@x', rows: ['a', 'b', 'c', 'd'] }],
    });
  });
});

describe('baselines and trend', () => {
  it('suggests the mean of the last 4 weeks with data, in the row direction', () => {
    expect(suggestBaseline([1, null, 10, 20, 30, 40])).toEqual({ mean_last_4_weeks: 25, suggested_target: { gte: 25 } });
    expect(suggestBaseline([0.03, 0.01, 0.02], true)).toEqual({ mean_last_4_weeks: 0.02, suggested_target: { lte: 0.02 } });
    expect(suggestBaseline([null, null])).toBeUndefined();
    expect(row('x', 'o', [10, 12, 14, 16, 18], null).baseline).toEqual({ mean_last_4_weeks: 15, suggested_target: { gte: 15 } });
    expect(row('x', 'o', [10, 12], { gte: 1 }).baseline).toBeUndefined();
  });
  it('reports week-over-week change', () => {
    expect(row('x', 'o', [100, 120], null).trend).toBeCloseTo(0.2, 12);
    expect(row('x', 'o', [0, 120], null).trend).toBeNull();
    expect(row('x', 'o', [100, 120], null).trend_unit).toBe('relative');
  });
  it('reports the change of a rate in percentage points, of money relative to the week before', () => {
    // 18.0 % → 19.2 %: +1.2 points, not +6.7 % of 18.0 %.
    const rate = buildRow({ id: 'r', name: 'r', source: 'computed', unit: 'rate' }, [0.18, 0.192]);
    expect(rate.trend_unit).toBe('points');
    expect(rate.trend).toBeCloseTo(0.012, 12);
    expect(formatTrend(rate.trend, rate.trend_unit)).toBe('+1.2 pp');
    // A rate from zero still has a change in points (there is no ratio to a zero, but there is a difference).
    expect(buildRow({ id: 'r', name: 'r', source: 'computed', unit: 'rate' }, [0, 0.05]).trend).toBeCloseTo(0.05, 12);
    const money = buildRow({ id: 'm', name: 'm', source: 'computed', unit: 'money' }, [8000, 7600]);
    expect(money.trend_unit).toBe('relative');
    expect(money.trend).toBeCloseTo(-0.05, 12);
    expect(formatTrend(money.trend, money.trend_unit)).toBe('−5.0 %');
    expect(formatTrend(0, 'points')).toBe('0.0 pp');
    expect(formatTrend(null, 'points')).toBe('—');
  });
});
