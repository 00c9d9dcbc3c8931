import Stripe from 'stripe';

/**
 * Stripe objects in the shape of the API version the `stripe` package pins, typed with its types
 * (the fields sent, `Pick`ed): what the webhooks deliver and the list endpoints answer.
 */
export const CURRENT_VERSION: typeof Stripe.API_VERSION = '2026-10-28.endive';

export type Coupon = Pick<Stripe.Coupon, 'id' | 'object' | 'duration' | 'duration_in_months' | 'percent_off' | 'amount_off' | 'currency'>;
export type Discount = Pick<Stripe.Discount, 'id' | 'object' | 'start' | 'end' | 'subscription'> & { source: { type: 'coupon'; coupon: Coupon } };
export type Price = Pick<Stripe.Price, 'id' | 'object' | 'currency' | 'unit_amount' | 'nickname'> & { recurring: Pick<Stripe.Price.Recurring, 'interval' | 'interval_count' | 'usage_type'> };
export type Item = Pick<Stripe.SubscriptionItem, 'id' | 'object' | 'quantity'> & { price: Price; discounts: Array<string | Discount> };
export type Subscription = Pick<Stripe.Subscription, 'id' | 'object' | 'customer' | 'status' | 'currency' | 'start_date' | 'created' | 'metadata'
  | 'trial_start' | 'trial_end' | 'canceled_at' | 'ended_at'>
  & { discounts: Array<string | Discount>; items: { object: 'list'; data: Item[] } };
export type Line = Pick<Stripe.InvoiceLineItem, 'id' | 'object' | 'amount' | 'currency' | 'discount_amounts' | 'period' | 'quantity'> & {
  parent: { type: 'subscription_item_details'; invoice_item_details: null; subscription_item_details: Pick<Stripe.InvoiceLineItem.Parent.SubscriptionItemDetails, 'proration' | 'subscription' | 'subscription_item'> };
  pricing: { type: 'price_details'; price_details: Stripe.InvoiceLineItem.Pricing.PriceDetails };
};
export type Invoice = Pick<Stripe.Invoice, 'id' | 'object' | 'customer' | 'status' | 'currency' | 'period_start' | 'period_end' | 'discounts' | 'total_discount_amounts'> & {
  parent: { type: 'subscription_details'; quote_details: null; subscription_details: Pick<Stripe.Invoice.Parent.SubscriptionDetails, 'subscription'> };
  lines: { object: 'list'; data: Line[] };
};

export const JAN = 1767225600;
export const FEB = 1769904000;
export const MAR = 1772323200;

export const coupon = (id: string, c: Partial<Coupon>): Coupon => ({ id, object: 'coupon', duration: 'forever', duration_in_months: null, percent_off: null, amount_off: null, currency: null, ...c });
export const discount = (id: string, sub: string, c: Coupon, end: number | null = null): Discount => ({ id, object: 'discount', start: JAN, end, subscription: sub, source: { type: 'coupon', coupon: c } });
export const price = (unit: number, interval: 'month' | 'year', usage: 'licensed' | 'metered' = 'licensed'): Price => ({
  id: `price_${interval}_${unit}${usage === 'metered' ? '_metered' : ''}`, object: 'price', currency: 'usd', unit_amount: unit, nickname: `${interval}ly`,
  recurring: { interval, interval_count: 1, usage_type: usage },
});
export const subscription = (id: string, unit: number, discounts: Array<string | Discount>, interval: 'month' | 'year' = 'month'): Subscription => ({
  id, object: 'subscription', customer: `cus_${id.slice(4)}`, status: 'active', currency: 'usd', start_date: JAN, created: JAN, metadata: {}, discounts,
  trial_start: null, trial_end: null, canceled_at: null, ended_at: null,
  items: { object: 'list', data: [{ id: `si_${id}`, object: 'subscription_item', quantity: 1, price: price(unit, interval), discounts: [] }] },
});
/** A subscription invoice's line billing `item` (as it was then) from `start` to `end`; a proration bills `amount`. */
export const line = (id: string, sub: Subscription, item: Item, start: number, end: number, proration?: { amount: number }): Line => ({
  id, object: 'line_item', amount: proration?.amount ?? (item.price.unit_amount ?? 0) * (item.quantity ?? 1), currency: 'usd', discount_amounts: [],
  period: { start, end }, quantity: item.quantity ?? 1,
  parent: { type: 'subscription_item_details', invoice_item_details: null, subscription_item_details: { proration: proration !== undefined, subscription: sub.id, subscription_item: item.id } },
  pricing: { type: 'price_details', price_details: { price: item.price.id, product: 'prod_1' } },
});

/** A paid invoice of `sub` issued at `start`: one line for its first item from `start` to `end`, or the lines given. */
export const invoice = (id: string, sub: Subscription, start: number, end: number, off: Record<string, number>, lines?: Line[]): Invoice => {
  const discountAmounts = Object.entries(off).map(([d, a]) => ({ amount: a, discount: d }));
  return {
    id, object: 'invoice', customer: sub.customer, status: 'paid', currency: 'usd', period_start: start, period_end: start,
    discounts: Object.keys(off), total_discount_amounts: discountAmounts,
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: sub.id } },
    lines: { object: 'list', data: lines ?? [{ ...line(`il_${id}`, sub, sub.items.data[0], start, end), discount_amounts: discountAmounts }] },
  };
};


/** Sends events to a server's /webhooks/stripe, signed with `secret` as Stripe signs them. */
export function webhookSender(url: () => string, secret: string) {
  const stripe = new Stripe('sk_test_truenorth', { apiVersion: CURRENT_VERSION });
  let sequence = 0;
  return async (type: string, object: object, created = JAN): Promise<{ status: number; body: Record<string, unknown> }> => {
    const payload = JSON.stringify({ id: `evt_${++sequence}`, object: 'event', api_version: CURRENT_VERSION, type, created, data: { object } });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret });
    const res = await fetch(`${url()}/webhooks/stripe`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
}
