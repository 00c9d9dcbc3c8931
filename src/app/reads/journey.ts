/** The North Star and the journey: north-star, funnel, retention, pql. */
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { retentionDefinition } from '../../model/metric-model.js';
import { parseBreakdown } from '../../model/metrics.js';
import { funnelReport, timeToValueReport, weeklyStagesReport, type FunnelReport, type TimeToValueReport, type WeeklyStagesReport } from '../../reports/funnel.js';
import { seriesReport } from '../../reports/north-star.js';
import { resolveRange } from '../../reports/params.js';
import { pqlReport, signupToFirstStrike } from '../../reports/pql.js';
import { seriesSection, withConfigWarnings } from '../config-check.js';
import type { ConfigFinding } from '../../config/name-check.js';

type Distribution = Awaited<ReturnType<typeof signupToFirstStrike>>;

/** The cohort funnel (with the time between steps when asked), or the weekly stage counts. */
export type FunnelAnswer = (WeeklyStagesReport | (FunnelReport & { time_to_value?: TimeToValueReport & { signup_to_first_strike: Distribution } })) & { warnings: ConfigFinding[] };
import { retentionReport } from '../../reports/retention.js';
import { defineRead, type ReadContext } from '../operation.js';
import { asOf, choice, flag, range, segment, text } from '../params.js';
import { label } from '../wire.js';

const breakdown = text('split by an event property, user.<trait> or account.<trait>');

export const northStar = defineRead({
  name: 'north-star',
  summary: 'The North Star Metric (or another configured metric) per period',
  params: z.object({ ...range, asOf, segment, breakdown, metric: text('another configured metric instead of the North Star') }),
  async run(ctx, params) {
    const metric = params.metric ? ctx.model.metrics.find((m) => m.id === params.metric) : ctx.model.northStar;
    if (!metric) throw new InputError(`${label(params, 'metric')}: no computed metric with id ${JSON.stringify(params.metric)}`);
    const period = resolveRange(params, ctx.model, ctx.asOf, metric.frequency);
    const split = params.breakdown ? parseBreakdown(params.breakdown) : undefined;
    const report = await seriesReport(ctx, metric, period, params.segment, split, params.breakdown);
    return withConfigWarnings(ctx, ctx.config, [seriesSection(ctx.config, params.metric)], report);
  },
});

export const funnel = defineRead({
  name: 'funnel',
  summary: 'The journey as a cohort funnel; weekly=1 for the weekly stage counts',
  params: z.object({
    ...range, asOf, segment, breakdown: text('split by user.<trait> or account.<trait>'),
    weekly: flag('weekly stage counts (first-time reach per week) instead of the cohort funnel'),
    timeToValue: flag('also the time between consecutive steps'),
  }),
  async run(ctx, params): Promise<FunnelAnswer> {
    const period = resolveRange(params, ctx.model, ctx.asOf, 'week');
    if (params.weekly) return withConfigWarnings(ctx, ctx.config, ['journey'], await weeklyStagesReport(ctx, period, params.segment));
    const split = params.breakdown ? parseBreakdown(params.breakdown) : undefined;
    if (split?.kind === 'property') throw new InputError(`${label(params, 'breakdown')}: funnels split by user.<trait> or account.<trait>`);
    const report = await funnelReport(ctx, period, params.segment, split);
    if (!params.timeToValue) return withConfigWarnings(ctx, ctx.config, ['journey'], report);
    const ttv = await timeToValueReport(ctx, period, params.segment);
    const signupToValue = await signupToFirstStrike(ctx, period);
    return withConfigWarnings(ctx, ctx.config, ['journey'], { ...report, time_to_value: { ...ttv, signup_to_first_strike: signupToValue } });
  },
});

export const retentionParams = {
  ...range, asOf, segment,
  period: choice(['week', 'month'], 'week', 'week | month'),
  mode: choice(['on', 'on-or-after'], 'on', 'on | on-or-after', { on_or_after: 'on-or-after' }),
  periodZero: choice(['cohort', 'action'], 'cohort', 'cohort (period 0 is the whole cohort, 100 %) | action (period 0: who also did the retention action then)'),
};

type RetentionParams = z.output<z.ZodObject<typeof retentionParams>>;

/** The retention triangle's definition and cohort range from its parameters: for the triangle and the people in its cells. */
export function retentionInputs(ctx: ReadContext, params: RetentionParams) {
  const range = resolveRange(params, ctx.model, ctx.asOf, params.period, params.period === 'week' ? 12 : 6);
  const definition = retentionDefinition(ctx.model, params.period, params.mode === 'on' ? 'on' : 'on_or_after');
  return { range, definition, segment: params.segment, periodZero: params.periodZero };
}

export const retention = defineRead({
  name: 'retention',
  summary: 'Cohort retention triangle',
  params: z.object(retentionParams),
  async run(ctx, params) {
    const { range, definition, segment, periodZero } = retentionInputs(ctx, params);
    return retentionReport(ctx, definition, range, segment, periodZero);
  },
});

export const pql = defineRead({
  name: 'pql',
  summary: 'Product-qualified leads: list, weekly counts, PQL → upgrade rate',
  params: z.object({ ...range, asOf }),
  run: (ctx, params) => pqlReport(ctx, resolveRange(params, ctx.model, ctx.asOf, 'week')),
});
