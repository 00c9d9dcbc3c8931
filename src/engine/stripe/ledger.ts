import type { LedgerEntry } from '../ingest/import-ledger.js';
import { subscriptionMrr, type DiscountShare, type StripeFact, type SubscriptionState } from './facts.js';
import { discountEnds, discountIds, type Obj } from './discounts.js';
import type { InvoiceFacts } from './invoice.js';

/**
 * The Stripe rows of the subscription ledger, derived from every subscription state and invoice
 * a webhook delivered for the subscription. The same facts give the same rows whatever order they
 * came in and however often: each event stores its fact, then the subscription's rows are derived
 * again and the ones that changed are written.
 *
 * An id-only discount (current API versions) takes off the share of the list price that invoices
 * showed it taking: from the latest invoice for the subscription whose service period started at
 * or before the instant (an invoice without it: the discount has ended), else the first invoice
 * after. Invoices count from when a subscription event first listed the discount. Until an invoice
 * tells it, the row is at list price and the answer carries a warning.
 */
export interface DerivedRow { entry: LedgerEntry; unresolved: string[]; instant: 'state' | 'invoice' | 'discount_end' }

export function deriveLedger(states: readonly SubscriptionState[], invoices: readonly InvoiceFacts[]): DerivedRow[] {
  const byTime = [...states].sort((a, b) => a.effectiveAt - b.effectiveAt);
  const told = [...invoices].filter((i) => i.baseMinor > 0).sort((a, b) => a.periodStart - b.periodStart);
  const firstListed = new Map<string, number>();
  for (const s of byTime) for (const id of discountIds(s.object)) if (!firstListed.has(id)) firstListed.set(id, s.effectiveAt);
  const share: DiscountShare = (id, at) => {
    const from = firstListed.get(id);
    if (from === undefined) return undefined;
    const relevant = told.filter((i) => i.periodStart >= from);
    const invoice = relevant.filter((i) => i.periodStart <= at).at(-1) ?? relevant[0];
    return invoice ? (invoice.discounts[id] ?? 0) / invoice.baseMinor : undefined;
  };
  const instants = new Map<number, DerivedRow['instant']>();
  for (const s of byTime) for (const end of discountEnds(s.object)) instants.set(end, 'discount_end');
  for (const i of told) instants.set(i.periodStart, 'invoice');
  for (const s of byTime) instants.set(s.effectiveAt, 'state');
  const rows: DerivedRow[] = [];
  for (const [at, instant] of [...instants].sort((a, b) => a[0] - b[0])) {
    const state = byTime.filter((s) => s.effectiveAt <= at).at(-1);
    if (!state) continue;
    const value = subscriptionMrr(state.object, at, share);
    const mrr = state.ended ? 0 : value.mrr;
    const previous = rows.at(-1)?.entry;
    const same = previous && previous.mrr === mrr && previous.plan === value.plan && previous.currency === value.currency && previous.accountId === state.accountId;
    if (instant !== 'state' && same) continue;
    rows.push({
      entry: { accountId: state.accountId, subscriptionId: state.subscriptionId, effectiveAt: at, mrr, plan: value.plan, currency: value.currency },
      unresolved: state.ended ? [] : value.unresolved,
      instant,
    });
  }
  return rows;
}

/** A subscription state as a store holds it (`ended` a boolean, or 0/1). */
export interface StoredState { effective_ms: number | bigint; account_id: string; ended: boolean | number; object: string }
export interface StoredInvoice { invoice_id: string; period_start_ms: number | bigint; base_minor: number; discounts: string; stage: number }
/** A Stripe row of the subscription ledger: `t` is its instant in epoch milliseconds. */
export interface StoredLedgerRow { account_id: string; t: number | bigint; mrr: number; plan: string | null; currency: string | null }

/**
 * Where the Stripe facts and the ledger's Stripe rows live: one implementation per engine
 * (duckdb/stripe-facts.ts, clickhouse/stripe-facts.ts). A subscription state is keyed by
 * (subscription, instant), the later write replacing the earlier; an invoice by its id, a later
 * stage replacing an earlier one and never the reverse.
 */
export interface StripeFactStore {
  storeFact(fact: StripeFact): Promise<void>;
  states(subscriptionId: string): Promise<StoredState[]>;
  invoices(subscriptionId: string): Promise<StoredInvoice[]>;
  /** The ledger rows of source `stripe` for the subscription. */
  ledgerRows(subscriptionId: string): Promise<StoredLedgerRow[]>;
  dropLedgerRow(accountId: string, subscriptionId: string, t: number): Promise<void>;
  /** Writes ledger rows of source `stripe`; a row for the same (account, subscription, instant) replaces the earlier one. */
  writeLedger(entries: readonly LedgerEntry[]): Promise<{ duplicates: number }>;
}

