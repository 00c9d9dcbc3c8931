import { TruenorthError } from '../../errors.js';
import { num, str, type Obj } from './discounts.js';
import { accountOf, subscriptionMrr, type StripeFact, type SubscriptionState } from './facts.js';
import { invoiceFacts } from './invoice.js';

/**
 * A subscription as Stripe lists it today, told as the states its webhooks would have delivered:
 * from its start (trialing until `trial_end` when it had a trial), and ended at `ended_at` when it
 * is canceled or expired. A subscription that ended was paying before (`canceled`) or never paid
 * (`incomplete_expired`). The items are today's: a change of plan or quantity before now is dated
 * by the invoices only as far as their discounts go (docs/stripe.md).
 */
export function subscriptionHistory(sub: Obj): SubscriptionState[] {
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
  const state = (seconds: number, object: Obj, ended = false): SubscriptionState => {
    subscriptionMrr(object, seconds * 1000); // refuses an overflowing amount before anything is stored
    return { subscriptionId, accountId, effectiveAt: seconds * 1000, ended, object };
  };
  const states = [state(start, { ...sub, status: hadTrial ? 'trialing' : before })];
  if (hadTrial && (endedAt === undefined || trialEnd < endedAt)) states.push(state(trialEnd, { ...sub, status: before }));
  if (endedAt !== undefined) states.push(state(Math.max(endedAt, start), sub, true));
  return states;
}

/** The facts of one listed object: a subscription's states, or an invoice's discounts (none when it bills no subscription). */
export function listedFacts(object: Obj): StripeFact[] {
  if (object.object === 'invoice') {
    const invoice = invoiceFacts(object);
    return invoice ? [{ kind: 'invoice', invoice }] : [];
  }
  return subscriptionHistory(object).map((state) => ({ kind: 'subscription', state }));
}

