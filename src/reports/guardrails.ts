/**
 * Guardrails (docs/health.md: what to do when key metrics contradict each other): pairs of metrics
 * such as engagement ↔ happiness. When the pushed metric improves week over week while its guardrail
 * gets worse by more than the threshold, the report says so in plain words.
 */
import { InputError } from '../errors.js';
import type { TimeRange } from '../model/metrics.js';
import { periodsIn } from '../model/time.js';
import { compileSeries } from '../query/plans/series.js';
import { run, type ReportContext } from './context.js';
import { weeklyStagesReport } from './funnel.js';
import { heartReport, type HeartUnit } from './heart.js';
import { fillSeries, type SeriesPoint } from './north-star.js';
import { resolveRange, type ReportFlags } from './params.js';
import { fetchManualEntries, HEALTH_FIELDS, healthField, revenueReport } from './revenue.js';
import { currentManualValues } from './manual-values.js';
import { surveysReport } from './surveys.js';
import { betterDirection, type Better, type GuardrailDefinition, type HealthModel } from '../model/health.js';
import { HEALTH_METRIC_TABLE, type HealthMetricName } from '../model/health-metrics.js';

/** How a series' values read: a ratio as a percentage, NPS as −100…+100. */
export type SeriesUnit = HeartUnit;

export interface GuardedSeries {
  id: string;
  name: string;
  better: Better;
  /** How values read in messages (a ratio as a percentage, NPS as −100…+100); number by default. */
  unit?: SeriesUnit;
  /** One point per week, in order. */
  points: SeriesPoint[];
}

export interface GuardrailWeek {
  week: string;
  metric_value: number | null;
  guardrail_value: number | null;
  /** Relative change from the week before (absolute when the threshold is absolute). */
  metric_change: number | null;
  guardrail_change: number | null;
  metric_improved: boolean;
  guardrail_worsened: boolean;
  contradiction: boolean;
}

export interface GuardrailResult {
  metric: string;
  guardrail: string;
  threshold: number;
  threshold_type: 'relative' | 'absolute';
  note: string | null;
  /** About the last week of the range. */
  status: 'contradiction' | 'ok' | 'no_data';
  message: string;
  /** Weeks (after the first) where the contradiction happened. */
  contradictions: string[];
  weeks: GuardrailWeek[];
}

export interface GuardrailsReport {
  weeks: string[];
  pairs: GuardrailResult[];
  /** One plain sentence per pair in contradiction in the last week. */
  alerts: string[];
}

/** A change in the "good" direction is positive. */
function goodChange(previous: number, current: number, better: Better, type: 'relative' | 'absolute'): number | null {
  const delta = better === 'higher' ? current - previous : previous - current;
  if (type === 'absolute') return delta;
  if (previous === 0) return delta === 0 ? 0 : delta > 0 ? Infinity : -Infinity;
  return delta / Math.abs(previous);
}

export function formatNumber(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 3 : Math.abs(v) < 1000 ? 1 : 0 });
}

/** A value as people read it: 23.1%, NPS +23, 20.2s, 1,234. */
export function formatValue(v: number | null, unit: SeriesUnit = 'number'): string {
  if (v === null || !Number.isFinite(v)) return '—';
  if (unit === 'ratio') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'nps') {
    const points = Math.round(v * 100);
    return points > 0 ? `+${points}` : points < 0 ? `−${-points}` : '0';
  }
  if (unit === 'seconds') return `${formatNumber(Math.round(v * 10) / 10)}s`;
  return formatNumber(v);
}

function formatChange(change: number | null, type: 'relative' | 'absolute'): string {
  if (change === null) return '—';
  if (!Number.isFinite(change)) return change > 0 ? 'up from 0' : 'down from 0';
  const sign = change >= 0 ? '+' : '−';
  return type === 'relative' ? `${sign}${(Math.abs(change) * 100).toFixed(1)}%` : `${sign}${formatNumber(Math.abs(change))}`;
}

