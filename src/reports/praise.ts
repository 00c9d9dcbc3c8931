import type { ScorecardRow } from './scorecard.js';

/**
 * A rate or ratio is praised only when taken over at least this many customers: below it a lucky
 * week reads as a triumph (0 of 2 customers churned is "0.0 % churn"). With none churning out of n,
 * the plausible true rate still reaches about 3 ÷ n (the rule of three): 15 % at 20.
 */
export const MIN_PRAISE_BASE = 20;

/**
 * Whether this week's value is worth praise: data, and for a rate or ratio a base of at least
 * MIN_PRAISE_BASE (a rate whose base is unknown is not praised); anything else must be above zero.
 */
export function hasPraiseBase(row: ScorecardRow): boolean {
  const last = row.values.length - 1;
  const value = row.values[last];
  if (value === null || value === undefined || !Number.isFinite(value)) return false;
  if (row.unit === 'rate' || row.unit === 'ratio') {
    const base = row.base?.[last];
    return base !== null && base !== undefined && base >= MIN_PRAISE_BASE;
  }
  return value > 0;
}

/** Owners whose row hit its target this week, on data with a base large enough to mean it (docs/no-data.md). */
export function praiseFor(rows: ScorecardRow[]): { owner: string; metric: string }[] {
  return rows
    .filter((r) => r.owner && r.status[r.status.length - 1] === 'on_track' && hasPraiseBase(r))
    .map((r) => ({ owner: r.owner!, metric: r.id }));
}
