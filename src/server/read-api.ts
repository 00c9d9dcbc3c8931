import { namedAsQuery, paramName, parseAsOf, parseSegment, resolveRange, type ReportFlags } from '../reports/params.js';
import { InputError } from '../errors.js';
import { parseBreakdown } from '../model/metrics.js';
import type { Config } from '../config/schema/index.js';
import type { ReportContext } from '../reports/context.js';
import { funnelReport, timeToValueReport, weeklyStagesReport } from '../reports/funnel.js';
import { seriesReport } from '../reports/north-star.js';
import { pqlReport, signupToFirstStrike } from '../reports/pql.js';
import { retentionReport } from '../reports/retention.js';
import { BEYOND_READ_ROUTES } from '../reports/beyond-api.js';
import { CATALOGUE_READ_ROUTES } from '../reports/catalogue-api.js';
import { seriesSection, withConfigWarnings } from '../reports/config-check.js';
import { retentionDefinition } from '../model/metric-model.js';

/**
 * The read API: `GET /api/v1/<report>` returns exactly the object `truenorth <report> --json`
 * prints. Query parameters are the CLI's flags in snake_case (`from`, `to`, `as_of`, `segment`,
 * `breakdown`, `period`, `mode`, `weekly=1`, …). Each route runs the same report functions as the
 * CLI command of the same name; adding a report is one entry here.
 */
export type ReadFlags = ReportFlags & Record<string, string | boolean | undefined>;

export interface ReadRoute {
  /** The CLI command and the path under /api/v1/. */
  name: string;
  summary: string;
  /** Query parameters, for the OpenAPI document. */
  params: string[];
  /** `config`: the loaded truenorth.yaml, for reports that need more than the metric model (the scorecard); the server always passes it. */
  run(ctx: ReportContext, flags: ReadFlags, config?: Config): Promise<unknown>;
}

const RANGE = ['from', 'to', 'as_of'];

export const READ_ROUTES: ReadRoute[] = [
  {
    name: 'north-star',
    summary: 'The North Star Metric (or another configured metric) per period',
    params: [...RANGE, 'segment', 'breakdown', 'metric'],
    async run(ctx, flags, config) {
      const metric = flags.metric ? ctx.model.metrics.find((m) => m.id === flags.metric) : ctx.model.northStar;
      if (!metric) throw new InputError(`metric: no computed metric with id ${JSON.stringify(flags.metric)}`);
      const range = resolveRange(flags, ctx.model, ctx.asOf, metric.frequency);
      const breakdown = flags.breakdown ? parseBreakdown(flags.breakdown) : undefined;
      const report = await seriesReport(ctx, metric, range, parseSegment(flags.segment), breakdown, flags.breakdown);
      return withConfigWarnings(ctx, config, [seriesSection(config, typeof flags.metric === 'string' ? flags.metric : undefined)], report);
    },
  },
  {
    name: 'funnel',
    summary: 'The journey as a cohort funnel; weekly=1 for the weekly stage counts',
    params: [...RANGE, 'segment', 'breakdown', 'weekly', 'time_to_value'],
    async run(ctx, flags, config) {
      const range = resolveRange(flags, ctx.model, ctx.asOf, 'week');
      const segment = parseSegment(flags.segment);
      if (flags.weekly) return withConfigWarnings(ctx, config, ['journey'], await weeklyStagesReport(ctx, range, segment));
      const breakdown = flags.breakdown ? parseBreakdown(flags.breakdown) : undefined;
      if (breakdown?.kind === 'property') throw new InputError('breakdown: funnels split by user.<trait> or account.<trait>');
      const report = await funnelReport(ctx, range, segment, breakdown);
      if (!flags.timeToValue) return withConfigWarnings(ctx, config, ['journey'], report);
      const ttv = await timeToValueReport(ctx, range, segment);
      const signupToValue = await signupToFirstStrike(ctx, range);
      return withConfigWarnings(ctx, config, ['journey'], { ...report, time_to_value: { ...ttv, signup_to_first_strike: signupToValue } });
    },
  },
  {
    name: 'retention',
    summary: 'Cohort retention triangle',
    params: [...RANGE, 'segment', 'period', 'mode'],
    async run(ctx, flags) {
      const period = flags.period ?? 'week';
      if (period !== 'week' && period !== 'month') throw new InputError(`period: expected week or month, got ${JSON.stringify(period)}`);
      const modeText = flags.mode ?? 'on';
      const mode = modeText === 'on' ? 'on' : modeText === 'on-or-after' || modeText === 'on_or_after' ? 'on_or_after' : undefined;
      if (!mode) throw new InputError(`mode: expected on or on-or-after, got ${JSON.stringify(modeText)}`);
      const range = resolveRange(flags, ctx.model, ctx.asOf, period, period === 'week' ? 12 : 6);
      return retentionReport(ctx, retentionDefinition(ctx.model, period, mode), range, parseSegment(flags.segment));
    },
  },
  {
    name: 'pql',
    summary: 'Product-qualified leads: list, weekly counts, PQL → upgrade rate',
    params: [...RANGE],
    async run(ctx, flags) {
      return pqlReport(ctx, resolveRange(flags, ctx.model, ctx.asOf, 'week'));
    },
  },
  // leading, tree, risk, predictive
  ...BEYOND_READ_ROUTES,
  ...CATALOGUE_READ_ROUTES,
];

export function findReadRoute(name: string): ReadRoute | undefined {
  return READ_ROUTES.find((r) => r.name === name);
}

const BOOLEAN_TRUE = new Set(['', '1', 'true', 'yes']);
const BOOLEAN_FALSE = new Set(['0', 'false', 'no']);

/** Query parameters (snake_case) → the flags object the CLI would have (camelCase; `weekly=1` → true). */
export function flagsFromQuery(query: Record<string, unknown>): ReadFlags {
  const flags: ReadFlags = namedAsQuery({});
  for (const [key, raw] of Object.entries(query)) {
    if (typeof raw !== 'string') throw new InputError(`${key}: give it once`);
    if (raw.length > 200) throw new InputError(`${key}: too long`);
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    flags[camel] = BOOLEAN_TRUE.has(raw) && BOOLEAN_FLAGS.has(camel) ? true : BOOLEAN_FALSE.has(raw) && BOOLEAN_FLAGS.has(camel) ? false : raw;
  }
  return flags;
}

const BOOLEAN_FLAGS = new Set(['weekly', 'timeToValue', 'json']);

/** `as_of` as the CLI parses `--as-of` (a date, or an ISO timestamp). */
export function asOfFromFlags(flags: ReadFlags): number {
  return parseAsOf(typeof flags.asOf === 'string' ? flags.asOf : undefined, paramName(flags, 'asOf'));
}

/** CLI flags → query parameters, for the CLI's side of the same request. */
export function queryFromFlags(flags: Record<string, unknown>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || value === false || key === 'json') continue;
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    query.set(snake, value === true ? '1' : String(value));
  }
  return query;
}
