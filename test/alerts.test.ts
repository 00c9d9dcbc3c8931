import { describe, expect, it } from 'vitest';
import { countAnomaly, median, rateDrop } from '../src/reports/alerts-stats.js';
import { evaluateAlerts, targetGap, type AlertInputs, type AlertRules } from '../src/reports/alerts.js';
import { DEFAULT_ALERTS } from '../src/config/schema/alerts.js';
import { parseConfig } from '../src/config/load.js';

const floors = { z: 3.5, min_change: 0.3, min_count: 20 };
const rules: AlertRules = DEFAULT_ALERTS;

/** `n` consecutive dates ending 2026-11-26 (a Thursday: day 3 of a Monday week). */
function datesEnding(n: number): string[] {
  const end = Date.UTC(2026, 10, 26);
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

function inputs(values: (number | null)[], over: Partial<AlertInputs> = {}): AlertInputs {
  return {
    dates: datesEnding(values.length), day_of_week: 3, week: '2026-W48',
    counts: [{ row: 'journey.signup', name: 'Signups', owner: 'li@acme.io', values }],
    steps: [], cohorts: [], retention_owner: null, off_pace: [], ...over,
  };
}

describe('the robust z-score of a count', () => {
  it('scales the MAD to a standard deviation, never below the square root of the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // median 100, absolute deviations 0,4,4,0,2,2,0,0 → MAD 1 → 1.48; the floor √100 = 10 wins.
    const baseline = [100, 104, 96, 100, 98, 102, 100, 100];
    expect(countAnomaly(60, baseline, floors)).toEqual({ value: 60, usual: 100, change: -0.4, z: -4 });
    expect(countAnomaly(70, baseline, floors)).toBeNull(); // z = −3, under 3.5
    // A wide baseline: median 100, MAD 20 → spread 29.652; 10 is z = −3.035.
    const wide = [80, 120, 60, 140, 100, 100, 80, 120];
    expect(countAnomaly(10, wide, { ...floors, z: 3 })!.z).toBeCloseTo(-90 / 29.652, 3);
    expect(countAnomaly(10, wide, floors)).toBeNull();
  });

  it('keeps small numbers and small changes quiet, and needs four weeks of baseline', () => {
    expect(countAnomaly(0, Array(8).fill(16), floors)).toBeNull(); // z = −4, but 16 is under min_count
    expect(countAnomaly(0, Array(8).fill(16), { ...floors, min_count: 10 })).toMatchObject({ change: -1, z: -4 });
    expect(countAnomaly(850, Array(8).fill(1000), floors)).toBeNull(); // z = −4.7 but only 15 % down
    expect(countAnomaly(0, [100, 100, 100], floors)).toBeNull();
  });

  it('judges the bad direction only: a rise for rows where lower is better', () => {
    expect(countAnomaly(160, Array(8).fill(100), floors)).toBeNull();
    expect(countAnomaly(160, Array(8).fill(100), floors, true)).toMatchObject({ change: 0.6, z: 6 });
    expect(countAnomaly(40, Array(8).fill(100), floors, true)).toBeNull();
  });
});

describe('a rate against the weeks before', () => {
  it('is the one-sided two-proportion test against the pooled baseline, with floors', () => {
    const baseline = Array(4).fill({ numerator: 30, denominator: 100 });
    // pooled (15 + 120) / 500 = 0.27; sd = √(0.27 · 0.73 · (1/100 + 1/400)) = 0.049636; z = −0.15 / 0.049636.
    const f = rateDrop(15, 100, baseline, { z: 3, min_change: 0.2, min_count: 30 })!;
    expect(f.z).toBeCloseTo(-3.0220, 3);
    expect(f).toMatchObject({ rate: 0.15, usual: 0.3, change: -0.5 });
    expect(rateDrop(15, 100, baseline, { z: 3.5, min_change: 0.2, min_count: 30 })).toBeNull();
    expect(rateDrop(3, 20, baseline, { z: 1, min_change: 0.2, min_count: 30 })).toBeNull(); // 20 < min_count
    expect(rateDrop(26, 100, baseline, { z: 0.5, min_change: 0.2, min_count: 30 })).toBeNull(); // 13 % down only
    expect(rateDrop(120, 100, baseline, { z: 1, min_change: 0.2, min_count: 30 })).toBeNull(); // not a proportion
  });
});

