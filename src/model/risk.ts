import type { EventSelector } from './metrics.js';

/** The churn-risk rules (config `risk:`), typed, with defaults applied. A disabled rule is null. */
export interface RiskRules {
  /** Account trait holding the number of paid seats. */
  seatsTrait: string;
  seatUtilization: { below: number; activeDays: number; weight: number } | null;
  /** Uses in the last `days` against the account's own daily rate over the `baselineDays` before. */
  keyFeature: { selector: EventSelector; drop: number; days: number; baselineDays: number; minBefore: number; weight: number } | null;
  supportTickets: { events: string[]; above: number; days: number; trailingWeeks: number; minTickets: number; weight: number } | null;
  noNorthStar: { days: number; weight: number } | null;
  /** The North Star action (with its filters): what `no_north_star` looks for. */
  northStar: EventSelector;
  /** How each rule's precision is measured, and what it takes to flag accounts with it. */
  backtest: RiskBacktestSettings;
}

export interface RiskBacktestSettings {
  /** An account flagged at week w is a hit when its MRR falls below its MRR at w within this many weeks. */
  horizonWeeks: number;
  /** Past weeks evaluated (the latest ends `horizonWeeks` before as-of, so every outcome is known). */
  weeks: number;
  /** A rule flags accounts only with at least this many flagged (account, week) cases in the backtest. */
  minFlagged: number;
}

/** One-sided significance level of "a flagged account churns or contracts more often than the others". */
export const RISK_SIGNIFICANCE = 0.01;

export const RISK_RULE_IDS = ['seat_utilization', 'key_feature', 'support_tickets', 'no_north_star'] as const;
export type RiskRuleId = (typeof RISK_RULE_IDS)[number];
