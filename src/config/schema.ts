/**
 * The schema of `truenorth.yaml` (docs/configuration.md). Every message here is written for the person editing
 * the file: it says what was expected and what was found; `load.ts` adds the file, line and key path.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';

export const JOURNEY_STAGES = ['visit', 'signup', 'setup', 'first_strike', 'kui', 'upgrade'] as const;
export type JourneyStageName = (typeof JOURNEY_STAGES)[number];

export const HEALTH_METRICS = [
  'mrr', 'revenue_churn', 'nrr', 'grr', 'customer_churn', 'arpc', 'quick_ratio',
  'cltv', 'cac', 'cltv_cac', 'cash_balance', 'burn', 'runway',
] as const;
export type HealthMetricName = (typeof HEALTH_METRICS)[number];
/** Health numbers that no ledger can give: they are entered by hand every week. */
export const MANUAL_HEALTH_METRICS: readonly string[] = ['cash_balance', 'burn'];

export const FILTER_OPERATORS = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists'] as const;
export const MAX_PROPERTY_NAME_LENGTH = 200;

// ---------------------------------------------------------------------------------------------
// Message helpers

/** A short, YAML-flavoured rendering of a config value for error messages. */
export function show(value: unknown): string {
  const text = render(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function render(value: unknown): string {
  if (value === undefined || value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${render(v)}`).join(', ')} }` : '{}';
  }
  return String(value);
}

/** `a, b or c` */
export function oneOf(values: readonly unknown[]): string {
  const words = values.map(String);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words.join('');
}

/** ` (did you mean "journey"?)` when a known word is close to the typo, else ``. */
export function didYouMean(word: string, known: readonly string[]): string {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3))) return ` (did you mean "${best}"?)`;
  const prefix = lower.length >= 2 ? known.find((k) => k.length >= 2 && (lower.startsWith(k) || k.startsWith(lower))) : undefined;
  return prefix ? ` (did you mean "${prefix}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      const transposition =
        i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? previous[j - 2] : Infinity;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution, transposition);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Messages for zod's generic issues, passed to every parse of the config. Schemas below override
 * them where a more specific message helps.
 */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => {
  const got = show(iss.input);
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `expected ${TYPE_WORDS[iss.expected] ?? iss.expected}, got ${got}`;
    case 'too_small':
      if (iss.origin === 'string') return 'must not be empty';
      if (iss.origin === 'array') return `expected at least ${iss.minimum} item${iss.minimum === 1 ? '' : 's'}`;
      return `expected a number ${iss.inclusive ? '≥' : '>'} ${iss.minimum}, got ${got}`;
    case 'too_big':
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters`;
      if (iss.origin === 'array') return `expected at most ${iss.maximum} items`;
      return `expected a number ${iss.inclusive ? '≤' : '<'} ${iss.maximum}, got ${got}`;
    case 'invalid_value':
      return `expected ${oneOf(iss.values)}, got ${got}`;
    case 'invalid_key':
      return iss.issues[0]?.message ?? `invalid key ${got}`;
    case 'invalid_union':
      return `unexpected value ${got}`;
    default:
      return undefined;
  }
};

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  tuple: 'a list',
};

