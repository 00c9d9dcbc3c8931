/**
 * The alerts' false-alarm rate on steady numbers and their detection delay on a planted drop
 * (docs/alerts.md), measured over seeded simulations replayed day by day. The figures are printed.
 */
import { describe, expect, it } from 'vitest';
import { replay, simulate, SIMULATED_OWNERS, SIMULATED_ROWS } from './helpers/alert-simulation.js';

const SEEDS = 20;
const WEEKS = 60;
/** The first judged day: the anomaly baseline (8 weeks) and the week before are in. */
const FROM_DAY = 9 * 7;
const DAYS_PER_MONTH = 365.25 / 12;

describe('measuring the alerts', () => {
  it('raises at most one alert per owner per month on steady numbers', () => {
    const owners = [...SIMULATED_OWNERS, 'li@acme.io'];
    let alerts = 0;
    const byKind = new Map<string, number>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      for (const { alert } of replay(simulate(seed, WEEKS), FROM_DAY)) {
        alerts++;
        byKind.set(alert.kind, (byKind.get(alert.kind) ?? 0) + 1);
      }
    }
    const ownerMonths = owners.length * SEEDS * ((WEEKS * 7 - FROM_DAY) / DAYS_PER_MONTH);
    const rate = alerts / ownerMonths;
    console.log(`steady numbers: ${alerts} alerts over ${ownerMonths.toFixed(0)} owner-months = ${rate.toFixed(3)} per owner per month (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`);
    expect(rate).toBeLessThanOrEqual(1);
  });

  it('raises a planted 40 % drop to the row owner: within three days from 150 a day, within two weeks at 30', () => {
    const delays = new Map<number, number[]>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      for (const target of SIMULATED_ROWS) {
        const dropDay = 10 * 7 + 1 + (seed % 3); // a Tuesday, Wednesday or Thursday
        const raised = replay(simulate(seed, 13, { row: target.row, day: dropDay, factor: 0.6 }), dropDay);
        const mine = raised.filter((r) => r.alert.row === target.row && r.alert.kind === 'anomaly');
        // Each week of the drop is one condition at most, always to the row's owner.
        expect(new Set(mine.map((r) => r.alert.week)).size).toBe(mine.length);
        expect(mine.every((r) => r.alert.owner === target.owner)).toBe(true);
        // Judged on the morning after day `day`: the delay counts the days from the drop's start to that morning.
        const list = delays.get(target.level) ?? [];
        list.push(mine.length ? mine[0].day - dropDay + 1 : Infinity);
        delays.set(target.level, list);
      }
    }
    for (const [level, list] of [...delays].sort((a, b) => b[0] - a[0])) {
      const sorted = [...list].sort((a, b) => a - b);
      const found = list.filter(Number.isFinite);
      console.log(`planted 40 % drop of a count near ${level} a day: detected ${found.length} of ${list.length} times, median ${sorted[sorted.length >> 1]} day(s), at worst ${Math.max(...list)}`);
    }
    for (const [level, list] of delays) {
      if (level >= 150) expect(Math.max(...list)).toBeLessThanOrEqual(3);
      if (level === 30) expect(list.filter((d) => d <= 14).length).toBeGreaterThanOrEqual(list.length - 1);
    }
  });
});