describe('evaluating the alerts', () => {
  const steady = Array<number | null>(63).fill(100);

  it('raises nothing on steady numbers', () => {
    expect(evaluateAlerts(inputs(steady), rules)).toEqual([]);
  });

  it('raises one anomaly on a drop since Wednesday, to the row owner, keyed by kind, row and week', () => {
    const values = [...steady.slice(0, 61), 50, 50];
    const alerts = evaluateAlerts(inputs(values), rules);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      key: 'anomaly:journey.signup:2026-W48', kind: 'anomaly', owner: 'li@acme.io', since: '2026-11-25', value: 50, usual: 100, change: -0.5, z: -5,
    });
    expect(alerts[0].what).toBe('Signups on 2026-11-26: 50, 50 % below the usual 100 for this weekday (z = -5.0), since 2026-11-25');
  });

  it('sees a drop spread over the week so far that no single day shows', () => {
    // Monday to Thursday at 75 instead of 100: each day z = −2.5; the four days 300 against 400: z = −100 / √400 = −5.
    // By Tuesday already 150 against 200 (z = −3.54); on Monday alone, nothing.
    const values = [...steady.slice(0, 59), 75, 75, 75, 75];
    const loose = { ...rules, anomaly: { ...rules.anomaly, min_change: 0.2 } };
    const alerts = evaluateAlerts(inputs(values), loose);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ value: 300, usual: 400, change: -0.25, z: -5, since: '2026-11-24' });
    expect(alerts[0].what).toMatch(/^Signups so far this week \(to 2026-11-26\): 300, 25 % below the usual 400 by this weekday/);
    expect(evaluateAlerts(inputs(values), rules)).toEqual([]); // 25 % is under the default 30 % floor
  });

  it('never reads a day without data as zero', () => {
    expect(evaluateAlerts(inputs([...steady.slice(0, 62), null]), rules)).toEqual([]);
  });
});

describe('a funnel step and a retention cohort', () => {
  const step = (numerators: number[], denominators: number[]) => ({
    row: 'journey.setup', name: 'Signup → Setup', owner: 'sam@acme.io',
    weeks: numerators.map((_, i) => `2026-W${40 + i}`), numerators, denominators,
  });

  it('raises a step whose conversion fell, since the first week of the run', () => {
    // W44: 15 of 100 against 30 % over W40–W43 (z = −3.02); W45: 12 of 100 against W41–W44's 105 of 400 (z = −3.01).
    const alerts = evaluateAlerts(inputs([], { counts: [], steps: [step([30, 30, 30, 30, 15, 12], [100, 100, 100, 100, 100, 100])] }), rules);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ key: 'funnel_step:journey.setup:2026-W45', owner: 'sam@acme.io', week: '2026-W45', since: '2026-W44', value: 0.12 });
    expect(alerts[0].what).toMatch(/^Signup → Setup in 2026-W45: 12\.0 % \(12 of 100\), 54 % below 26\.3 % over the 4 weeks before \(z = -3\.0\), since 2026-W44$/);
    expect(evaluateAlerts(inputs([], { counts: [], steps: [step([30, 30, 30, 30, 28], [100, 100, 100, 100, 100])] }), rules)).toEqual([]);
  });

  it('raises a new cohort far below the ones before, to the North Star owner', () => {
    const cohorts = [40, 41, 39, 40].map((returned, i) => ({ cohort: `2026-W4${i}`, size: 100, returned }));
    const low = [...cohorts, { cohort: '2026-W44', size: 100, returned: 20 }];
    const [alert] = evaluateAlerts(inputs([], { counts: [], cohorts: low, retention_owner: 'ceo@acme.io' }), rules);
    expect(alert).toMatchObject({ key: 'retention_cohort:north_star:2026-W44', owner: 'ceo@acme.io', value: 0.2, usual: 0.4, change: -0.5 });
    // A small cohort never alarms, however low.
    const tiny = [...cohorts, { cohort: '2026-W44', size: 20, returned: 0 }];
    expect(evaluateAlerts(inputs([], { counts: [], cohorts: tiny, retention_owner: null }), rules)).toEqual([]);
  });

  it('turns a kind off with `false`', () => {
    const off = { ...rules, anomaly: { ...rules.anomaly, enabled: false } };
    expect(evaluateAlerts(inputs([...Array(61).fill(100), 50, 50]), off)).toEqual([]);
  });
});

