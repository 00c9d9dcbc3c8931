/** The journey stages, the North Star and the metrics under it. */
import { z } from 'zod';
import { STAGES } from '../../model/metrics.js';
import { atLeast, checkAtLeast, filterSchema, frequencySchema, measureSchema, perSchema, sourceSchema, targetSchema } from './filters.js';
import { didYouMean } from '../../model/suggest.js';
import { oneOf, strictMap } from './messages.js';
import { durationDays, eventName, owner, slug, text } from './scalars.js';
import { FormulaSyntaxError, MAX_FORMULA_FACTORS, formulaFactors, parseFormula } from '../../model/formula.js';

/** `formula:` text that parses, over at most MAX_FORMULA_FACTORS metric ids (the ids are checked across sections). */
const formulaText = text.superRefine((value, ctx) => {
  try {
    const factors = formulaFactors(parseFormula(value));
    if (factors.length > MAX_FORMULA_FACTORS) ctx.addIssue({ code: 'custom', message: `a formula may name at most ${MAX_FORMULA_FACTORS} metrics, got ${factors.length}` });
  } catch (error) {
    if (!(error instanceof FormulaSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

const journeyStageSchema = strictMap(
  {
    event: eventName,
    where: filterSchema.optional(),
    at_least: atLeast.optional(),
    within: durationDays.optional(),
    owner: owner.optional(),
    target: targetSchema.optional(),
    /** Target for the conversion from the previous stage, a fraction (0.3 = 30 %). */
    target_rate: z.number().gt(0).max(1).optional(),
  },
  'a stage like { event: Signed Up }',
);
export type JourneyStage = z.output<typeof journeyStageSchema>;

export const journeySchema = strictMap(
  {
    visit: journeyStageSchema,
    signup: journeyStageSchema,
    setup: journeyStageSchema.optional(),
    first_strike: journeyStageSchema.optional(),
    kui: journeyStageSchema.optional(),
    upgrade: journeyStageSchema.optional(),
  },
  'the journey stages (visit, signup, setup, first_strike, kui, upgrade)',
  (key) => `unknown journey stage "${key}"${didYouMean(key, STAGES)}; the stages are ${oneOf(STAGES)}`,
).superRefine((journey, ctx) => {
  if (journey.visit.target_rate !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['visit', 'target_rate'],
      message: 'visit is the first stage, so it has no conversion rate; put target_rate on a later stage',
    });
  }
});
export type Journey = z.output<typeof journeySchema>;

export const northStarSchema = strictMap(
  {
    name: text,
    event: eventName,
    where: filterSchema.optional(),
    measure: measureSchema,
    frequency: frequencySchema,
    per: perSchema.optional(),
    at_least: atLeast.optional(),
    /** Business outcomes the North Star should move (`health.mrr`, ...). */
    drives: z.union([text, z.array(text)]).transform((v) => (Array.isArray(v) ? v : [v])).optional(),
    /** How the North Star breaks down into metrics (`active_accounts * messages_per_account`); its value is still measured. */
    formula: formulaText.optional(),
    owner: owner.optional(),
    target: targetSchema.optional(),
  },
  'a North Star like { name: ..., event: ..., measure: count, frequency: week }',
).superRefine(checkAtLeast);
export type NorthStar = z.output<typeof northStarSchema>;

export const metricSchema = strictMap(
  {
    id: slug('active_teams'),
    name: text.optional(),
    event: eventName.optional(),
    where: filterSchema.optional(),
    measure: measureSchema.optional(),
    frequency: frequencySchema,
    per: perSchema.optional(),
    at_least: atLeast.optional(),
    /** A metric id, `north_star`, or an outcome like `health.mrr`. */
    drives: text.optional(),
    /** The metric as an expression over other metrics' ids, instead of an event and a measure. */
    formula: formulaText.optional(),
    owner: owner.optional(),
    target: targetSchema.optional(),
    source: sourceSchema.default('computed'),
  },
  'a metric like { id: active_teams, event: ..., measure: unique_accounts, frequency: week }',
).superRefine((metric, ctx) => {
  if (metric.formula !== undefined) {
    for (const key of ['event', 'where', 'measure', 'per', 'at_least'] as const) {
      if (metric[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'a metric with a formula takes its value from the formula; remove this key or the formula' });
    }
    if (metric.source === 'manual') ctx.addIssue({ code: 'custom', path: ['source'], message: 'a metric with a formula is computed from it; remove source: manual or the formula' });
  } else if (metric.source === 'computed') {
    for (const key of ['event', 'measure'] as const) {
      if (metric[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'is required for a computed metric (or set source: manual)' });
      }
    }
  }
  checkAtLeast(metric, ctx);
});
export type Metric = z.output<typeof metricSchema>;