/** Evaluates one pair over aligned weekly series. Pure. */
export function evaluateGuardrail(pair: GuardrailDefinition, metric: GuardedSeries, guardrail: GuardedSeries): GuardrailResult {
  const type = pair.thresholdType;
  const weeks: GuardrailWeek[] = metric.points.map((p, i) => {
    const g = guardrail.points[i]?.value ?? null;
    const prevM = i > 0 ? metric.points[i - 1].value : null;
    const prevG = i > 0 ? guardrail.points[i - 1]?.value ?? null : null;
    const mGood = prevM !== null && p.value !== null ? goodChange(prevM, p.value, metric.better, 'relative') : null;
    const gGood = prevG !== null && g !== null ? goodChange(prevG, g, guardrail.better, type) : null;
    const improved = mGood !== null && mGood > 0;
    const worsened = gGood !== null && -gGood > pair.threshold;
    // Report changes as signed movements of the values themselves, not of their goodness.
    const signed = (good: number | null, better: Better) => (good === null ? null : better === 'higher' ? good : -good);
    return {
      week: p.period,
      metric_value: p.value,
      guardrail_value: g,
      metric_change: signed(mGood, metric.better),
      guardrail_change: signed(gGood, guardrail.better),
      metric_improved: improved,
      guardrail_worsened: worsened,
      contradiction: improved && worsened,
    };
  });
  const last = weeks[weeks.length - 1];
  const before = weeks[weeks.length - 2];
  const limit = type === 'relative' ? `${(pair.threshold * 100).toFixed(pair.threshold * 100 < 1 ? 1 : 0)}%` : formatNumber(pair.threshold);
  let status: GuardrailResult['status'];
  let message: string;
  if (!last || !before || last.metric_change === null || last.guardrail_change === null) {
    status = 'no_data';
    message = `${last?.week ?? 'this week'}: not enough data to compare ${metric.name} and ${guardrail.name} with the week before.`;
  } else if (last.contradiction) {
    status = 'contradiction';
    message = `${last.week}: ${metric.name} improved (${formatValue(before.metric_value, metric.unit)} → ${formatValue(last.metric_value, metric.unit)}, ${formatChange(last.metric_change, 'relative')}) `
      + `while its guardrail ${guardrail.name} got worse (${formatValue(before.guardrail_value, guardrail.unit)} → ${formatValue(last.guardrail_value, guardrail.unit)}, ${formatChange(last.guardrail_change, type)}; `
      + `more than the ${limit} allowed). The gain may be coming at the expense of ${guardrail.name}: look at both before celebrating.`;
  } else {
    status = 'ok';
    const move = (name: string, a: number | null, b: number | null, unit: SeriesUnit | undefined) => `${name} ${formatValue(a, unit)} → ${formatValue(b, unit)}`;
    message = `${last.week}: ${move(metric.name, before.metric_value, last.metric_value, metric.unit)}, `
      + `${move(guardrail.name, before.guardrail_value, last.guardrail_value, guardrail.unit)}: no contradiction.`;
  }
  return {
    metric: pair.metric,
    guardrail: pair.guardrail,
    threshold: pair.threshold,
    threshold_type: type,
    note: pair.note,
    status,
    message,
    contradictions: weeks.filter((w) => w.contradiction).map((w) => w.week),
    weeks,
  };
}

export function buildGuardrails(pairs: readonly GuardrailDefinition[], series: ReadonlyMap<string, GuardedSeries>, weeks: readonly string[]): GuardrailsReport {
  const missing = (id: string): GuardedSeries => ({ id, name: id, better: 'higher', points: weeks.map((w) => ({ period: w, value: null })) });
  const results = pairs.map((pair) => evaluateGuardrail(pair, resolve(series, pair.metric) ?? missing(pair.metric), resolve(series, pair.guardrail) ?? missing(pair.guardrail)));
  return { weeks: [...weeks], pairs: results, alerts: results.filter((r) => r.status === 'contradiction').map((r) => r.message) };
}

/** `heart.export` names a task's completion rate. */
function resolve(series: ReadonlyMap<string, GuardedSeries>, id: string): GuardedSeries | undefined {
  return series.get(id) ?? series.get(`${id}.completion_rate`);
}

// ---------------------------------------------------------------------------------------------
// Gathering the weekly series

