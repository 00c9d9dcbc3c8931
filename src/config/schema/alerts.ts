/** Alerts between Mondays (docs/alerts.md): which kinds are on, their floors, the owners' handles, the schedule and delivery. */
import { z } from 'zod';
import { show, strictMap } from './messages.js';
import { durationDays, httpUrl, text } from './scalars.js';

/** The webhook URL is a secret: it is read from this environment variable first. */
export const ALERTS_WEBHOOK_ENV = 'TRUENORTH_ALERTS_WEBHOOK';

const fraction = z.number().refine((v) => v > 0 && v <= 1, { error: (iss) => `expected a fraction between 0 and 1 (0.3 = 30 %), got ${show(iss.input)}` });
const zScore = z.number().refine((v) => v >= 1 && v <= 20, { error: (iss) => `expected a z-score between 1 and 20 (3.5 is strict), got ${show(iss.input)}` });
const minCount = z.number().int().min(1);
const weeksBack = z.number().int().min(2).max(26);

/** `false` → `{ enabled: false }`; absent → `{}` (every default). */
function alertKind<T extends z.core.$ZodLooseShape>(shape: T, expected: string) {
  return z.preprocess(
    (value) => (value === undefined ? {} : value === false ? { enabled: false } : value),
    strictMap({ enabled: z.boolean().default(true), ...shape }, `${expected}, or false to turn it off`),
  );
}

/** Floors shared by the kinds that compare a rate with its recent past: how unlikely, how large, over how many. */
const rateFloors = (minimum: number) => ({
  z: zScore.default(3),
  min_change: fraction.default(0.2),
  min_count: minCount.default(minimum),
});

export const alertsSchema = strictMap(
  {
    /** A scorecard row on track last week whose projection for this week misses its target. */
    off_pace: alertKind(
      {
        /** Judged once past weeks had reached this share of their whole by the same point of the week (early projections are noisy). */
        after_share: fraction.default(0.3),
        /** The projection must miss the target by at least this much, relative to it. */
        min_gap: fraction.default(0.1),
        /** For a count, the shortfall must also be this many times the square root of the target (its own noise). */
        z: zScore.default(2),
      },
      'a mapping like { after_share: 0.3, min_gap: 0.1 }',
    ),
    /** Today's (and the week so far's) count against the same weekday of the last `baseline_weeks`. */
    anomaly: alertKind(
      { z: zScore.default(3.5), min_change: fraction.default(0.3), min_count: minCount.default(20), baseline_weeks: weeksBack.default(8) },
      'a mapping like { z: 3.5, min_change: 0.3, min_count: 20 }',
    ),
    /** A journey step's conversion in the last complete week against the `baseline_weeks` before. */
    funnel_step: alertKind({ ...rateFloors(30), baseline_weeks: weeksBack.default(4) }, 'a mapping like { z: 3, min_change: 0.2 }'),
    /** The newest weekly cohort's first-week retention against the `baseline_cohorts` before. */
    retention_cohort: alertKind({ ...rateFloors(30), baseline_cohorts: weeksBack.default(4) }, 'a mapping like { z: 3, min_change: 0.2 }'),
    /** The same condition (kind, row, week) fires once; the same kind on the same row waits this long to fire again. */
    cooldown: durationDays.default(3),
    /** How often `serve` evaluates them. */
    every_minutes: z.number().int().min(1).max(1440).default(60),
    /** Owner (as in the scorecard) → the handle the chat mentions, e.g. li@acme.io: "<@U123>". */
    owners: z.record(text, text).default({}),
    /** A Slack-compatible incoming webhook; better in TRUENORTH_ALERTS_WEBHOOK (default: the digest's). */
    webhook: httpUrl.optional(),
    /** Email the alerts through `digest.email`'s SMTP server to its recipients. */
    email: z.boolean().default(false),
    /** The dashboard's address as readers reach it (default: `digest.public_url`). */
    public_url: httpUrl.optional(),
  },
  'a mapping like { anomaly: { z: 3.5 }, owners: { li@acme.io: "<@U123>" } }',
);
export type AlertSettings = z.output<typeof alertsSchema>;

/** Every default, as when the section is absent. */
export const DEFAULT_ALERTS: AlertSettings = alertsSchema.parse({});

/** `alerts.email` sends through the digest's SMTP settings, so they must exist. */
export function checkAlertReferences(config: { alerts: AlertSettings; digest?: { email?: unknown } }, ctx: z.core.$RefinementCtx) {
  if (config.alerts.email && !config.digest?.email) {
    ctx.addIssue({ code: 'custom', path: ['alerts', 'email'], message: 'alerts are emailed through digest.email\'s SMTP server; add a `digest: { email: ... }` section or set email: false' });
  }
}
