/** The dashboard's own context: product, the weeks with data, scorecard rows and their units, what is configured. */
import { z } from 'zod';
import { capabilityGaps, readerCapabilities } from '../../engine/capabilities.js';
import type { Config } from '../../config/schema/index.js';
import { healthModelFromConfig, scorecardModelFromConfig, scorecardRowsFromConfig } from '../../config/model.js';
import { eventsLabel } from '../../model/metrics.js';
import { addPeriods, HOUR_MS, lastCompleteWeekStart, periodName, periodStartOf, startOfLocalDate } from '../../model/time.js';
import type { ReportContext } from '../../reports/context.js';
import { defineRead } from '../operation.js';
import { asOf } from '../params.js';
import { healthMetric } from '../../model/health-metrics.js';
import { rowName } from '../../model/scorecard-rows.js';

export type Unit = 'count' | 'money' | 'rate' | 'ratio' | 'months' | 'number';

function unitOf(id: string, config: Config): Unit {
  const health = healthMetric(id.replace(/^health\./, ''));
  if (health) return health.unit;
  if (id === 'north_star' || id.startsWith('journey.')) return 'count';
  const metric = config.metrics.find((m) => m.id === id);
  if (metric?.source === 'manual') return /spend|cost|revenue|cash|usd|eur|\$/i.test(`${metric.id} ${metric.name ?? ''}`) ? 'money' : 'number';
  return metric?.measure?.startsWith('sum:') ? 'number' : 'count';
}

const toMs = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  const ms = typeof v === 'number' ? v : Date.parse(`${String(v).replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? '' : 'Z'}`);
  // ClickHouse answers min/max of an empty table with the epoch, not NULL.
  return Number.isFinite(ms) && ms > 0 ? ms : null;
};

/** Product, weeks with data (newest first, each with the as_of that makes it the last complete week), rows, forms. */
export async function dashboardContext(ctx: ReportContext, config: Config) {
  const time = ctx.model.time;
  const [bounds] = await ctx.engine.all<{ first: unknown; last: unknown }>('SELECT min(ts) AS first, max(ts) AS last FROM events');
  const first = toMs(bounds?.first);
  const last = toMs(bounds?.last);
  const weeks = reviewWeeks(ctx, first, last);
  const health = healthModelFromConfig(config);
  const rows = scorecardRowsFromConfig(config);
  const names = rowNames(config, rows, health.manualMetrics);
  const ns = config.north_star;
  return {
    product: config.product,
    engine: ctx.engine.dialect,
    gaps: capabilityGaps(readerCapabilities(ctx.engine)),
    stage: config.stage ?? null,
    business_model: config.business_model ?? null,
    timezone: time.timezone,
    week_start: time.weekStart,
    first_event: first === null ? null : new Date(first).toISOString(),
    last_event: last === null ? null : new Date(last).toISOString(),
    default_week: weeks[0].week,
    weeks,
    north_star: {
      name: ns.name, event: eventsLabel(ctx.model.northStar.selector.events), where: ns.where ?? null, measure: ns.measure, frequency: ns.frequency,
      per: ns.per ?? null, owner: ns.owner ?? null, target: ns.target ?? null,
    },
    journey: ctx.model.journey.map((s) => {
      const c = config.journey[s.stage]!;
      return { stage: s.stage, event: eventsLabel(s.selector.events), owner: c.owner ?? null, target: c.target ?? null, target_rate: c.target_rate ?? null };
    }),
    rows: rows.map((r) => ({ id: r.id, name: names.get(r.id) ?? r.id, owner: r.owner ?? null, unit: unitOf(r.id, config) })),
    manual_metrics: health.manualMetrics.map((name) => {
      const row = rows.find((r) => r.id === name || r.id === `health.${name}`);
      return { id: name, name: names.get(name) ?? name, row: row?.id ?? null, owner: row?.owner ?? config.metrics.find((m) => m.id === name)?.owner ?? null, unit: unitOf(config.health[name] ? `health.${name}` : name, config) };
    }),
    computed_metrics: ctx.model.metrics.map((m) => ({ id: m.id, name: m.name })),
    ideal_user: ctx.model.idealUser !== null,
    surveys: { pmf: Boolean(config.surveys.pmf), nps: Boolean(config.surveys.nps), csat: Boolean(config.surveys.csat) },
    heart: health.heart.length > 0,
    guardrails: health.guardrails.length > 0,
    okrs: config.okrs.map((o) => ({ objective: o.objective, due: o.due, key_results: o.key_results.map((k) => k.metric) })),
    tree: (ctx.model.drives ?? []).length > 0,
  };
}

/** The weeks the dashboard can show, newest first (at most two years), each with the instant it is read as of. */
function reviewWeeks(ctx: ReportContext, first: number | null, last: number | null): { week: string; as_of: string }[] {
  const time = ctx.model.time;
  const weekOf = (ms: number) => periodStartOf(ms, 'week', time);
  // The week the review is about: the last complete week, or the last week with data when the data stops earlier.
  const current = weekOf(ctx.asOf);
  let end = lastCompleteWeekStart(ctx.asOf, time);
  if (last !== null) {
    const lastDataWeek = weekOf(last);
    if (startOfLocalDate(lastDataWeek, time.timezone) < startOfLocalDate(end, time.timezone)) end = lastDataWeek;
  }
  const start = first !== null ? weekOf(first) : addPeriods(end, 'week', -12);
  const weeks: { week: string; as_of: string }[] = [];
  for (let w = end; weeks.length < 104 && startOfLocalDate(w, time.timezone) >= startOfLocalDate(start, time.timezone); w = addPeriods(w, 'week', -1)) {
    const asOf = startOfLocalDate(addPeriods(w, 'week', 1), time.timezone) + 12 * HOUR_MS;
    weeks.push({ week: periodName(w, 'week', time.weekStart), as_of: new Date(asOf).toISOString() });
  }
  if (weeks.length === 0) {
    weeks.push({ week: periodName(end, 'week', time.weekStart), as_of: new Date(startOfLocalDate(current, time.timezone) + 12 * HOUR_MS).toISOString() });
  }
  return weeks;
}

/** Display names of the metrics, scorecard rows and hand-entered metrics, by id. */
function rowNames(config: Config, rows: ReturnType<typeof scorecardRowsFromConfig>, manualMetrics: readonly string[]): Map<string, string> {
  const names = new Map<string, string>(config.metrics.map((m) => [m.id, m.name ?? m.id]));
  const scorecard = scorecardModelFromConfig(config);
  for (const r of rows) names.set(r.id, rowName(scorecard, r.id));
  for (const name of manualMetrics) if (!names.has(name)) names.set(name, healthMetric(name)?.name ?? name);
  return names;
}

export type DashboardContext = Awaited<ReturnType<typeof dashboardContext>>;

export const dashboard = defineRead({
  name: 'dashboard',
  summary: "The dashboard's context: product, the weeks with data, scorecard rows and units, hand-entered metrics, what is configured",
  params: z.object({ asOf }),
  run: (ctx) => dashboardContext(ctx, ctx.config),
});
