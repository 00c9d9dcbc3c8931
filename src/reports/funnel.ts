import type { Breakdown, Segment, StageDefinition, StageName, TimeRange } from '../model/metrics.js';
import { eventsLabel } from '../model/metrics.js';
import { HOUR_MS, periodsIn } from '../model/time.js';
import { compileFunnel, compileFunnelChains, type FunnelQuery } from '../query/plans/funnel.js';
import { compileFunnelActors, compileFunnelChange, compileFunnelNews, compileKeptFunnel, horizonCutoff } from '../query/plans/funnel-kept.js';
import type { LevelCount } from './funnel-cache.js';
import { run, type ReportContext } from './context.js';
import { stageCountRows } from './live-state.js';

export interface FunnelStep {
  stage: string;
  event: string;
  actors: number;
  conversion_from_previous: number | null;
  conversion_from_first: number | null;
}

export interface FunnelReport {
  window_days: number;
  segment: Segment;
  from: string;
  to: string;
  steps: FunnelStep[];
  /** All users vs ideal users side by side (docs/concepts.md, "Ideal user profile, why"), or any other breakdown. */
  breakdown?: { key: string; groups: { value: string; steps: FunnelStep[] }[] };
}

/** Step counts from "furthest level reached" counts: step k counts every actor at level ≥ k. */
export function stepsFromLevels(steps: StageDefinition[], levels: Map<number, number>): FunnelStep[] {
  const reached = steps.map((_, i) => {
    let n = 0;
    for (const [level, actors] of levels) if (level >= i + 1) n += actors;
    return n;
  });
  return steps.map((s, i) => ({
    stage: s.stage,
    event: eventsLabel(s.selector.events),
    actors: reached[i],
    conversion_from_previous: i === 0 ? null : ratio(reached[i], reached[i - 1]),
    conversion_from_first: i === 0 ? null : ratio(reached[i], reached[0]),
  }));
}

function signupStage(ctx: ReportContext): StageDefinition | undefined {
  return ctx.model.journey.find((s) => s.stage === 'signup');
}

export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

export async function funnelReport(
  ctx: ReportContext, range: TimeRange, segment: Segment, breakdown?: Breakdown, steps: StageDefinition[] = ctx.model.journey,
): Promise<FunnelReport> {
  const split: Breakdown | 'ideal' | undefined = breakdown ?? (segment === 'all' && ctx.model.idealUser ? 'ideal' : undefined);
  const rows = await levelCounts(ctx, { steps, range, windowDays: ctx.model.windowDays, segment, breakdown: split, signup: signupStage(ctx) });
  const total = new Map<number, number>();
  const groups = new Map<string, Map<number, number>>();
  for (const r of rows) {
    total.set(r.level, (total.get(r.level) ?? 0) + r.actors);
    if (r.breakdown !== undefined) {
      const g = groups.get(r.breakdown) ?? new Map<number, number>();
      g.set(r.level, (g.get(r.level) ?? 0) + r.actors);
      groups.set(r.breakdown, g);
    }
  }
  const report: FunnelReport = {
    window_days: ctx.model.windowDays,
    segment,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    steps: stepsFromLevels(steps, total),
  };
  if (split) {
    const values = split === 'ideal' ? ['ideal', 'not_ideal'] : [...groups.keys()].sort();
    report.breakdown = {
      key: split === 'ideal' ? 'ideal_user' : breakdownLabel(split),
      groups: values.map((value) => ({ value, steps: stepsFromLevels(steps, groups.get(value) ?? new Map()) })),
    };
  }
  return report;
}

/**
 * Actors per furthest level (and breakdown value). On a server whose engine keeps them
 * (funnel-cache.ts), brought up to date after a write from the actors the new events belong to;
 * otherwise computed from the events.
 */
function levelCounts(ctx: ReportContext, q: FunnelQuery): Promise<LevelCount[]> {
  if (!ctx.cache?.funnels.keeps(ctx.engine)) return run<LevelCount>(ctx, compileFunnel(ctx.query, q));
  return ctx.cache.funnels.levels(ctx.engine, JSON.stringify({ q, ideal: ctx.query.idealUser }), {
    cutoff: horizonCutoff(q),
    all: (stored) => compileKeptFunnel(ctx.query, q, stored),
    news: (kept, stored) => compileFunnelNews(ctx.query, q, kept, stored),
    change: (changed, kept, stored) => compileFunnelChange(ctx.query, q, changed, kept, stored),
    actors: (stored) => compileFunnelActors(ctx.query, q, stored),
  });
}

