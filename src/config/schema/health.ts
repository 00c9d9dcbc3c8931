/** Business health, surveys, HEART and guardrails. */
import { z } from 'zod';
import { HEALTH_METRICS, isManualHealthMetric } from '../../model/health-metrics.js';
import { didYouMean } from '../../model/suggest.js';
import { oneOf, strictMap } from './messages.js';
import { durationDays, eventName, isoDate, owner, propertyName, slug, text } from './scalars.js';
import { HEART_CATEGORIES } from '../../model/health.js';
import { atLeast, checkAtLeast, filterSchema, measureSchema, perSchema, sourceSchema, targetSchema } from './filters.js';
import { type Target } from '../../model/scorecard-rows.js';

const healthEntrySchema = strictMap(
  { owner: owner.optional(), target: targetSchema.optional(), source: sourceSchema.optional() },
  'a mapping like { owner: cfo@acme.io, target: { gte: 50000 } }',
);

export const healthSchema = z
  .record(slug('cash_balance'), healthEntrySchema)
  .superRefine((health, ctx) => {
    for (const [name, entry] of Object.entries(health)) {
      const known = (HEALTH_METRICS as readonly string[]).includes(name);
      if (!known && entry.source !== 'manual') {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `unknown health metric "${name}"${didYouMean(name, HEALTH_METRICS)}; computed ones are ${oneOf(HEALTH_METRICS)}, a custom one needs source: manual`,
        });
      } else if (isManualHealthMetric(name) && entry.source === 'computed') {
        ctx.addIssue({ code: 'custom', path: [name, 'source'], message: `${name} is entered by hand; use source: manual` });
      }
    }
  })
  .transform((health) => {
    const withSources: Record<string, HealthEntry> = {};
    for (const [name, entry] of Object.entries(health)) {
      withSources[name] = { ...entry, source: entry.source ?? (isManualHealthMetric(name) ? 'manual' : 'computed') };
    }
    return withSources;
  });
export interface HealthEntry {
  owner?: string;
  target?: Target;
  source: 'computed' | 'manual';
}

export const surveysSchema = strictMap(
  {
    pmf: strictMap(
      { event: eventName, answer: propertyName, active_only: z.boolean().optional() },
      'a mapping like { event: Survey Answered, answer: response }',
    ).optional(),
    nps: strictMap({ event: eventName, score: propertyName }, 'a mapping like { event: NPS Submitted, score: score }').optional(),
    csat: strictMap({ event: eventName, score: propertyName }, 'a mapping like { event: CSAT Submitted, score: score }').optional(),
  },
  'a mapping of pmf, nps and csat',
);
export type Surveys = z.output<typeof surveysSchema>;

// HEART (docs/health.md): per category, a goal, the signals that show it, and the metrics that measure it.
/** What one HEART metric measures; exactly one of these keys is set on each metric. */
export const HEART_METRIC_KINDS = ['event', 'survey', 'adoption', 'retention', 'task'] as const;

const heartTaskSchema = strictMap(
  { start: eventName, complete: eventName, error: eventName.optional(), key: propertyName.optional() },
  'a task like { start: Export Started, complete: Export Completed, error: Export Failed }',
);
const heartAdoptionSchema = strictMap(
  { event: eventName, where: filterSchema.optional(), launched: isoDate, within: durationDays.default(30) },
  'a feature launch like { event: Search Used, launched: 2026-09-01, within: 30d }',
);
const heartRetentionSchema = strictMap(
  { period: z.enum(['week', 'month']).default('week'), offset: z.number().int().min(1).max(104) },
  'a retention point like { period: week, offset: 4 }',
);

const heartMetricSchema = strictMap(
  {
    id: slug('messages_per_user'),
    name: text.optional(),
    /** Which way is good; lower for error rates, times and churn. */
    better: z.enum(['higher', 'lower']).optional(),
    event: eventName.optional(),
    where: filterSchema.optional(),
    measure: measureSchema.optional(),
    per: perSchema.optional(),
    at_least: atLeast.optional(),
    /** With `event`: the share of those events that also match these filters (thumbs up ÷ all ratings). */
    share: filterSchema.optional(),
    survey: z.enum(['nps', 'csat', 'pmf']).optional(),
    adoption: heartAdoptionSchema.optional(),
    retention: heartRetentionSchema.optional(),
    task: heartTaskSchema.optional(),
  },
  'a metric like { id: messages_per_user, event: Message Sent, measure: count, per: user }',
).superRefine((metric, ctx) => {
  const kinds = HEART_METRIC_KINDS.filter((kind) => metric[kind] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: kinds.length
        ? `a HEART metric measures one thing; it has ${oneOf(kinds)} (keep one)`
        : `expected one of ${oneOf(HEART_METRIC_KINDS)} (event: ... for a counted metric)`,
    });
    return;
  }
  if (kinds[0] !== 'event') {
    for (const key of ['where', 'measure', 'per', 'at_least', 'share'] as const) {
      if (metric[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only applies to a metric with event:` });
    }
    return;
  }
  if (metric.share !== undefined) {
    for (const key of ['measure', 'per', 'at_least'] as const) {
      if (metric[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'share: is a fraction of the events; drop ' + key });
    }
  }
  checkAtLeast(metric, ctx);
});
export type HeartMetric = z.output<typeof heartMetricSchema>;

const heartCategorySchema = strictMap(
  {
    goal: text.optional(),
    signals: z.union([text, z.array(text)]).transform((v) => (Array.isArray(v) ? v : [v])).optional(),
    metrics: z.array(heartMetricSchema).min(1),
  },
  'a mapping like { goal: ..., signals: [...], metrics: [...] }',
);
export type HeartCategoryConfig = z.output<typeof heartCategorySchema>;

export const heartSchema = strictMap(
  {
    happiness: heartCategorySchema.optional(),
    engagement: heartCategorySchema.optional(),
    adoption: heartCategorySchema.optional(),
    retention: heartCategorySchema.optional(),
    task_success: heartCategorySchema.optional(),
  },
  'a mapping of happiness, engagement, adoption, retention and task_success',
  (key) => `unknown HEART category "${key}"${didYouMean(key, HEART_CATEGORIES)}; the categories are ${oneOf(HEART_CATEGORIES)}`,
);
export type Heart = z.output<typeof heartSchema>;

/** A pair of metrics that should not move against each other (docs/health.md, guardrails). */
export const guardrailSchema = strictMap(
  {
    /** The metric being pushed, e.g. heart.messages_per_user. */
    metric: text,
    /** The metric that must not get worse meanwhile, e.g. heart.nps. */
    guardrail: text,
    /** How much worse the guardrail may get week over week before it is called out. */
    threshold: z.number().gt(0).default(0.05),
    /** relative: threshold is a fraction of last week's value; absolute: in the metric's own units. */
    threshold_type: z.enum(['relative', 'absolute']).default('relative'),
    note: text.optional(),
  },
  'a pair like { metric: heart.messages_per_user, guardrail: heart.nps, threshold: 0.05 }',
);
export type Guardrail = z.output<typeof guardrailSchema>;
