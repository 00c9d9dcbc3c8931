/**
 * The parameters reads share, as zod schemas. Values arrive as text (a query string, a command-line
 * flag); each schema checks and converts them, and its message never names the parameter: the
 * adapter does (`--as-of` on the command line, `as_of` over HTTP; see wire.ts).
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { Segment } from '../model/metrics.js';
import { parsePeriod } from '../model/time.js';
import { readWholeNumber, wholeNumberExpected } from '../model/whole-number.js';

const got = (input: unknown) => `got ${JSON.stringify(input)}`;

/** Text, at most 200 characters. */
export const text = (description: string) => z.string().max(200, { error: 'too long' }).optional().describe(description);

/** A switch: true from the command line, `1`, `true`, `yes` or empty over HTTP; `0`, `false`, `no` is off. */
export const flag = (description: string) =>
  z.union([z.boolean(), z.string()]).optional().transform((value, ctx) => {
    if (value === undefined || typeof value === 'boolean') return value ?? false;
    if (['', '1', 'true', 'yes'].includes(value)) return true;
    if (['0', 'false', 'no'].includes(value)) return false;
    ctx.addIssue({ code: 'custom', message: `expected 1 or 0, ${got(value)}` });
    return z.NEVER;
  }).describe(description);

/** A whole number within [min, max], given as text. */
export const wholeNumber = (description: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string().optional().transform((value, ctx) => {
    if (value === undefined) return undefined;
    const n = readWholeNumber(value, min, max);
    if (n !== undefined) return n;
    ctx.addIssue({ code: 'custom', message: `${wholeNumberExpected(min, max)}, ${got(value)}` });
    return z.NEVER;
  }).describe(description);

/** One of a few words; `aliases` map other spellings onto them. */
export function choice<const T extends string>(values: readonly T[], fallback: T, description: string, aliases: Record<string, T> = {}) {
  const words = values.length === 2 ? `${values[0]} or ${values[1]}` : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
  return z.string().optional().transform((value, ctx): T => {
    if (value === undefined) return fallback;
    const found = (values as readonly string[]).includes(value) ? (value as T) : aliases[value];
    if (found !== undefined) return found;
    ctx.addIssue({ code: 'custom', message: `expected ${words}, ${got(value)}` });
    return z.NEVER;
  }).describe(description);
}

export const segment = z.string().optional().transform((value, ctx): Segment => {
  if (value === undefined || value === 'all') return 'all';
  if (value === 'ideal') return 'ideal';
  if (value === 'not-ideal' || value === 'not_ideal') return 'not_ideal';
  ctx.addIssue({ code: 'custom', message: `expected all, ideal or not-ideal, ${got(value)}` });
  return z.NEVER;
}).describe('all | ideal | not-ideal');

export const asOf = text('treat this date as today: 2026-11-22 or 2026-11-22T10:00:00Z (default: now)');

/** `from`, `to`: periods like 2026-W40, 2026-10 or 2026-10-05; checked against the calendar when the report runs. */
export const range = {
  from: text('first period: 2026-W40, 2026-10 or 2026-10-05'),
  to: text('last period, inclusive (default: the last complete one)'),
};

/** A week like 2026-W47. */
export const week = z.string().max(20, { error: 'too long' }).optional().transform((value, ctx) => {
  if (value === undefined) return undefined;
  try {
    if (parsePeriod(value).frequency === 'week') return value;
    ctx.addIssue({ code: 'custom', message: `expected a week like 2026-W47, ${got(value)}` });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message });
  }
  return z.NEVER;
}).describe('a week like 2026-W47 (default: the last complete week)');

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A text field of a write's body: trimmed, at most `max` characters; missing or blank is left out. */
export const optionalText = (max = 2000, description?: string) =>
  z.string({ error: 'expected text' }).max(max, { error: `longer than ${max} characters` }).nullish()
    .transform((v) => (blank(v) ? undefined : v!.trim())).describe(description ?? '');

/** A text field that must be given. */
export const requiredText = (max = 2000, description?: string) =>
  z.string({ error: (issue) => (blank(issue.input) ? 'required' : 'expected text') }).max(max, { error: `longer than ${max} characters` })
    .transform((v, ctx) => {
      if (v.trim() === '') ctx.addIssue({ code: 'custom', message: 'required' });
      return v.trim();
    }).describe(description ?? '');
