/**
 * Stripe objects → the facts the subscription ledger is derived from (ledger.ts): a subscription as
 * an event or a listing showed it from an instant on, and what an invoice's discounts took off.
 */
import { MAX_MRR } from '../ingest/import-ledger.js';
import { TruenorthError } from '../../errors.js';
import { discountsOf, discountsOff, isObj, monthlyFactor, num, str, type Interval, type Obj } from './discounts.js';
import { invoiceFacts, type InvoiceFacts } from './invoice.js';

/** ISO-4217 currencies without minor units in Stripe amounts. */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);

/** Minor units per major unit in Stripe amounts: 1 for zero-decimal currencies, else 100. */
export function minorPerMajorOf(currency: string | null | undefined): number {
  return currency && ZERO_DECIMAL.has(currency.toUpperCase()) ? 1 : 100;
}

/** Statuses that are not (or no longer) paying: trials, never paid, ended, paused. */
const NOT_PAYING = new Set(['trialing', 'incomplete', 'incomplete_expired', 'canceled', 'unpaid', 'paused']);

const SUBSCRIPTION_EVENTS = new Set(['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted']);

interface ItemPrice {
  amount: number;
  interval: string | undefined;
  count: number;
  metered: boolean;
  label: string | undefined;
  currency: string | undefined;
  /** Where the item is in the event, for error messages. */
  field: string;
}

function itemPrice(item: Obj, index: number): ItemPrice | undefined {
  const price = isObj(item.price) ? item.price : isObj(item.plan) ? item.plan : undefined;
  if (!price) return undefined;
  const recurring = isObj(price.recurring) ? price.recurring : price;
  const unit = num(price.unit_amount) ?? (str(price.unit_amount_decimal) ? Number(price.unit_amount_decimal) : undefined) ?? num(price.amount);
  if (unit === undefined || !Number.isFinite(unit)) return undefined;
  const quantity = num(item.quantity) ?? 1;
  return {
    amount: unit * quantity,
    interval: str(recurring.interval),
    count: num(recurring.interval_count) ?? 1,
    metered: recurring.usage_type === 'metered',
    label: str(price.nickname) ?? str(price.lookup_key) ?? str(price.id),
    currency: str(price.currency),
    field: `data.object.items.data[${index}]`,
  };
}

/**
 * How much of the list price an id-only discount takes off at an instant, as invoices told it
 * (see ledger.ts); undefined while no invoice has told it.
 */
export type DiscountShare = (discountId: string, at: number) => number | undefined;

export interface SubscriptionValue {
  mrr: number;
  plan: string | null;
  currency: string | null;
  /** Discount ids whose amount is not known yet: counted at list price meanwhile. */
  unresolved: string[];
}

/**
 * The MRR of a subscription object in major units per month: the sum of its licensed recurring
 * items, normalised to a month, less its recurring discounts (discounts.ts). Trials, unpaid
 * and ended subscriptions, free plans and metered (usage) prices are not MRR, as ChartMogul, Stripe
 * and Baremetrics count it.
 */
export function subscriptionMrr(sub: Obj, at: number, share: DiscountShare = () => undefined): SubscriptionValue {
  const items = isObj(sub.items) && Array.isArray(sub.items.data) ? sub.items.data.filter(isObj) : [];
  const prices = items.map((item, i) => ({ item, price: itemPrice(item, i) }));
  const known = prices.map((p) => p.price).filter((p): p is ItemPrice => p !== undefined);
  const currency = (str(sub.currency) ?? known[0]?.currency)?.toUpperCase() ?? null;
  const minorPerMajor = minorPerMajorOf(currency);
  const plan = known[0]?.label ?? null;
  const status = str(sub.status);
  if (status && NOT_PAYING.has(status)) return { mrr: 0, plan, currency, unresolved: [] };
  let list = 0;
  let itemOff = 0;
  let interval: Interval | undefined;
  for (const { item, price: p } of prices) {
    if (!p || p.metered) continue;
    const factor = monthlyFactor(p.interval, p.count);
    if (factor === undefined) continue;
    checkMrr(p.amount * factor / minorPerMajor, `${p.field}: unit_amount × quantity`);
    list += p.amount * factor;
    interval ??= { name: p.interval, count: p.count };
    itemOff += discountsOff(discountsOf(item, 'discounts'), p.amount * factor, { name: p.interval, count: p.count }, at).off;
  }
  const whole = discountsOff(discountsOf(sub, 'discount', 'discounts'), list, interval, at);
  const unresolved = [...whole.unresolved, ...items.flatMap((item) => discountsOff(discountsOf(item, 'discounts'), 0, undefined, at).unresolved)];
  let shared = 0;
  const waiting: string[] = [];
  for (const id of unresolved) {
    const fraction = share(id, at);
    if (fraction === undefined) waiting.push(id);
    else shared += list * fraction;
  }
  const major = Math.max(0, list - itemOff - whole.off - shared) / minorPerMajor;
  checkMrr(major, 'data.object: the MRR after discounts');
  return { mrr: Math.round(major * 100) / 100, plan, currency, unresolved: waiting };
}