describe('the alerts section', () => {
  const base = 'product: Acme\njourney:\n  visit: { event: Page Viewed }\n  signup: { event: Signed Up, owner: maya }\nnorth_star: { name: Messages, event: Message Sent, measure: count, frequency: week }\n';
  it('works without it, every kind on with its floors', () => {
    const config = parseConfig(base);
    expect(config.alerts).toMatchObject({
      off_pace: { enabled: true }, anomaly: { enabled: true, z: 3.5, min_change: 0.3, min_count: 20, baseline_weeks: 8 },
      funnel_step: { enabled: true, z: 3 }, retention_cohort: { enabled: true, baseline_cohorts: 4 }, cooldown: 3, every_minutes: 60, owners: {}, email: false,
    });
  });

  it('reads owners, kinds turned off and durations', () => {
    const config = parseConfig(`${base}alerts:\n  anomaly: false\n  cooldown: 2d\n  owners: { maya: "<@U123>" }\n`);
    expect(config.alerts).toMatchObject({ anomaly: { enabled: false }, cooldown: 2, owners: { maya: '<@U123>' } });
  });

  it('names the line and key of a bad value', () => {
    const error = (text: string) => {
      try {
        parseConfig(text);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(error(`${base}alerts:\n  anomaly: { z: 0.5 }\n`)).toBe('truenorth.yaml:line 7 alerts.anomaly.z: expected a z-score between 1 and 20 (3.5 is strict), got 0.5');
    expect(error(`${base}alerts:\n  every_minute: 5\n`)).toBe('truenorth.yaml:line 7 alerts.every_minute: unknown key "every_minute" (did you mean "every_minutes"?)');
    expect(error(`${base}alerts:\n  email: true\n`)).toMatch(/^truenorth\.yaml:line 7 alerts\.email: alerts are emailed through digest\.email/);
  });
});

describe('a row off pace', () => {
  const row = (projected: number, share: number) => ({
    row: 'north_star', name: 'Messages sent', owner: 'ceo@acme.io', week: '2026-W49', counted_to: 'Wednesday 12:00', share,
    value: Math.round(projected * share), projected, target: { gte: 1000 }, unit: 'count' as const,
  });

  it('measures the miss against the bound it misses', () => {
    expect(targetGap(800, { gte: 1000 })).toBeCloseTo(0.2, 12);
    expect(targetGap(1200, { gte: 1000 })).toBe(0);
    expect(targetGap(0.06, { lte: 0.05 })).toBeCloseTo(0.2, 12);
    expect(targetGap(45, { between: [50, 100] })).toBeCloseTo(0.1, 12);
    expect(targetGap(120, { between: [50, 100] })).toBeCloseTo(0.2, 12);
  });

  it('alerts once the week is far enough along and the miss large enough', () => {
    const [alert] = evaluateAlerts(inputs([], { counts: [], off_pace: [row(800, 0.45)] }), rules);
    expect(alert).toMatchObject({ key: 'off_pace:north_star:2026-W49', owner: 'ceo@acme.io', value: 800, usual: 1000, change: -0.2 });
    expect(alert.what).toBe('Messages sent is off pace in 2026-W49: 360 by Wednesday 12:00, heading for 800 against a target of ≥ 1,000 (20 % short)');
    expect(evaluateAlerts(inputs([], { counts: [], off_pace: [row(800, 0.1)] }), rules)).toEqual([]); // Monday morning: too early
    expect(evaluateAlerts(inputs([], { counts: [], off_pace: [row(950, 0.45)] }), rules)).toEqual([]); // 5 % short
  });
});
