/** The scalar values of `truenorth.yaml`: text, event names, owners, property names, durations, dates, zones, URLs. */
import { z } from 'zod';
import { tryParseDuration } from '../../model/time.js';
import { show } from './messages.js';

export const MAX_PROPERTY_NAME_LENGTH = 200;

export const text = z.string().trim().min(1);
/** What the file holds wherever an event is named: one name, or several that count as one step. */
export type EventNames = string | string[];

/** The names of an `event:` (or `start:`, `complete:`, …) value as a list. */
export function eventList(names: EventNames): string[] {
  return typeof names === 'string' ? [names] : names;
}

/**
 * One event name, or a non-empty list of names (web and mobile often name the same step
 * differently: `[Signed Up, signup_completed]`). Kept as written (trimmed); `eventList` gives the list.
 */
export const eventName = z.unknown().transform((value, ctx): EventNames => {
  if (!Array.isArray(value)) {
    const problem = eventNameProblem(value);
    if (!problem) return (value as string).trim();
    const message = value === undefined ? 'is required' : typeof value === 'string' ? problem : `expected an event name or a list of event names, got ${show(value)}`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
  if (value.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one event name, got an empty list' });
  value.forEach((item, i) => {
    const problem = eventNameProblem(item) ?? (value.indexOf(item) !== i ? `"${item}" is listed twice` : undefined);
    if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
  });
  return value.map((item: string) => String(item).trim());
});

function eventNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected an event name (text), got ${show(value)}`;
  if (value.trim() === '') return 'event names must not be empty';
  if (value.length > MAX_PROPERTY_NAME_LENGTH) return `event names must be at most ${MAX_PROPERTY_NAME_LENGTH} characters`;
  return undefined;
}

export const owner = z
  .string({ error: (iss) => (Array.isArray(iss.input) ? `expected one owner (a name or email) per row, got ${show(iss.input)}` : undefined) })
  .trim()
  .min(1);

/** Property names are free text: they reach SQL only as parameters, never spliced in. */
export const propertyName = z
  .string()
  .min(1, { error: 'property names must not be empty' })
  .max(MAX_PROPERTY_NAME_LENGTH, { error: `property names must be at most ${MAX_PROPERTY_NAME_LENGTH} characters` });

const SLUG = /^[a-z][a-z0-9_]*$/;
export const slug = (example: string) =>
  z.string().regex(SLUG, { error: (iss) => `expected lowercase letters, digits and _ (like ${example}), got ${show(iss.input)}` }).max(64);

/** A duration in the file; a number of days (possibly fractional: 36h = 1.5) in the parsed config. */
export const durationDays = z.unknown().transform((value, ctx) => {
  const duration = typeof value === 'string' ? tryParseDuration(value) : undefined;
  if (duration) return duration.days;
  const hint = typeof value === 'number' ? ` (add a unit: ${value}d)` : '';
  ctx.addIssue({ code: 'custom', message: `expected a duration like 14d, got ${show(value)}${hint}` });
  return z.NEVER;
});

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
export const isoDate = z.string({ error: (iss) => `expected a date like 2026-12-31, got ${show(iss.input)}` }).refine(
  (value) => {
    const match = ISO_DATE.exec(value);
    if (!match) return false;
    const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    return date.toISOString().slice(0, 10) === value;
  },
  { error: (iss) => `expected a date like 2026-12-31, got ${show(iss.input)}` },
);

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
/** Normalised to the canonical spelling (`europe/paris` → `Europe/Paris`): SQL engines are case-sensitive. */
export const timezone = z.string().transform((value, ctx) => {
  if (IANA_NAME.test(value)) {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      // fall through to the issue below
    }
  }
  ctx.addIssue({ code: 'custom', message: `expected an IANA time zone like UTC or Europe/Paris, got ${show(value)}` });
  return z.NEVER;
});

export const httpUrl = z.string().refine(
  (value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { error: (iss) => `expected an http(s) URL like http://localhost:8123, got ${show(iss.input)}` },
);