function breakdownLabel(b: Breakdown): string {
  return b.kind === 'user_trait' ? `user.${b.key}` : b.kind === 'account_trait' ? `account.${b.key}` : b.key;
}

export interface WeeklyStagesReport {
  segment: Segment;
  weeks: { week: string; stages: Partial<Record<StageName, number>> }[];
}

/**
 * The weekly stage counts of all actors and, from the same pass over the events, of the actors who
 * fit the ideal user profile: per stage, one count per week of the range.
 */
export async function weeklyStageCountsWithIdeal(ctx: ReportContext, range: TimeRange): Promise<{ all: Partial<Record<StageName, number[]>>; ideal: Partial<Record<StageName, number[]>> }> {
  const rows = await stageCountRows<{ stage: StageName; period: string; actors: number; ideal: number }>(ctx, { stages: ctx.model.journey, range, segment: 'all', idealSplit: true });
  const weeks = periodsIn(range, 'week', ctx.model.time);
  const index = new Map(weeks.map((w, i) => [w.startDate, i]));
  const all: Partial<Record<StageName, number[]>> = {};
  const ideal: Partial<Record<StageName, number[]>> = {};
  for (const s of ctx.model.journey) {
    all[s.stage] = weeks.map(() => 0);
    ideal[s.stage] = weeks.map(() => 0);
  }
  for (const r of rows) {
    const i = index.get(r.period);
    if (i === undefined || !all[r.stage]) continue;
    all[r.stage]![i] = Number(r.actors);
    ideal[r.stage]![i] = Number(r.ideal);
  }
  return { all, ideal };
}

export async function weeklyStagesReport(ctx: ReportContext, range: TimeRange, segment: Segment): Promise<WeeklyStagesReport> {
  const rows = await stageCountRows<{ stage: StageName; period: string; actors: number }>(ctx, { stages: ctx.model.journey, range, segment });
  const weeks = periodsIn(range, 'week', ctx.model.time).map((p) => {
    const stages: Partial<Record<StageName, number>> = {};
    for (const s of ctx.model.journey) stages[s.stage] = 0;
    for (const r of rows) if (r.period === p.startDate) stages[r.stage] = r.actors;
    return { week: p.name, stages };
  });
  return { segment, weeks };
}

export interface Distribution {
  actors: number;
  median_hours: number | null;
  p25_hours: number | null;
  p75_hours: number | null;
  p90_hours: number | null;
  buckets: { label: string; actors: number }[];
}

export interface TimeToValueReport {
  window_days: number;
  steps: ({ from: string; to: string } & Distribution)[];
}

const BUCKETS: [string, number][] = [
  ['< 1 hour', 1], ['1–24 hours', 24], ['1–3 days', 72], ['3–7 days', 168], ['7–14 days', 336], ['≥ 14 days', Infinity],
];

/** Nearest-rank percentile (the value at rank ceil(p·n)), in hours. */
export function distribution(deltasMs: number[]): Distribution {
  const hours = deltasMs.map((d) => d / HOUR_MS).sort((a, b) => a - b);
  const pct = (p: number) => (hours.length ? hours[Math.max(0, Math.ceil(p * hours.length) - 1)] : null);
  let lower = 0;
  const buckets = BUCKETS.map(([label, upper]) => {
    const n = hours.filter((h) => h >= lower && h < upper).length;
    lower = upper;
    return { label, actors: n };
  });
  return { actors: hours.length, median_hours: pct(0.5), p25_hours: pct(0.25), p75_hours: pct(0.75), p90_hours: pct(0.9), buckets };
}

/** Time between consecutive funnel steps, on each converting actor's best chain. */
export async function timeToValueReport(ctx: ReportContext, range: TimeRange, segment: Segment): Promise<TimeToValueReport> {
  const steps = ctx.model.journey;
  const rows = await run<Record<string, number>>(
    ctx, compileFunnelChains(ctx.query, { steps, range, windowDays: ctx.model.windowDays, segment, signup: signupStage(ctx) }),
  );
  const out: TimeToValueReport['steps'] = [];
  for (let j = 1; j < steps.length; j++) {
    const deltas = rows.filter((r) => r.level >= j + 1).map((r) => r[`t${j + 1}`] - r[`t${j}`]);
    out.push({ from: steps[j - 1].stage, to: steps[j].stage, ...distribution(deltas) });
  }
  return { window_days: ctx.model.windowDays, steps: out };
}
