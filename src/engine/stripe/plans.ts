import { isObj, num, str, type Obj } from './discounts.js';
import { stageOf, VOID_STAGE } from './invoice.js';

/**
 * A subscription's items over time, as its invoices billed them. Each billing period's recurring
 * lines (prorations and metered prices left out) give the items from the period's start; a
 * proration line marks a change within a period, whose items (those of the next period billed, or
 * today's when none is) start at the proration's `period.start`. Items that differ from the latest
 * billed ones with no proration to date the change are today's from the latest period on. Read in the current shape (lines
 * with `parent.subscription_item_details` and `pricing.price_details.price`, a price id unless
 * expanded) and in the shape before 2025-03-31.basil (`type: 'subscription'`, `proration`, `price`).
 */
export interface ItemsFrom {
  /** Seconds. */
  at: number;
  items: Obj[];
}

/** Price id → price object, from the subscriptions' items and any price listed on its own. */
export type PriceBook = ReadonlyMap<string, Obj>;

type BilledLine = { proration: true; start: number } | { proration: false; itemId: string | undefined; price: Obj | string; quantity: number; start: number };

/**
 * A line's part in the items over time: a proration (from a subscription item, or a pending invoice
 * item the change created) marks its start; a recurring line bills a price and quantity; other lines
 * (one-off invoice items) are none.
 */
function billedLine(line: Obj): BilledLine | undefined {
  const parent = isObj(line.parent) ? line.parent : undefined;
  const details = parent && isObj(parent.subscription_item_details) ? parent.subscription_item_details : undefined;
  const oneOff = parent && isObj(parent.invoice_item_details) ? parent.invoice_item_details : undefined;
  const start = isObj(line.period) ? num(line.period.start) : undefined;
  if (start === undefined) return undefined;
  if ((details ?? oneOff ?? line).proration === true) return { proration: true, start };
  if (!details && (oneOff || line.type !== 'subscription')) return undefined;
  const pricing = isObj(line.pricing) && isObj(line.pricing.price_details) ? line.pricing.price_details.price : undefined;
  const price = isObj(pricing) || str(pricing) ? pricing : isObj(line.price) ? line.price : undefined;
  if (!price) return undefined;
  const itemId = str(details?.subscription_item) ?? str(line.subscription_item);
  return { proration: false, itemId, price: price as Obj | string, quantity: num(line.quantity) ?? 1, start };
}

const priceId = (price: Obj | string): string | undefined => (typeof price === 'string' ? price : str(price.id));

function isMetered(price: Obj): boolean {
  return (isObj(price.recurring) ? price.recurring.usage_type : price.usage_type) === 'metered';
}

/** The key two item lists share when they bill the same prices in the same quantities. */
const itemsKey = (items: readonly Obj[]): string =>
  items.map((i) => `${str(i.id) ?? ''}:${isObj(i.price) ? str(i.price.id) ?? '' : ''}:${num(i.quantity) ?? 1}`).sort().join('|');

/**
 * The items from each instant on, earliest first, consecutive equal lists merged; empty when the
 * invoices bill no recurring line, or one whose price is not known (the subscription then keeps
 * today's items throughout).
 */
export function itemsOverTime(sub: Obj, invoices: readonly Obj[], prices: PriceBook): ItemsFrom[] {
  const today = isObj(sub.items) && Array.isArray(sub.items.data) ? sub.items.data.filter(isObj) : [];
  const todayById = new Map(today.map((item) => [str(item.id), item]));
  const meteredToday = today.filter((item) => isObj(item.price) && isMetered(item.price));
  const periods = new Map<number, Obj[]>();
  const changes = new Set<number>();
  for (const invoice of invoices) {
    if (stageOf(str(invoice.status)) === VOID_STAGE) continue;
    const lines = isObj(invoice.lines) && Array.isArray(invoice.lines.data) ? invoice.lines.data.filter(isObj) : [];
    for (const line of lines.map(billedLine)) {
      if (!line) continue;
      if (line.proration) {
        changes.add(line.start);
        continue;
      }
      const id = priceId(line.price);
      const price = typeof line.price === 'string' ? (id ? prices.get(id) : undefined) : line.price;
      if (!price) return [];
      if (isMetered(price)) continue;
      const known = line.itemId ? todayById.get(line.itemId) : undefined;
      const item: Obj = { discounts: [], ...known, id: line.itemId ?? known?.id, object: 'subscription_item', price, quantity: line.quantity };
      const items = periods.get(line.start) ?? [];
      if (!items.some((i) => itemsKey([i]) === itemsKey([item]))) items.push(item);
      periods.set(line.start, items);
    }
  }
  if (periods.size === 0) return [];
  const billed = [...periods].sort((a, b) => a[0] - b[0]);
  const timeline: ItemsFrom[] = billed.map(([at, items]) => ({ at, items: [...items, ...meteredToday] }));
  for (const at of changes) {
    if (periods.has(at)) continue;
    const next = billed.find(([start]) => start > at);
    timeline.push({ at, items: next ? [...next[1], ...meteredToday] : today });
  }
  timeline.sort((a, b) => a.at - b.at);
  // A change no invoice has billed yet, nor marked with a proration: today's items from the latest period on.
  const last = timeline[timeline.length - 1];
  if (itemsKey(last.items) !== itemsKey(today)) timeline[timeline.length - 1] = { at: last.at, items: today };
  return timeline.filter((entry, i) => i === 0 || itemsKey(entry.items) !== itemsKey(timeline[i - 1].items));
}

/** The price ids the invoices bill that the book does not hold. */
export function unknownPrices(invoices: readonly Obj[], prices: PriceBook): string[] {
  const missing = new Set<string>();
  for (const invoice of invoices) {
    const lines = isObj(invoice.lines) && Array.isArray(invoice.lines.data) ? invoice.lines.data.filter(isObj) : [];
    for (const line of lines.map(billedLine)) {
      if (line && !line.proration && typeof line.price === 'string' && !prices.has(line.price)) missing.add(line.price);
    }
  }
  return [...missing];
}

/** The prices of the listed subscriptions' items, by id. */
export function pricesOfItems(subscriptions: readonly Obj[]): Map<string, Obj> {
  const book = new Map<string, Obj>();
  for (const sub of subscriptions) {
    const items = isObj(sub.items) && Array.isArray(sub.items.data) ? sub.items.data.filter(isObj) : [];
    for (const item of items) {
      const id = isObj(item.price) ? str(item.price.id) : undefined;
      if (id && isObj(item.price)) book.set(id, item.price);
    }
  }
  return book;
}
