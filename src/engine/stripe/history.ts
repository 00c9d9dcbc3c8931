import { TruenorthError } from '../../errors.js';
import { num, str, type Obj } from './discounts.js';
import { accountOf, subscriptionMrr, type StripeFact, type SubscriptionState } from './facts.js';
import { invoiceFacts } from './invoice.js';
import { itemsOverTime, type PriceBook } from './plans.js';

/**
 * A subscription as Stripe lists it today, told as the states its webhooks would have delivered:
 * from its start (trialing until `trial_end` when it had a trial), and ended at `ended_at` when it
 * is canceled or expired. A subscription that ended was paying before (`canceled`) or never paid
 * (`incomplete_expired`). Its items over time are those its invoices billed (plans.ts), each change
 * a state of its own; without invoices, today's items from the start.
 */
export function subscriptionHistory(sub: Obj, invoices: readonly Obj[] = [], prices: PriceBook = new Map()): SubscriptionState[] {
  const subscriptionId = str(sub.id);
  if (!subscriptionId) throw new TruenorthError('invalid_event', 'a listed subscription has no id');
  const what = `subscription ${subscriptionId}`;
  const accountId = accountOf(sub, what);
  const start = num(sub.start_date) ?? num(sub.created);
  if (start === undefined) throw new TruenorthError('invalid_event', `${what}: no start_date`);
  const status = str(sub.status) ?? 'active';
  const endedAt = status === 'canceled' || status === 'incomplete_expired' ? num(sub.ended_at) ?? num(sub.canceled_at) : undefined;
  const before = endedAt === undefined ? status : status === 'canceled' ? 'active' : 'incomplete';
  const trialEnd = num(sub.trial_end);
  const hadTrial = trialEnd !== undefined && trialEnd > start;
  const timeline = itemsOverTime(sub, invoices, prices);
  const itemsAt = (seconds: number) => (timeline.filter((t) => t.at <= seconds).at(-1) ?? timeline[0])?.items;
  const state = (seconds: number, status: string | undefined, ended = false): SubscriptionState => {
    const items = itemsAt(seconds);
    const object = { ...sub, ...(status ? { status } : {}), ...(items ? { items: { ...(sub.items as Obj), data: items } } : {}) };
    subscriptionMrr(object, seconds * 1000); // refuses an overflowing amount before anything is stored
    return { subscriptionId, accountId, effectiveAt: seconds * 1000, ended, object };
  };
  const paysFrom = hadTrial ? trialEnd : start;
  const states = [state(start, hadTrial ? 'trialing' : before)];
  if (hadTrial && (endedAt === undefined || trialEnd < endedAt)) states.push(state(trialEnd, before));
  for (const { at } of timeline) {
    if (at > start && at !== paysFrom && (endedAt === undefined || at < endedAt)) states.push(state(at, at < paysFrom ? 'trialing' : before));
  }
  if (endedAt !== undefined) states.push(state(Math.max(endedAt, start), undefined, true));
  return states.sort((a, b) => a.effectiveAt - b.effectiveAt);
}

/** An invoice's discounts as a fact; none when it bills no subscription's recurring lines. */
export function listedInvoiceFacts(invoice: Obj): StripeFact[] {
  const facts = invoiceFacts(invoice);
  return facts ? [{ kind: 'invoice', invoice: facts }] : [];
}

/** A listed subscription's states, its items over time read from its invoices. */
export function listedSubscriptionFacts(sub: Obj, invoices: readonly Obj[] = [], prices: PriceBook = new Map()): StripeFact[] {
  return subscriptionHistory(sub, invoices, prices).map((state) => ({ kind: 'subscription', state }));
}

