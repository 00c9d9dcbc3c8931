/**
 * Seeded steady numbers for measuring the alerts: daily counts with a weekly rhythm and day-to-day
 * noise beyond Poisson's, weekly step conversions and cohorts drawn around fixed rates, and a drop
 * that can be planted from a given day. The alerts are replayed day by day as the schedule would.
 */
import { DEFAULT_ALERTS } from '../../src/config/schema/alerts.js';
import { evaluateAlerts, type Alert, type AlertInputs } from '../../src/reports/alerts.js';
import { mulberry32 } from './random-log.js';

/** Monday to Sunday: a working-week product. */
const WEEKDAY_SHAPE = [1.1, 1.15, 1.15, 1.1, 1.0, 0.5, 0.45];

function poisson(rand: () => number, mean: number): number {
  if (mean > 50) {
    const u = Math.max(rand(), 1e-12);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rand(); p > limit; p *= rand()) k++;
  return k;
}

function binomial(rand: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
}

export interface SimulatedRow {
  row: string;
  owner: string;
  /** The usual count on an average day. */
  level: number;
}

export const SIMULATED_ROWS: SimulatedRow[] = [
  { row: 'north_star', owner: 'ceo@acme.io', level: 2000 },
  { row: 'journey.visit', owner: 'maya@acme.io', level: 150 },
  { row: 'journey.signup', owner: 'maya@acme.io', level: 30 },
  { row: 'invites', owner: 'sam@acme.io', level: 8 },
];
export const SIMULATED_OWNERS = [...new Set(SIMULATED_ROWS.map((r) => r.owner))];

export interface Simulation {
  weeks: number;
  /** Per row, one count per day. */
  daily: Map<string, number[]>;
  /** Per week: signups and setups (the step), a cohort and how many came back the week after. */
  steps: { numerator: number; denominator: number }[];
  cohorts: { size: number; returned: number }[];
}

/** `weeks` of steady numbers; with `drop`, `row` falls to `factor` of itself from day `day` on. */
export function simulate(seed: number, weeks: number, drop?: { row: string; day: number; factor: number }): Simulation {
  const rand = mulberry32(seed);
  const daily = new Map<string, number[]>();
  for (const r of SIMULATED_ROWS) {
    daily.set(r.row, Array.from({ length: weeks * 7 }, (_, d) => {
      // Day-to-day swings of about 8 % on top of the count's own noise.
      const swing = 1 + 0.08 * (rand() + rand() + rand() - 1.5) * 2;
      const planted = drop && drop.row === r.row && d >= drop.day ? drop.factor : 1;
      return poisson(rand, r.level * WEEKDAY_SHAPE[d % 7] * swing * planted);
    }));
  }
  const steps = Array.from({ length: weeks }, () => {
    const denominator = poisson(rand, 200);
    return { numerator: binomial(rand, denominator, 0.3), denominator };
  });
  const cohorts = Array.from({ length: weeks }, () => {
    const size = poisson(rand, 200);
    return { size, returned: binomial(rand, size, 0.15) };
  });
  return { weeks, daily, steps, cohorts };
}

const dateOf = (day: number) => new Date(Date.UTC(2026, 0, 5) + day * 86_400_000).toISOString().slice(0, 10); // 2026-01-05 is a Monday
const weekOf = (day: number) => `W${String(Math.floor(day / 7) + 1).padStart(2, '0')}`;

/** What the app would hand the evaluation on the morning after `day` (the last complete day). */
export function inputsOn(sim: Simulation, day: number): AlertInputs {
  const span = 7 * DEFAULT_ALERTS.anomaly.baseline_weeks + 7;
  const first = Math.max(0, day - span + 1);
  const lastWeek = Math.floor(day / 7) - 1; // the last complete week
  const stepWeeks = Array.from({ length: Math.max(0, lastWeek + 1) }, (_, w) => w).slice(-(DEFAULT_ALERTS.funnel_step.baseline_weeks + 4));
  const cohortWeeks = Array.from({ length: Math.max(0, lastWeek) }, (_, w) => w).slice(-(DEFAULT_ALERTS.retention_cohort.baseline_cohorts + 2));
  return {
    dates: Array.from({ length: day - first + 1 }, (_, i) => dateOf(first + i)),
    day_of_week: day % 7,
    week: weekOf(day),
    counts: SIMULATED_ROWS.map((r) => ({ row: r.row, name: r.row, owner: r.owner, values: sim.daily.get(r.row)!.slice(first, day + 1) })),
    steps: [{
      row: 'journey.setup', name: 'Signups → Setups', owner: 'li@acme.io', weeks: stepWeeks.map((w) => weekOf(w * 7)),
      numerators: stepWeeks.map((w) => sim.steps[w].numerator), denominators: stepWeeks.map((w) => sim.steps[w].denominator),
    }],
    cohorts: cohortWeeks.map((w) => ({ cohort: weekOf(w * 7), ...sim.cohorts[w] })),
    retention_owner: 'ceo@acme.io',
    off_pace: [],
  };
}

/** Every alert raised replaying the simulation day by day from `fromDay`, each condition once, with the day it first fired. */
export function replay(sim: Simulation, fromDay: number): { alert: Alert; day: number }[] {
  const fired = new Map<string, { alert: Alert; day: number }>();
  for (let day = fromDay; day < sim.weeks * 7; day++) {
    for (const alert of evaluateAlerts(inputsOn(sim, day), DEFAULT_ALERTS)) if (!fired.has(alert.key)) fired.set(alert.key, { alert, day });
  }
  return [...fired.values()];
}
