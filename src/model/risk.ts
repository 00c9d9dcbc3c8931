import type { EventSelector } from './metrics.js';

/** The churn-risk rules (config `risk:`), typed, with defaults applied. A disabled rule is null. */
export interface RiskRules {
  /** Account trait holding the number of paid seats. */
  seatsTrait: string;
  seatUtilization: { below: number; activeDays: number; weight: number } | null;
  keyFeature: { selector: EventSelector; drop: number; days: number; minBefore: number; weight: number } | null;
  supportTickets: { events: string[]; above: number; days: number; trailingWeeks: number; minTickets: number; weight: number } | null;
  noNorthStar: { days: number; weight: number } | null;
  /** The North Star action (with its filters): what `no_north_star` looks for. */
  northStar: EventSelector;
}

export const RISK_RULE_IDS = ['seat_utilization', 'key_feature', 'support_tickets', 'no_north_star'] as const;
export type RiskRuleId = (typeof RISK_RULE_IDS)[number];
