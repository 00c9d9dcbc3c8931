/** Beyond the scorecard: leading indicators, the metric tree, churn risk, predictive; data quality and the event catalogue. */
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { lastPeriods, MAX_RANGE_DAYS, parseDuration } from '../../model/time.js';
import { eventCatalogue, type EventCatalogue } from '../../reports/catalogue.js';
import { DEFAULT_MIN_GROUP, leadingReport, type LeadingOptions, type OutcomeKind } from '../../reports/leading.js';
import { resolveRange, type ReportFlags } from '../../reports/params.js';
import { predictiveReport } from '../../reports/predictive.js';
import { qualityReport } from '../../reports/quality.js';
import { riskReport } from '../../reports/risk.js';
import { treeReport } from '../../reports/tree.js';
import type { ReportContext } from '../../reports/context.js';
import type { Config } from '../../config/schema/index.js';
import { defineRead, type ReadContext } from '../operation.js';
import type { Segment } from '../../model/metrics.js';
import { asOf, choice, flag, range, segment, text, wholeNumber } from '../params.js';
import { label } from '../wire.js';
import { ALL_SECTIONS, unknownEventWarnings } from '../config-check.js';
import { checkConfigNames, type ConfigFinding } from '../../config/name-check.js';
import { lintReport } from '../north-star-evidence.js';

/** Weeks the tree covers by default: enough weekly changes for lags up to 4. */
export const TREE_WEEKS = 26;
export const PREDICTIVE_WEEKS = 13;

/** Event names to leave out: comma-separated, or repeated. */
const exclude = z.union([z.string(), z.array(z.string())]).optional()
  .transform((value) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)))
  .describe('more event names to leave out, comma-separated');

/** The leading indicators' cohort: the outcome, the behaviour window, the segment and the signup weeks. */
export const leadingCohortParams = {
  outcome: choice(['retained', 'upgraded'], 'retained', 'retained (week 4 after signup) | upgraded (within 30 days)'),
  within: text('behaviour window after signup, like 7d or 36h (default 7d)'),
  segment, ...range, asOf,
};

export const leading = defineRead({
  name: 'leading',
  summary: 'Leading indicators (aha moments): early behaviours that predict retention or upgrade',
  params: z.object({
    ...leadingCohortParams,
    minUsers: wholeNumber(`test a behaviour only with at least n users doing it and n not (default ${DEFAULT_MIN_GROUP})`, 1),
    exclude,
  }),
  run: (ctx, params) => leadingReport(ctx, { ...leadingOptions(ctx, params), minGroup: params.minUsers ?? DEFAULT_MIN_GROUP, exclude: params.exclude }),
});

/** The cohort and behaviour window of the leading indicators from their parameters: for the report and the people in its groups. */
export function leadingOptions(ctx: ReadContext, params: { outcome: OutcomeKind; within?: string; segment: Segment } & ReportFlags): LeadingOptions {
  let within: number | undefined;
  try {
    within = params.within === undefined ? undefined : parseDuration(params.within).days;
  } catch (e) {
    throw new InputError(`${label(params, 'within')}: ${(e as Error).message}`);
  }
  if (within !== undefined && within > MAX_RANGE_DAYS) throw new InputError(`${label(params, 'within')}: at most ${MAX_RANGE_DAYS} days, got ${JSON.stringify(params.within)}`);
  // from/to restrict the signup cohort (weeks of first signup).
  const signupRange = params.from || params.to ? resolveRange(params, ctx.model, ctx.asOf, 'week') : undefined;
  return { outcome: params.outcome, withinDays: within, segment: params.segment, signupRange };
}

export const tree = defineRead({
  name: 'tree',
  summary: 'The metric tree: every drives: edge with the correlation of the weekly series at lags 0–4 weeks',
  params: z.object({ ...range, asOf }),
  run(ctx, params) {
    const period = params.from || params.to
      ? resolveRange(params, ctx.model, ctx.asOf, 'week', TREE_WEEKS)
      : lastPeriods(ctx.asOf, 'week', TREE_WEEKS, ctx.model.time, true);
    return treeReport(ctx, period);
  },
});

export const risk = defineRead({
  name: 'risk',
  summary: 'Paying accounts at churn risk, ranked, with the MRR at risk and the rules they trip',
  params: z.object({ asOf }),
  run: (ctx) => riskReport(ctx),
});

export const predictive = defineRead({
  name: 'predictive',
  summary: 'Leading indicators next to the lagging indicators they predict (the predictive dashboard)',
  params: z.object({ ...range, asOf, segment }),
  run: (ctx, params) => predictiveReport(ctx, resolveRange(params, ctx.model, ctx.asOf, 'week', PREDICTIVE_WEEKS), params.segment),
});

export const quality = defineRead({
  name: 'quality',
  summary: 'Data quality: rejected messages by reason and source, clock-skew corrections, future timestamps clamped, duplicates (7 days, all time), and the config\'s event names the store does not hold',
  params: z.object({ asOf }),
  run: (ctx) => qualityReport(ctx, () => unknownEventWarnings(ctx, ctx.config, ALL_SECTIONS)),
});

export interface EventsReport extends EventCatalogue {
  /** Every event, property and trait named in truenorth.yaml that the store does not hold. */
  config_checks: ConfigFinding[];
}

export async function eventsReport(ctx: ReportContext, config?: Config): Promise<EventsReport> {
  const catalogue = await eventCatalogue(ctx);
  return { ...catalogue, config_checks: config ? checkConfigNames(config, catalogue) : [] };
}

export const events = defineRead({
  name: 'events',
  summary: 'The event catalogue: every event name with count, distinct senders, first and last seen, sources and common property keys; user and account trait keys; the config checked against them',
  // checks=1: only the config's event names the store lacks, from one cheap query (the dashboard's banner).
  params: z.object({ asOf, checks: flag("only the config's event names the store lacks") }),
  run: async (ctx, params): Promise<EventsReport | { config_checks: ConfigFinding[] }> => (params.checks
    ? { config_checks: await unknownEventWarnings(ctx, ctx.config, ALL_SECTIONS) }
    : eventsReport(ctx, ctx.config)),
});

export const lint = defineRead({
  name: 'lint',
  summary: 'truenorth.yaml against the scorecard rules and the seven North Star checks, with what the data says',
  params: z.object({ asOf }),
  run: (ctx) => lintReport(ctx.config, ctx),
});
