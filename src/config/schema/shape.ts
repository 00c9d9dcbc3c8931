/** The whole file, section by section, before the checks across sections. */
import { z } from 'zod';
import { alertsSchema } from './alerts.js';
import { filterSchema } from './filters.js';
import { guardrailSchema, healthSchema, heartSchema, surveysSchema } from './health.js';
import { journeySchema, metricSchema, northStarSchema } from './journey.js';
import { show, strictMap } from './messages.js';
import { riskSchema } from './risk.js';
import { databaseSchema, digestSchema, okrSchema, retentionSchema, scorecardSchema, serverSchema, whySchema } from './ritual.js';
import { durationDays, text, timezone } from './scalars.js';

export const configShape = strictMap(
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
    why: whySchema.default({}),
    // Every rule on with its defaults when the section is absent.
    risk: riskSchema.prefault(() => ({ seat_utilization: undefined, key_feature: undefined, support_tickets: undefined, no_north_star: undefined })),
    database: databaseSchema.default({}),
    server: serverSchema.default({ host: '127.0.0.1', port: 8765 }),
    digest: digestSchema.optional(),
    alerts: alertsSchema.prefault(() => ({ off_pace: undefined, anomaly: undefined, funnel_step: undefined, retention_cohort: undefined })),
  },
  'a mapping of settings (product: ..., journey: ..., north_star: ...)',
);

export type RawConfig = z.output<typeof configShape>;
