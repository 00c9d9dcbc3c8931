/** What every part of the generator shares: the seed, the window, ids, the sink and the tallies. */
import type { Window } from './calendar.js';
import type { Ids } from './identity.js';
import type { Quota } from './prng.js';
import type { Shapes } from './shapes.js';
import type { Stats } from './stats.js';

export interface DemoContext {
  seed: number;
  users: number;
  window: Window;
  ids: Ids;
  shapes: Shapes;
  stats: Stats;
  /** Campaign intensity per week (drives Integration Connected). */
  campaign: Float64Array;
  /** Signups per day and the index of each day's first user. */
  signupsPerDay: Int32Array;
  signupOffsets: Float64Array;
  /** Non-converting visitors per day and the index of each day's first visitor. */
  visitorsPerDay: Int32Array;
  visitorOffsets: Float64Array;
  /** Journey decisions (setup, first strike, KUI, upgrade) use low-variance sampling, in user order. */
  quotas: {
    setup: Quota[]; firstStrike: Quota[]; kui: Quota[]; upgrade: Quota[]; search: Quota[]; churn: Quota[]; quiet: Quota;
  };
  /** Ledger rows of the day being generated. */
  ledger: LedgerEntry[];
}

export interface LedgerEntry {
  ts: number;
  accountId: string;
  mrr: number;
  plan: string;
}

/** Stream purposes: each random stream is keyed by (seed, purpose, entity, period). */
export const PURPOSE = {
  signupVolume: 11,
  visitorVolume: 12,
  campaign: 13,
  visitor: 21,
  userPlan: 31,
  userWeek: 32,
  userDay: 33,
  finance: 41,
  quota: 51,
} as const;