/** The weekly series of every id the guardrails name. */
export async function guardedSeries(ctx: ReportContext, health: HealthModel, ids: readonly string[], range: TimeRange): Promise<Map<string, GuardedSeries>> {
  const weeks = periodsIn(range, 'week', ctx.model.time);
  const out = new Map<string, GuardedSeries>();
  const add = (id: string, name: string, points: SeriesPoint[], unit: SeriesUnit = 'number') => out.set(id, { id, name, better: betterDirection(id, health), unit, points });
  const wanted = new Set(ids.flatMap((id) => [id, `${id}.completion_rate`]));
  const has = (prefix: string) => [...wanted].some((id) => id.startsWith(prefix));

  if (has('heart.')) {
    const heart = await heartReport(ctx, health, range);
    for (const c of heart.categories) for (const m of c.metrics) add(`heart.${m.id}`, m.name, m.series, m.unit);
  }
  if (has('health.')) {
    const revenue = await revenueReport(ctx, health, 'week', range);
    for (const [name, field] of Object.entries(HEALTH_FIELDS)) {
      const facts = HEALTH_METRIC_TABLE[name as HealthMetricName];
      const unit = facts.unit === 'rate' ? 'ratio' : 'number';
      add(`health.${name}`, facts.name, revenue.periods.map((p) => ({ period: p.period, value: p[field] as number | null })), unit);
    }
  }
  if (has('surveys.')) {
    const surveys = await surveysReport(ctx, health, range);
    for (const kind of ['pmf', 'nps', 'csat'] as const) {
      const s = surveys[kind];
      if (s) add(`surveys.${kind}`, kind.toUpperCase(), s.by_week.map((w) => ({ period: w.period, value: w.score })), kind === 'nps' ? 'nps' : 'ratio');
    }
  }
  if (has('journey.')) {
    const stages = await weeklyStagesReport(ctx, range, 'all');
    for (const s of ctx.model.journey) add(`journey.${s.stage}`, `${s.stage} (weekly)`, stages.weeks.map((w) => ({ period: w.week, value: w.stages[s.stage] ?? 0 })));
  }
  for (const metric of [ctx.model.northStar, ...ctx.model.metrics]) {
    if (!wanted.has(metric.id)) continue;
    const weekly = { ...metric, frequency: 'week' as const };
    const rows = await run<{ period: string; value: number | null }>(ctx, compileSeries(ctx.query, { metric: weekly, range, segment: 'all' }));
    add(metric.id, metric.name, fillSeries(weekly, range, ctx, rows));
  }
  const manual = [...wanted].map((id) => id.replace(/^health\./, '')).filter((name) => health.manualMetrics.includes(name) && !healthField(name));
  if (manual.length) {
    const current = currentManualValues(await fetchManualEntries(ctx, manual));
    for (const name of manual) {
      const id = health.manualMetricIds.includes(name) ? name : `health.${name}`;
      add(id, name, weeks.map((w) => ({ period: w.name, value: current.get(name)?.get(w.name)?.value ?? null })));
    }
  }
  return out;
}

export async function guardrailsReport(ctx: ReportContext, health: HealthModel, range: TimeRange): Promise<GuardrailsReport> {
  const ids = health.guardrails.flatMap((g) => [g.metric, g.guardrail]);
  const series = await guardedSeries(ctx, health, ids, range);
  return buildGuardrails(health.guardrails, series, periodsIn(range, 'week', ctx.model.time).map((w) => w.name));
}

/**
 * `truenorth heart` and `GET /api/v1/heart`: HEART over the last 8 weeks (or the flags' range) with
 * the guardrails beside it when the config declares any.
 */
export async function heartWithGuardrails(ctx: ReportContext, health: HealthModel, flags: ReportFlags) {
  if (health.heart.length === 0) throw new InputError('no heart: section in truenorth.yaml; docs/health.md#heart has an example');
  const range = resolveRange(flags, ctx.model, ctx.asOf, 'week', 8);
  const report = await heartReport(ctx, health, range);
  const guardrails = health.guardrails.length ? await guardrailsReport(ctx, health, range) : null;
  return { ...report, guardrails };
}
