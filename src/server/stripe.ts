import { createHmac, timingSafeEqual } from 'node:crypto';
import { MAX_MRR, type LedgerEntry } from '../engine/ingest/import-ledger.js';
import { HttpError } from './payload.js';

/**
 * Stripe webhooks → the subscription ledger (SPEC §2, §3). The signature is checked as Stripe
 * documents it: header `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, with
 * the endpoint's signing secret, within a tolerance of 5 minutes.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function verifyStripeSignature(
  payload: Buffer, header: string | undefined, secret: string, now: number = Date.now(), tolerance = SIGNATURE_TOLERANCE_SECONDS,
): void {
  if (!header) throw new HttpError(400, 'invalid_signature', 'missing Stripe-Signature header');
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.split('=', 2).map((s) => s?.trim());
    if (k === 't' && v && /^\d{1,12}$/.test(v)) timestamp = Number(v);
    else if (k === 'v1' && v) signatures.push(v);
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new HttpError(400, 'invalid_signature', 'Stripe-Signature header has no timestamp or no v1 signature');
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(payload).digest();
  const match = signatures.some((hex) => {
    if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
    return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
  });
  if (!match) throw new HttpError(400, 'invalid_signature', 'Stripe signature does not match the endpoint secret');
  if (Math.abs(now / 1000 - timestamp) > tolerance) {
    throw new HttpError(400, 'invalid_signature', `Stripe signature timestamp is more than ${tolerance} s from now`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** ISO-4217 currencies without minor units in Stripe amounts. */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);

/** Statuses that are not (or no longer) paying: trials, never paid, ended, paused. */
const NOT_PAYING = new Set(['trialing', 'incomplete', 'incomplete_expired', 'canceled', 'unpaid', 'paused']);

const HANDLED = new Set(['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted']);

/** Months per billing interval of one unit: a yearly price counts 1/12 per month, and so on. */
function monthlyFactor(interval: string | undefined, count: number): number | undefined {
  const n = count > 0 ? count : 1;
  switch (interval) {
    case 'month': return 1 / n;
    case 'year': return 1 / (12 * n);
    case 'week': return 52 / 12 / n;
    case 'day': return 365 / 12 / n;
    default: return undefined;
  }
}

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
 * The MRR of a subscription object in major units per month: the sum of its licensed recurring
 * items, normalised to a month, less a recurring discount. Trials, unpaid and ended subscriptions,
 * free plans and metered (usage) prices are not MRR, as ChartMogul, Stripe and Baremetrics count it.
 */
export function subscriptionMrr(sub: Obj, at: number): { mrr: number; plan: string | null; currency: string | null } {
  const items = isObj(sub.items) && Array.isArray(sub.items.data) ? sub.items.data.filter(isObj) : [];
  const prices = items.map(itemPrice).filter((p): p is ItemPrice => p !== undefined);
  const currency = (str(sub.currency) ?? prices[0]?.currency)?.toUpperCase() ?? null;
  const minorPerMajor = currency && ZERO_DECIMAL.has(currency) ? 1 : 100;
  const plan = prices[0]?.label ?? null;
  const status = str(sub.status);
  if (status && NOT_PAYING.has(status)) return { mrr: 0, plan, currency };
  let minor = 0;
  let interval: { name: string | undefined; count: number } | undefined;
  for (const p of prices) {
    if (p.metered) continue;
    const factor = monthlyFactor(p.interval, p.count);
    if (factor === undefined) continue;
    checkMrr(p.amount * factor / minorPerMajor, `${p.field}: unit_amount × quantity`);
    minor += p.amount * factor;
    interval ??= { name: p.interval, count: p.count };
  }
  minor = Math.max(0, minor - discountPerMonth(sub, minor, interval, at));
  const major = minor / minorPerMajor;
  checkMrr(major, 'data.object: the MRR after discounts');
  return { mrr: Math.round(major * 100) / 100, plan, currency };
}

/** An amount that overflowed or is beyond any real subscription is refused, not stored as MRR. */
function checkMrr(monthly: number, what: string): void {
  if (Number.isFinite(monthly) && Math.abs(monthly) <= MAX_MRR) return;
  throw new HttpError(400, 'invalid_event', `${what} comes to ${monthly} a month; at most ${MAX_MRR.toExponential()} is accepted`);
}

/** A recurring coupon (`repeating` or `forever`, still running at `at`) off the monthly amount. */
function discountPerMonth(sub: Obj, monthly: number, interval: { name: string | undefined; count: number } | undefined, at: number): number {
  const discounts: Obj[] = [];
  if (isObj(sub.discount)) discounts.push(sub.discount);
  if (Array.isArray(sub.discounts)) for (const d of sub.discounts) if (isObj(d)) discounts.push(d);
  let off = 0;
  for (const d of discounts) {
    const coupon = isObj(d.coupon) ? d.coupon : isObj(d.source) && isObj(d.source.coupon) ? d.source.coupon : undefined;
    if (!coupon || coupon.duration === 'once') continue;
    const end = num(d.end);
    if (end !== undefined && end * 1000 <= at) continue;
    const percent = num(coupon.percent_off);
    const amount = num(coupon.amount_off);
    if (percent !== undefined) off += (monthly * percent) / 100;
    else if (amount !== undefined) off += amount * (monthlyFactor(interval?.name ?? 'month', interval?.count ?? 1) ?? 1);
  }
  return off;
}

export interface StripeMapping {
  type: string;
  /** Ledger rows to write; empty for an event type that does not touch the ledger. */
  entries: LedgerEntry[];
}

/** Maps a verified webhook event to ledger rows: customer.subscription.created/updated/deleted. */
export function ledgerFromStripeEvent(event: unknown): StripeMapping {
  if (!isObj(event) || typeof event.type !== 'string') throw new HttpError(400, 'invalid_event', 'expected a Stripe event object with a type');
  const type = event.type;
  if (!HANDLED.has(type)) return { type, entries: [] };
  const sub = isObj(event.data) && isObj(event.data.object) ? event.data.object : undefined;
  if (!sub || typeof sub.id !== 'string') throw new HttpError(400, 'invalid_event', `${type}: data.object is not a subscription`);
  const metadata = isObj(sub.metadata) ? sub.metadata : {};
  const customer = str(sub.customer) ?? (isObj(sub.customer) ? str(sub.customer.id) : undefined);
  const accountId = str(metadata.account_id) ?? customer;
  if (!accountId) throw new HttpError(400, 'invalid_event', `${type}: the subscription has no customer`);
  const eventTime = num(event.created);
  let seconds: number | undefined;
  if (type === 'customer.subscription.created') seconds = num(sub.start_date) ?? num(sub.created) ?? eventTime;
  else if (type === 'customer.subscription.deleted') seconds = num(sub.ended_at) ?? num(sub.canceled_at) ?? eventTime;
  else seconds = eventTime;
  if (seconds === undefined) throw new HttpError(400, 'invalid_event', `${type}: no created time`);
  const effectiveAt = seconds * 1000;
  const value = type === 'customer.subscription.deleted'
    ? { ...subscriptionMrr(sub, effectiveAt), mrr: 0 }
    : subscriptionMrr(sub, effectiveAt);
  return {
    type,
    entries: [{ accountId, subscriptionId: sub.id, effectiveAt, mrr: value.mrr, plan: value.plan, currency: value.currency }],
  };
}
