/**
 * MRR from the subscription ledger: per account at an instant, and the bridge between two instants
 * (new, reactivation, expansion, contraction, churn). Summed in integer cents, so the bridge identity
 *   MRR_end = MRR_start + new + reactivation + expansion − contraction − churn
 * holds exactly.
 */
import type { Period } from '../model/time.js';

// ---------------------------------------------------------------------------------------------
// Inputs

export interface LedgerEntryRow {
  account: string;
  /** '' when the ledger has no subscription ids: then an account has one subscription. */
  subscription: string;
  /** effective_at, epoch ms */
  t: number;
  /** MRR of the subscription from t on (monthly, major units; 0 = cancelled). */
  mrr: number;
  currency?: string | null;
}

export const toCents = (major: number): number => Math.round(major * 100);
export const major = (cents: number): number => cents / 100;

// ---------------------------------------------------------------------------------------------
// MRR at an instant

/** MRR per account (cents) counting ledger rows with `t ≤ at` (`inclusive`) or `t < at`; accounts at 0 are left out. */
export function accountMrrAt(ledger: readonly LedgerEntryRow[], at: number, inclusive = true): Map<string, number> {
  const latest = new Map<string, LedgerEntryRow>();
  for (const row of ledger) {
    if (inclusive ? row.t > at : row.t >= at) continue;
    const key = `${row.account}\u0000${row.subscription}`;
    const seen = latest.get(key);
    if (!seen || seen.t <= row.t) latest.set(key, row);
  }
  const out = new Map<string, number>();
  for (const row of latest.values()) out.set(row.account, (out.get(row.account) ?? 0) + toCents(row.mrr));
  for (const [account, cents] of out) if (cents <= 0) out.delete(account);
  return out;
}

/** Total MRR (major units) at an instant: the latest ledger row with effective_at ≤ t, summed over subscriptions. */
export function mrrAt(ledger: readonly LedgerEntryRow[], at: number): number {
  let cents = 0;
  for (const v of accountMrrAt(ledger, at).values()) cents += v;
  return major(cents);
}

// ---------------------------------------------------------------------------------------------
// The MRR bridge

/** One period's movements, in cents and account counts. */
export interface BridgeCents {
  mrrStart: number;
  newMrr: number;
  reactivation: number;
  expansion: number;
  contraction: number;
  churn: number;
  mrrEnd: number;
  customersStart: number;
  customersEnd: number;
  newCustomers: number;
  reactivatedCustomers: number;
  expandedCustomers: number;
  contractedCustomers: number;
  churnedCustomers: number;
}

export type MrrMovement = 'new' | 'reactivation' | 'expansion' | 'contraction' | 'churn';

/** Told of every account the bridge counts in a movement: the period's index, and its MRR (cents) at the period's start and end. */
export type MovementListener = (period: number, movement: MrrMovement, account: string, start: number, end: number) => void;

/**
 * The bridge for consecutive half-open periods [from, to): a row belongs to the period its
 * effective_at falls in; the MRR at a boundary counts the rows strictly before it, so MRR_start of a
 * period is the previous period's MRR_end. One sweep over the ledger in time order.
 */
export function mrrBridge(ledger: readonly LedgerEntryRow[], periods: readonly Pick<Period, 'from' | 'to'>[], listener?: MovementListener): BridgeCents[] {
  const rows = [...ledger].sort((a, b) => a.t - b.t);
  const firstPaid = new Map<string, number>();
  for (const r of rows) if (toCents(r.mrr) > 0 && !firstPaid.has(r.account)) firstPaid.set(r.account, r.t);

  const subscriptions = new Map<string, number>();
  const accounts = new Map<string, number>();
  let next = 0;
  /** Applies every row before `at`; returns the paying accounts then. */
  const stateBefore = (at: number): Map<string, number> => {
    while (next < rows.length && rows[next].t < at) {
      const r = rows[next++];
      const key = `${r.account}\u0000${r.subscription}`;
      const cents = toCents(r.mrr);
      const delta = cents - (subscriptions.get(key) ?? 0);
      subscriptions.set(key, cents);
      accounts.set(r.account, (accounts.get(r.account) ?? 0) + delta);
    }
    const paying = new Map<string, number>();
    for (const [account, cents] of accounts) if (cents > 0) paying.set(account, cents);
    return paying;
  };

  const out: BridgeCents[] = [];
  let start = periods.length ? stateBefore(periods[0].from) : new Map<string, number>();
  for (let i = 0; i < periods.length; i++) {
    const p = periods[i];
    if (i > 0 && periods[i - 1].to !== p.from) start = stateBefore(p.from);
    const end = stateBefore(p.to);
    const b: BridgeCents = {
      mrrStart: 0, newMrr: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0, mrrEnd: 0,
      customersStart: start.size, customersEnd: end.size,
      newCustomers: 0, reactivatedCustomers: 0, expandedCustomers: 0, contractedCustomers: 0, churnedCustomers: 0,
    };
    for (const [account, s] of start) {
      b.mrrStart += s;
      const e = end.get(account) ?? 0;
      if (e === 0) { b.churn += s; b.churnedCustomers++; listener?.(i, 'churn', account, s, e); }
      else if (e > s) { b.expansion += e - s; b.expandedCustomers++; listener?.(i, 'expansion', account, s, e); }
      else if (e < s) { b.contraction += s - e; b.contractedCustomers++; listener?.(i, 'contraction', account, s, e); }
    }
    for (const [account, e] of end) {
      b.mrrEnd += e;
      if (start.has(account)) continue;
      const paidBefore = (firstPaid.get(account) ?? Infinity) < p.from;
      if (paidBefore) { b.reactivation += e; b.reactivatedCustomers++; listener?.(i, 'reactivation', account, 0, e); }
      else { b.newMrr += e; b.newCustomers++; listener?.(i, 'new', account, 0, e); }
    }
    out.push(b);
    start = end;
  }
  return out;
}
