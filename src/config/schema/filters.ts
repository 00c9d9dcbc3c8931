/** Filters, targets, measures and the small enums the metric sections share. */
import { z } from 'zod';
import { didYouMean } from '../../model/suggest.js';
import { oneOf, show } from './messages.js';
import { MAX_PROPERTY_NAME_LENGTH, propertyName } from './scalars.js';
import { type Target } from '../../model/scorecard-rows.js';

export const FILTER_OPERATORS = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()], {
  error: (iss) => `expected text, a number or true/false, got ${show(iss.input)}`,
});
const bound = z.union([z.number(), z.string()], {
  error: (iss) => `expected a number (or a date as text), got ${show(iss.input)}`,
});
const scalarList = z
  .array(scalar, { error: (iss) => (iss.code === 'invalid_type' ? `expected a list like [a, b], got ${show(iss.input)}` : undefined) })
  .min(1);

const filterConditionSchema = z
  .strictObject(
    {
      eq: scalar.optional(),
      ne: scalar.optional(),
      in: scalarList.optional(),
      nin: scalarList.optional(),
      gt: bound.optional(),
      gte: bound.optional(),
      lt: bound.optional(),
      lte: bound.optional(),
      contains: z.string().optional(),
      exists: z.boolean().optional(),
    },
    {
      error: (iss) => {
        if (iss.code === 'unrecognized_keys') {
          const key = iss.keys[0];
          return `unknown operator "${key}"${didYouMean(key, FILTER_OPERATORS)}; use ${oneOf(FILTER_OPERATORS)}`;
        }
        if (iss.code === 'invalid_type' && iss.input !== undefined) {
          const example = typeof iss.input === 'object' && iss.input !== null ? 'value' : show(iss.input);
          return `expected a condition like { eq: ${example} }, got ${show(iss.input)}`;
        }
        return undefined;
      },
    },
  )
  .refine((condition) => Object.keys(condition).length > 0, {
    error: `expected at least one operator: ${oneOf(FILTER_OPERATORS)}`,
  });

/** `{ property: { operator: value, ... } }`; several operators on one property are ANDed. */
export const filterSchema = z.record(propertyName, filterConditionSchema, {
  error: (iss) =>
    iss.code === 'invalid_type' && iss.input !== undefined
      ? `expected filters like { plan: { eq: pro } }, got ${show(iss.input)}`
      : undefined,
});

export type FilterCondition = z.output<typeof filterConditionSchema>;
export type Filter = Record<string, FilterCondition>;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

const TARGET_FORMS = '{ gte: n }, { lte: n } or { between: [lo, hi] }';

export const targetSchema = z
  .strictObject(
    {
      gte: z.number().optional(),
      lte: z.number().optional(),
      between: z
        .tuple([z.number(), z.number()], { error: (iss) => `expected [lo, hi], got ${show(iss.input)}` })
        .refine(([lo, hi]) => lo <= hi, { error: (iss) => `expected [lo, hi] with lo ≤ hi, got ${show(iss.input)}` })
        .optional(),
    },
    {
      error: (iss) => {
        if (iss.code === 'unrecognized_keys') {
          const key = iss.keys[0];
          return `unknown target operator "${key}"${didYouMean(key, ['gte', 'lte', 'between'])}; use ${TARGET_FORMS}`;
        }
        if (iss.code === 'invalid_type' && iss.input !== undefined) return `expected a target like ${TARGET_FORMS}, got ${show(iss.input)}`;
        return undefined;
      },
    },
  )
  .transform((target, ctx): Target => {
    const forms: Target[] = [];
    if (target.gte !== undefined) forms.push({ gte: target.gte });
    if (target.lte !== undefined) forms.push({ lte: target.lte });
    if (target.between !== undefined) forms.push({ between: target.between });
    if (forms.length === 1) return forms[0];
    ctx.addIssue({
      code: 'custom',
      message: forms.length ? `expected exactly one of gte, lte or between; for a range use { between: [lo, hi] }` : `expected a target like ${TARGET_FORMS}`,
    });
    return z.NEVER;
  });

export type Measure = 'count' | 'unique_users' | 'unique_accounts' | `sum:${string}`;

function isMeasure(value: unknown): value is Measure {
  if (value === 'count' || value === 'unique_users' || value === 'unique_accounts') return true;
  if (typeof value !== 'string' || !value.startsWith('sum:')) return false;
  const property = value.slice(4).trim();
  return property.length > 0 && property.length <= MAX_PROPERTY_NAME_LENGTH;
}

export const measureSchema = z.custom<Measure>(isMeasure, {
  error: (iss) => `expected count, unique_users, unique_accounts or sum:<property>, got ${show(iss.input)}`,
});

/** For `sum:<property>`, the property; else undefined. */
export function summedProperty(measure: Measure): string | undefined {
  return measure.startsWith('sum:') ? measure.slice(4).trim() : undefined;
}

export const frequencySchema = z.enum(['day', 'week', 'month']);
export type Frequency = z.output<typeof frequencySchema>;
export const perSchema = z.enum(['account', 'user']);
export const sourceSchema = z.enum(['computed', 'manual']);
export const atLeast = z.number().int().min(1);

/** `at_least` selects users (accounts) who did the action ≥ n times: only a unique count makes sense. */
export function checkAtLeast(value: { at_least?: number; measure?: Measure }, ctx: z.core.$RefinementCtx) {
  if (value.at_least !== undefined && value.measure !== 'unique_users' && value.measure !== 'unique_accounts') {
    ctx.addIssue({
      code: 'custom',
      path: ['at_least'],
      message: 'at_least counts the users who did the action at least n times; use measure: unique_users or unique_accounts',
    });
  }
}
