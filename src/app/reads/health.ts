/** Company health: revenue, surveys, HEART, guardrails, stage benchmarks, hand-entered values. */
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { manualMetricName } from '../../engine/ingest/import-manual.js';
import { healthModelFromConfig } from '../../config/model.js';
import { benchmarksReport } from '../../reports/benchmarks.js';
import { guardrailsReport, heartWithGuardrails } from '../../reports/guardrails.js';
import { resolveRange } from '../../reports/params.js';
import { fetchManualEntries, revenueReport } from '../../reports/revenue.js';
import { type ManualEntry } from '../../reports/manual-values.js';
import { surveysReport } from '../../reports/surveys.js';
import { defineRead } from '../operation.js';
import { asOf, choice, range, segment, text } from '../params.js';
import { label } from '../wire.js';

export const revenue = defineRead({
  name: 'revenue',
  summary: 'MRR bridge, churn, NRR, GRR, ARPC, quick ratio, CAC, CLTV, cash and runway per month (period=week for weeks)',
  params: z.object({ ...range, asOf, period: choice(['week', 'month'], 'month', 'week | month') }),
  async run(ctx, params) {
    const period = resolveRange(params, ctx.model, ctx.asOf, params.period, params.period === 'week' ? 13 : 12);
    return revenueReport(ctx, healthModelFromConfig(ctx.config), params.period, period, { trimLeading: !params.from });
  },
});

export const surveys = defineRead({
  name: 'surveys',
  summary: 'PMF (Sean Ellis), NPS and CSAT: overall, by week and ideal vs not',
  params: z.object({ ...range, asOf, segment }),
  run: (ctx, params) => surveysReport(ctx, healthModelFromConfig(ctx.config), resolveRange(params, ctx.model, ctx.asOf, 'week'), params.segment),
});

export const heart = defineRead({
  name: 'heart',
  summary: 'HEART: happiness, engagement, adoption, retention, task success (with the guardrails when configured)',
  params: z.object({ ...range, asOf }),
  run: (ctx, params) => heartWithGuardrails(ctx, healthModelFromConfig(ctx.config), params),
});

export const guardrails = defineRead({
  name: 'guardrails',
  summary: 'Metric pairs that must not contradict each other, week over week',
  params: z.object({ ...range, asOf }),
  async run(ctx, params) {
    const health = healthModelFromConfig(ctx.config);
    if (health.guardrails.length === 0) throw new InputError('no guardrails: in truenorth.yaml; add pairs like { metric: heart.messages_per_user, guardrail: surveys.nps }');
    return guardrailsReport(ctx, health, resolveRange(params, ctx.model, ctx.asOf, 'week', 8));
  },
});

export const benchmarks = defineRead({
  name: 'benchmarks',
  summary: 'PMF and 30-day retention against the targets for the product stage (docs/health.md)',
  params: z.object({ ...range, asOf }),
  run: (ctx, params) => benchmarksReport(ctx, healthModelFromConfig(ctx.config), resolveRange(params, ctx.model, ctx.asOf, 'week')),
});

/** A hand-entered value as the API shows it. */
export interface EntryJson {
  metric: string;
  period: string;
  value: number | null;
  entered_by: string;
  entered_at: string;
  note: string | null;
}

export function entryJson(e: ManualEntry): EntryJson {
  return { metric: e.metric, period: e.period, value: e.value, entered_by: e.entered_by, entered_at: new Date(e.entered_ms).toISOString(), note: e.note };
}

export const record = defineRead({
  name: 'record',
  summary: 'Every hand-entered value of a metric, corrections included (who, when, note): `truenorth record <metric> --history`',
  params: z.object({ asOf, metric: text('cash_balance, burn, sales_marketing_spend or a source: manual metric') }),
  async run(ctx, params) {
    if (!params.metric) throw new InputError(`${label(params, 'metric')}: required, e.g. ?metric=cash_balance`);
    const metric = manualMetricName(params.metric, healthModelFromConfig(ctx.config).manualMetrics);
    const entries = await fetchManualEntries(ctx, [metric]);
    return { metric, entries: entries.map(entryJson) };
  },
});