/** A strict mapping: unknown keys are errors (that is how typos are caught), with a suggestion. */
function strictMap<T extends z.core.$ZodLooseShape>(
  shape: T,
  expected: string,
  unknownKey: (key: string) => string = (key) => `unknown key "${key}"${didYouMean(key, Object.keys(shape))}`,
) {
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return unknownKey(iss.keys[0]);
      if (iss.code === 'invalid_type' && iss.input !== undefined) return `expected ${expected}, got ${show(iss.input)}`;
      return undefined;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Scalars

const text = z.string().trim().min(1);
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
const eventName = z.unknown().transform((value, ctx): EventNames => {
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

const owner = z
  .string({ error: (iss) => (Array.isArray(iss.input) ? `expected one owner (a name or email) per row, got ${show(iss.input)}` : undefined) })
  .trim()
  .min(1);

/** Property names are free text: they reach SQL only as parameters, never spliced in. */
const propertyName = z
  .string()
  .min(1, { error: 'property names must not be empty' })
  .max(MAX_PROPERTY_NAME_LENGTH, { error: `property names must be at most ${MAX_PROPERTY_NAME_LENGTH} characters` });

const SLUG = /^[a-z][a-z0-9_]*$/;
const slug = (example: string) =>
  z.string().regex(SLUG, { error: (iss) => `expected lowercase letters, digits and _ (like ${example}), got ${show(iss.input)}` }).max(64);

const DURATION = /^(\d+(?:\.\d+)?)\s*(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DAY_MS = UNIT_MS.d;

function tryParseDuration(value: string): { days: number; ms: number } | undefined {
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? { days: ms / DAY_MS, ms } : undefined;
}

/** `14d`, `7d`, `36h`, `2w`, `90m` → days and milliseconds. Throws an InputError otherwise. */
export function parseDuration(value: string): { days: number; ms: number } {
  const duration = tryParseDuration(value);
  if (!duration) throw new InputError(`expected a duration like 14d, got ${show(value)}`);
  return duration;
}

/** A duration in the file; a number of days (possibly fractional: 36h = 1.5) in the parsed config. */
const durationDays = z.unknown().transform((value, ctx) => {
  const duration = typeof value === 'string' ? tryParseDuration(value) : undefined;
  if (duration) return duration.days;
  const hint = typeof value === 'number' ? ` (add a unit: ${value}d)` : '';
  ctx.addIssue({ code: 'custom', message: `expected a duration like 14d, got ${show(value)}${hint}` });
  return z.NEVER;
});

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoDate = z.string({ error: (iss) => `expected a date like 2026-12-31, got ${show(iss.input)}` }).refine(
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
const timezone = z.string().transform((value, ctx) => {
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

// ---------------------------------------------------------------------------------------------
// Filters, targets, measures

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
const filterSchema = z.record(propertyName, filterConditionSchema, {
  error: (iss) =>
    iss.code === 'invalid_type' && iss.input !== undefined
      ? `expected filters like { plan: { eq: pro } }, got ${show(iss.input)}`
      : undefined,
});

export type FilterCondition = z.output<typeof filterConditionSchema>;
export type Filter = Record<string, FilterCondition>;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type Target = { gte: number } | { lte: number } | { between: [number, number] };
const TARGET_FORMS = '{ gte: n }, { lte: n } or { between: [lo, hi] }';

const targetSchema = z
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

const measureSchema = z.custom<Measure>(isMeasure, {
  error: (iss) => `expected count, unique_users, unique_accounts or sum:<property>, got ${show(iss.input)}`,
});

/** For `sum:<property>`, the property; else undefined. */
export function summedProperty(measure: Measure): string | undefined {
  return measure.startsWith('sum:') ? measure.slice(4).trim() : undefined;
}

const frequencySchema = z.enum(['day', 'week', 'month']);
export type Frequency = z.output<typeof frequencySchema>;
const perSchema = z.enum(['account', 'user']);
const sourceSchema = z.enum(['computed', 'manual']);
const atLeast = z.number().int().min(1);

/** `at_least` selects users (accounts) who did the action ≥ n times: only a unique count makes sense. */
function checkAtLeast(value: { at_least?: number; measure?: Measure }, ctx: z.core.$RefinementCtx) {
  if (value.at_least !== undefined && value.measure !== 'unique_users' && value.measure !== 'unique_accounts') {
    ctx.addIssue({
      code: 'custom',
      path: ['at_least'],
      message: 'at_least counts the users who did the action at least n times; use measure: unique_users or unique_accounts',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Sections

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

const journeySchema = strictMap(
  {
    visit: journeyStageSchema,
    signup: journeyStageSchema,
    setup: journeyStageSchema.optional(),
    first_strike: journeyStageSchema.optional(),
    kui: journeyStageSchema.optional(),
    upgrade: journeyStageSchema.optional(),
  },
  'the journey stages (visit, signup, setup, first_strike, kui, upgrade)',
  (key) => `unknown journey stage "${key}"${didYouMean(key, JOURNEY_STAGES)}; the stages are ${oneOf(JOURNEY_STAGES)}`,
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

const northStarSchema = strictMap(
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
    owner: owner.optional(),
    target: targetSchema.optional(),
  },
  'a North Star like { name: ..., event: ..., measure: count, frequency: week }',
).superRefine(checkAtLeast);
export type NorthStar = z.output<typeof northStarSchema>;

const metricSchema = strictMap(
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
    owner: owner.optional(),
    target: targetSchema.optional(),
    source: sourceSchema.default('computed'),
  },
  'a metric like { id: active_teams, event: ..., measure: unique_accounts, frequency: week }',
).superRefine((metric, ctx) => {
  if (metric.source === 'computed') {
    for (const key of ['event', 'measure'] as const) {
      if (metric[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'is required for a computed metric (or set source: manual)' });
      }
    }
  }
  checkAtLeast(metric, ctx);
});
export type Metric = z.output<typeof metricSchema>;

const healthEntrySchema = strictMap(
  { owner: owner.optional(), target: targetSchema.optional(), source: sourceSchema.optional() },
  'a mapping like { owner: cfo@acme.io, target: { gte: 50000 } }',
);

const healthSchema = z
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
      } else if (MANUAL_HEALTH_METRICS.includes(name) && entry.source === 'computed') {
        ctx.addIssue({ code: 'custom', path: [name, 'source'], message: `${name} is entered by hand; use source: manual` });
      }
    }
  })
  .transform((health) => {
    const withSources: Record<string, HealthEntry> = {};
    for (const [name, entry] of Object.entries(health)) {
      withSources[name] = { ...entry, source: entry.source ?? (MANUAL_HEALTH_METRICS.includes(name) ? 'manual' : 'computed') };
    }
    return withSources;
  });
export interface HealthEntry {
  owner?: string;
  target?: Target;
  source: 'computed' | 'manual';
}

const surveysSchema = strictMap(
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
export const HEART_CATEGORIES = ['happiness', 'engagement', 'adoption', 'retention', 'task_success'] as const;
export type HeartCategory = (typeof HEART_CATEGORIES)[number];
/** What one HEART metric measures; exactly one of these keys is set on each metric. */
export const HEART_METRIC_KINDS = ['event', 'survey', 'adoption', 'retention', 'task'] as const;
/** The three numbers a task metric yields, addressable as `heart.<id>.<field>`. */
export const HEART_TASK_FIELDS = ['completion_rate', 'median_seconds', 'error_rate'] as const;

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

const heartSchema = strictMap(
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
const guardrailSchema = strictMap(
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

const keyResultSchema = strictMap(
  { metric: text, from: z.number(), to: z.number(), due: isoDate.optional() },
  'a key result like { metric: journey.setup, from: 0.25, to: 0.40 }',
);
const okrSchema = strictMap(
  { objective: text, due: isoDate, key_results: z.array(keyResultSchema).min(1) },
  'an OKR like { objective: ..., due: 2026-12-31, key_results: [...] }',
);
export type KeyResult = z.output<typeof keyResultSchema>;
export type Okr = z.output<typeof okrSchema>;

const scorecardSchema = strictMap(
  {
    weeks: z.number().int().min(1).max(104).default(13),
    /** Which of `metrics` are scorecard rows (default: all); the North Star, journey and health always are. */
    rows: z.array(text).optional(),
  },
  'a mapping like { weeks: 13 }',
);

const retentionSchema = strictMap(
  { event: eventName.optional(), where: filterSchema.optional() },
  'a mapping like { event: Message Sent }',
);

// Churn-risk rules on paying accounts (docs/churn-risk.md). Each rule is on by
// default; `rule: false` (or `enabled: false`) turns it off. `weight` adds to an account's risk score.
const fraction = z.number().refine((v) => v > 0 && v <= 1, { error: (iss) => `expected a fraction between 0 and 1 (0.5 = 50 %), got ${show(iss.input)}` });
const ruleWeight = z.number().gt(0).default(1);
/** `false` → `{ enabled: false }`; absent → `{}` (every default). */
function riskRule<T extends z.core.$ZodLooseShape>(shape: T, expected: string) {
  return z.preprocess(
    (value) => (value === undefined ? {} : value === false ? { enabled: false } : value),
    strictMap({ enabled: z.boolean().default(true), weight: ruleWeight, ...shape }, `${expected}, or false to turn the rule off`),
  );
}

const riskSchema = strictMap(
  {
    /** The account trait (from `group` calls) that holds the number of paid seats. */
    seats_trait: propertyName.default('seats'),
    /** Active users ÷ seats below `below`; a user is active with any event in the last `active_within`. */
    seat_utilization: riskRule({ below: fraction.default(0.5), active_within: durationDays.default(28) }, 'a rule like { below: 0.5 }'),
    /** The key feature's use in the last `over` fell by at least `drop` against the `over` before it. */
    key_feature: riskRule(
      {
        event: eventName.optional(),
        where: filterSchema.optional(),
        drop: fraction.default(0.5),
        over: durationDays.default(7),
        /** The account's own baseline: its daily rate over this window before `over`. */
        baseline: durationDays.default(28),
        /** Ignore accounts with fewer uses than this in the baseline window: a fall from 2 to 0 is noise. */
        min_before: z.number().int().min(1).default(10),
      },
      'a rule like { event: Message Sent, drop: 0.5 }',
    ),
    /** Tickets in the last `window` above `above` × the weekly average of the `trailing_weeks` before. */
    support_tickets: riskRule(
      {
        event: eventName.default('Support Ticket Opened'),
        above: z.number().gt(0).default(2),
        window: durationDays.default(7),
        trailing_weeks: z.number().int().min(1).max(52).default(4),
        min_tickets: z.number().int().min(1).default(1),
      },
      'a rule like { event: Support Ticket Opened, above: 2 }',
    ),
    /** No North Star action by anyone in the account in the last `within`. */
    no_north_star: riskRule({ within: durationDays.default(7) }, 'a rule like { within: 7d }'),
    /** Each rule's precision over past weeks; a rule flags accounts only when it beats the base rate. */
    backtest: strictMap(
      {
        horizon_weeks: z.number().int().min(1).max(26).default(4),
        weeks: z.number().int().min(1).max(104).default(12),
        min_flagged: z.number().int().min(1).default(10),
      },
      'a mapping like { horizon_weeks: 4, weeks: 12, min_flagged: 10 }',
    ).prefault({}),
  },
  'a mapping of churn-risk rules (seat_utilization, key_feature, support_tickets, no_north_star, backtest)',
);
export type RiskConfig = z.output<typeof riskSchema>;

const httpUrl = z.string().refine(
  (value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { error: (iss) => `expected an http(s) URL like http://localhost:8123, got ${show(iss.input)}` },
);

const databaseSchema = strictMap(
  { path: text.optional(), engine: z.enum(['duckdb', 'clickhouse']).optional(), clickhouse_url: httpUrl.optional() },
  'a mapping like { path: truenorth.duckdb }',
);

const serverSchema = strictMap(
  { host: text.default('127.0.0.1'), port: z.number().int().min(1).max(65535).default(8765) },
  'a mapping like { host: 127.0.0.1, port: 8765 }',
);

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** The weekly digest `serve` sends on its own. The webhook URL is a secret: keep it in TRUENORTH_DIGEST_WEBHOOK. */
const digestSchema = strictMap(
  {
    day: z.enum(WEEKDAYS).default('monday'),
    hour: z.number().int().min(0).max(23).default(9),
    webhook: httpUrl.optional(),
    out: text.optional(),
    format: z.enum(['md', 'html', 'json']).default('md'),
  },
  'a mapping like { day: monday, hour: 9 }',
);
export type DigestSchedule = z.output<typeof digestSchema>;

// ---------------------------------------------------------------------------------------------
// The whole file

const configShape = strictMap(
  {
    product: text,
    timezone: timezone.default('UTC'),
    week_start: z.enum(['monday', 'sunday']).default('monday'),
    stage: z.enum(['pre-launch', 'early', 'growth', 'mature']).optional(),
    business_model: z.enum(['b2b', 'b2c']).optional(),
    conversion_window: durationDays.default(14),
    ideal_user: filterSchema.optional(),
    journey: journeySchema,
    north_star: northStarSchema,
    metrics: z.array(metricSchema).default([]),
    health: healthSchema.default({}),
    gross_margin: z
      .number()
      .refine((v) => v > 0 && v <= 1, { error: (iss) => `expected a fraction between 0 and 1 (0.8 = 80 %), got ${show(iss.input)}` })
      .default(0.8),
    surveys: surveysSchema.default({}),
    heart: heartSchema.optional(),
    guardrails: z.array(guardrailSchema).default([]),
    okrs: z.array(okrSchema).default([]),
    scorecard: scorecardSchema.default({ weeks: 13 }),
    retention: retentionSchema.optional(),
    // Every rule on with its defaults when the section is absent.
    risk: riskSchema.prefault(() => ({ seat_utilization: undefined, key_feature: undefined, support_tickets: undefined, no_north_star: undefined })),
    database: databaseSchema.default({}),
    server: serverSchema.default({ host: '127.0.0.1', port: 8765 }),
    digest: digestSchema.optional(),
  },
  'a mapping of settings (product: ..., journey: ..., north_star: ...)',
);

type RawConfig = z.output<typeof configShape>;

/** The row ids a key result or `drives:` can point at, besides metric ids. */
function outcomeIds(config: RawConfig): string[] {
  const healthNames = new Set<string>([...HEALTH_METRICS, ...Object.keys(config.health)]);
  return [...healthNames].map((name) => `health.${name}`);
}

/** References between sections: ids, `drives:`, key results, scorecard rows. */
function checkReferences(config: RawConfig, ctx: z.core.$RefinementCtx) {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const metricIds = config.metrics.map((m) => m.id);
  const outcomes = outcomeIds(config);

  config.metrics.forEach((metric, i) => {
    if (metric.id === 'north_star') issue(['metrics', i, 'id'], '"north_star" is reserved for the North Star; pick another id');
    const first = metricIds.indexOf(metric.id);
    if (first !== i) issue(['metrics', i, 'id'], `duplicate metric id "${metric.id}" (also metrics[${first}])`);
    const drives = metric.drives;
    if (drives === undefined) return;
    if (drives === metric.id) issue(['metrics', i, 'drives'], 'a metric cannot drive itself');
    else if (drives !== 'north_star' && !metricIds.includes(drives) && !outcomes.includes(drives)) {
      issue(
        ['metrics', i, 'drives'],
        `expected north_star, another metric's id or health.<name>, got ${show(drives)}${didYouMean(drives, ['north_star', ...metricIds, ...outcomes])}`,
      );
    }
  });

  const cycle = findDrivesCycle(config.metrics);
  if (cycle) issue(['metrics', metricIds.indexOf(cycle[0]), 'drives'], `drives goes round in a circle: ${cycle.join(' → ')}`);

  config.north_star.drives?.forEach((outcome, i) => {
    if (!outcomes.includes(outcome)) {
      issue(['north_star', 'drives', i], `expected a business outcome like health.mrr, got ${show(outcome)}${didYouMean(outcome, outcomes)}`);
    }
  });

  const stages = JOURNEY_STAGES.filter((stage) => config.journey[stage] !== undefined).map((stage) => `journey.${stage}`);
  const rowIds = ['north_star', ...stages, ...outcomes, ...metricIds];
  config.okrs.forEach((okr, i) =>
    okr.key_results.forEach((kr, j) => {
      if (!rowIds.includes(kr.metric)) {
        issue(
          ['okrs', i, 'key_results', j, 'metric'],
          `expected north_star, journey.<stage>, health.<name> or a metric id, got ${show(kr.metric)}${didYouMean(kr.metric, rowIds)}`,
        );
      }
    }),
  );

  config.scorecard.rows?.forEach((row, i) => {
    if (!metricIds.includes(row)) {
      const why = rowIds.includes(row) ? '; the North Star, journey stages and health entries are always rows' : didYouMean(row, metricIds);
      issue(['scorecard', 'rows', i], `expected the id of one of metrics, got ${show(row)}${why}`);
    } else if (config.scorecard.rows!.indexOf(row) !== i) {
      issue(['scorecard', 'rows', i], `"${row}" is listed twice`);
    }
  });
}

/** Every id a guardrail can name: a weekly series the guardrails report can compute. */
export function guardrailIds(config: Pick<RawConfig, 'journey' | 'metrics' | 'health' | 'surveys' | 'heart'>): string[] {
  const ids = ['north_star', ...config.metrics.map((m) => m.id)];
  for (const stage of JOURNEY_STAGES) if (config.journey[stage]) ids.push(`journey.${stage}`);
  for (const name of new Set<string>([...HEALTH_METRICS, ...Object.keys(config.health)])) ids.push(`health.${name}`);
  for (const survey of ['pmf', 'nps', 'csat'] as const) if (config.surveys[survey]) ids.push(`surveys.${survey}`);
  for (const category of HEART_CATEGORIES) {
    for (const metric of config.heart?.[category]?.metrics ?? []) {
      if (metric.task) ids.push(...HEART_TASK_FIELDS.map((field) => `heart.${metric.id}.${field}`));
      else ids.push(`heart.${metric.id}`);
    }
  }
  return ids;
}

/** HEART ids are unique, survey metrics need their survey, guardrails name known series. */
function checkHeartReferences(config: RawConfig, ctx: z.core.$RefinementCtx) {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const seen = new Map<string, string>();
  for (const category of HEART_CATEGORIES) {
    config.heart?.[category]?.metrics.forEach((metric, i) => {
      const path = ['heart', category, 'metrics', i];
      const other = seen.get(metric.id);
      if (other) issue([...path, 'id'], `duplicate HEART metric id "${metric.id}" (also ${other})`);
      seen.set(metric.id, `heart.${category}.metrics[${i}]`);
      if (metric.survey && !config.surveys[metric.survey]) {
        issue([...path, 'survey'], `surveys.${metric.survey} is not configured; add it under surveys:`);
      }
    });
  }
  const ids = guardrailIds(config);
  config.guardrails.forEach((pair, i) => {
    for (const key of ['metric', 'guardrail'] as const) {
      const id = pair[key];
      // A task metric named without its field means its completion rate.
      if (ids.includes(id) || ids.includes(`${id}.completion_rate`)) continue;
      issue(
        ['guardrails', i, key],
        `expected north_star, a metric id, journey.<stage>, health.<name>, surveys.<survey> or heart.<id>, got ${show(id)}${didYouMean(id, ids)}`,
      );
    }
    if (pair.metric === pair.guardrail) issue(['guardrails', i, 'guardrail'], 'a metric cannot be its own guardrail');
  });
}

function findDrivesCycle(metrics: readonly { id: string; drives?: string }[]): string[] | undefined {
  const parent = new Map(metrics.filter((m) => m.drives !== m.id).map((m) => [m.id, m.drives]));
  for (const start of metrics) {
    const chain = [start.id];
    let next = parent.get(start.id);
    while (next !== undefined && parent.has(next)) {
      if (next === start.id) return [...chain, next];
      if (chain.includes(next)) break; // a cycle that does not pass through start: found from its own start
      chain.push(next);
      next = parent.get(next);
    }
  }
  return undefined;
}

export const configSchema = configShape.superRefine(checkReferences).superRefine(checkHeartReferences).transform((config) => ({
  ...config,
  // Retention defaults to the North Star action, with its filters.
  retention: config.retention?.event
    ? { event: config.retention.event, where: config.retention.where }
    : { event: config.north_star.event, where: config.retention?.where ?? config.north_star.where },
}));

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