/** An amount that overflowed or is beyond any real subscription is refused, not stored as MRR. */
function checkMrr(monthly: number, what: string): void {
  if (Number.isFinite(monthly) && Math.abs(monthly) <= MAX_MRR) return;
  throw new TruenorthError('invalid_event', `${what} comes to ${monthly} a month; at most ${MAX_MRR.toExponential()} is accepted`);
}

/** One subscription as an event showed it from an instant on; the ledger is derived from these and invoices. */
export interface SubscriptionState {
  subscriptionId: string;
  accountId: string;
  effectiveAt: number;
  /** A customer.subscription.deleted event: 0 from here on. */
  ended: boolean;
  object: Obj;
}

export type StripeFact = { kind: 'subscription'; state: SubscriptionState } | { kind: 'invoice'; invoice: InvoiceFacts };

export interface StripeMapping {
  type: string;
  /** What the event tells the ledger; undefined for an event type that does not touch it. */
  fact?: StripeFact;
}

/** The account a subscription belongs to: `metadata.account_id`, else its customer. */
export function accountOf(sub: Obj, what: string): string {
  const metadata = isObj(sub.metadata) ? sub.metadata : {};
  const customer = str(sub.customer) ?? (isObj(sub.customer) ? str(sub.customer.id) : undefined);
  const accountId = str(metadata.account_id) ?? customer;
  if (!accountId) throw new TruenorthError('invalid_event', `${what}: the subscription has no customer`);
  return accountId;
}

/** Maps a verified webhook event: customer.subscription.created/updated/deleted and invoice.* events. */
export function factFromStripeEvent(event: unknown): StripeMapping {
  if (!isObj(event) || typeof event.type !== 'string') throw new TruenorthError('invalid_event', 'expected a Stripe event object with a type');
  const type = event.type;
  const object = isObj(event.data) && isObj(event.data.object) ? event.data.object : undefined;
  if (type.startsWith('invoice.') && object?.object === 'invoice') {
    const invoice = invoiceFacts(object);
    return invoice ? { type, fact: { kind: 'invoice', invoice } } : { type };
  }
  if (!SUBSCRIPTION_EVENTS.has(type)) return { type };
  const sub = object;
  if (!sub || typeof sub.id !== 'string') throw new TruenorthError('invalid_event', `${type}: data.object is not a subscription`);
  const accountId = accountOf(sub, type);
  const eventTime = num(event.created);
  let seconds: number | undefined;
  if (type === 'customer.subscription.created') seconds = num(sub.start_date) ?? num(sub.created) ?? eventTime;
  else if (type === 'customer.subscription.deleted') seconds = num(sub.ended_at) ?? num(sub.canceled_at) ?? eventTime;
  else seconds = eventTime;
  if (seconds === undefined) throw new TruenorthError('invalid_event', `${type}: no created time`);
  const effectiveAt = seconds * 1000;
  subscriptionMrr(sub, effectiveAt); // refuses an overflowing amount before anything is stored
  const ended = type === 'customer.subscription.deleted';
  return { type, fact: { kind: 'subscription', state: { subscriptionId: sub.id, accountId, effectiveAt, ended, object: sub } } };
}

/** Items by key, in the order each key first appears; items without a key are left out. */
export function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
