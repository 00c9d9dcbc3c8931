import { z } from 'zod';
import { filterSchema } from './filters.js';
import { show, strictMap } from './messages.js';
import { durationDays, eventName, propertyName } from './scalars.js';

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

export const riskSchema = strictMap(
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