async function loadFacts(store: StripeFactStore, subscriptionId: string): Promise<{ states: SubscriptionState[]; invoices: InvoiceFacts[] }> {
  const [states, invoices] = [await store.states(subscriptionId), await store.invoices(subscriptionId)];
  return {
    states: states.map((s) => ({ subscriptionId, accountId: s.account_id, effectiveAt: Number(s.effective_ms), ended: Boolean(s.ended), object: JSON.parse(s.object) as Obj })),
    invoices: invoices.map((i) => ({
      invoiceId: i.invoice_id, subscriptionId, periodStart: Number(i.period_start_ms), baseMinor: i.base_minor,
      discounts: JSON.parse(i.discounts) as Record<string, number>, stage: i.stage,
    })),
  };
}

export interface StripeLedgerResult {
  /** Rows written: the event's own instant, and any other row of the subscription whose value changed. */
  entries: LedgerEntry[];
  duplicates: number;
  /** Data-quality warnings about this event's subscription: amounts not known yet. */
  warnings: string[];
}

const subscriptionOf = (fact: StripeFact): string => (fact.kind === 'subscription' ? fact.state.subscriptionId : fact.invoice.subscriptionId);
const instantOf = (fact: StripeFact): number => (fact.kind === 'subscription' ? fact.state.effectiveAt : fact.invoice.periodStart);

/**
 * Stores facts of one subscription (at least one), then derives its ledger rows once and writes
 * the rows at the facts' own instants and any other row whose value changed.
 */
export async function applyStripeFacts(store: StripeFactStore, facts: readonly StripeFact[]): Promise<StripeLedgerResult> {
  const subscriptionId = subscriptionOf(facts[0]);
  if (facts.some((f) => subscriptionOf(f) !== subscriptionId)) throw new Error('applyStripeFacts: facts of one subscription at a time');
  for (const fact of facts) await store.storeFact(fact);
  const { states, invoices } = await loadFacts(store, subscriptionId);
  const derived = deriveLedger(states, invoices);
  const own = new Set(facts.map(instantOf));
  const existing = await store.ledgerRows(subscriptionId);
  const key = (account: string, t: number) => `${account}\u0000${t}`;
  const current = new Map(existing.map((r) => [key(r.account_id, Number(r.t)), r]));
  const entries = derived.map((d) => d.entry).filter((e) => {
    const row = current.get(key(e.accountId, e.effectiveAt));
    return own.has(e.effectiveAt) || !row || row.mrr !== e.mrr || row.plan !== e.plan || row.currency !== e.currency;
  });
  await dropUnderivedRows(store, subscriptionId, derived, states, invoices, existing.map((r) => ({ account: r.account_id, t: Number(r.t) })));
  const written = await store.writeLedger(entries);
  return { entries, duplicates: written.duplicates, warnings: warningsFor(facts[0], derived, states.length > 0) };
}

/**
 * An invoice's or a discount end's row that the facts no longer give (its value now equals the row
 * before it) is removed. Rows at subscription-event instants, and rows no fact of ours produced, stay.
 */
async function dropUnderivedRows(
  store: StripeFactStore, subscriptionId: string, derived: readonly DerivedRow[], states: readonly SubscriptionState[],
  invoices: readonly InvoiceFacts[], existing: ReadonlyArray<{ account: string; t: number }>,
): Promise<void> {
  const ours = new Set([...invoices.map((i) => i.periodStart), ...states.flatMap((s) => discountEnds(s.object))]);
  for (const s of states) ours.delete(s.effectiveAt);
  const kept = new Set(derived.map((d) => d.entry.effectiveAt));
  for (const row of existing) {
    if (!ours.has(row.t) || kept.has(row.t)) continue;
    await store.dropLedgerRow(row.account, subscriptionId, row.t);
  }
}

function warningsFor(fact: StripeFact, derived: readonly DerivedRow[], hasState: boolean): string[] {
  const subscriptionId = fact.kind === 'subscription' ? fact.state.subscriptionId : fact.invoice.subscriptionId;
  if (!hasState) {
    return [`invoice ${fact.kind === 'invoice' ? fact.invoice.invoiceId : ''} is for subscription ${subscriptionId}, which no customer.subscription.* event has described yet: its discounts are kept and applied when one arrives`];
  }
  const waiting = [...new Set(derived.flatMap((d) => d.unresolved))];
  if (waiting.length === 0) return [];
  return [`subscription ${subscriptionId} lists discount ${waiting.join(', ')} whose amount no invoice has shown yet: its MRR is recorded at list price until an invoice.* event for it arrives`];
}
