/**
 * Stripe discounts on a subscription, in each shape the API versions send them:
 * - `discounts: ['di_…']`, ids only (current versions' webhooks): the amount is not in the event;
 *   invoices tell it (invoice.ts), and until one does the id is reported as unresolved;
 * - `discounts: [Discount]`, expanded, with the coupon at `source.coupon` (2025-09-30.clover and
 *   later) or at `coupon` (earlier versions);
 * - `discount: Discount`, the singular field of versions before 2025-03-31.basil.
 * The same shapes are read on subscription items (`items.data[].discounts`).
 * A coupon counts while it recurs: `forever`, or `repeating` until the discount's `end`; `once`
 * is a one-off reduction of one invoice and not MRR.
 */
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export interface Interval { name: string | undefined; count: number }

/** Months per billing interval of one unit: a yearly price counts 1/12 per month, and so on. */
export function monthlyFactor(interval: string | undefined, count: number): number | undefined {
  const n = count > 0 ? count : 1;
  switch (interval) {
    case 'month': return 1 / n;
    case 'year': return 1 / (12 * n);
    case 'week': return 52 / 12 / n;
    case 'day': return 365 / 12 / n;
    default: return undefined;
  }
}

/**
 * The discounts an object lists under the given fields: ids or expanded objects, each once (older
 * versions list the singular `discount` expanded and its id in `discounts` too; the object wins).
 */
export function discountsOf(owner: Obj, ...fields: string[]): Array<string | Obj> {
  const all: Array<string | Obj> = [];
  for (const field of fields) {
    const value = owner[field];
    if (isObj(value)) all.push(value);
    else if (Array.isArray(value)) for (const d of value) if (isObj(d) || str(d)) all.push(d as string | Obj);
  }
  const expanded = new Set(all.filter(isObj).map((d) => str(d.id)).filter((id) => id !== undefined));
  const seen = new Set<string>();
  return all.filter((d) => {
    const id = typeof d === 'string' ? d : str(d.id);
    if (id === undefined) return true;
    if (seen.has(id) || (typeof d === 'string' && expanded.has(id))) return false;
    seen.add(id);
    return true;
  });
}

/** The coupon of an expanded discount, wherever the version puts it; undefined when only its id is there. */
function couponOf(discount: Obj): Obj | undefined {
  if (isObj(discount.coupon)) return discount.coupon;
  if (isObj(discount.source) && isObj(discount.source.coupon)) return discount.source.coupon;
  return undefined;
}

/**
 * What the expanded discounts take off `monthly` (minor units a month) at `at`, and the ids of the
 * discounts whose coupon is not in the event.
 */
export function discountsOff(discounts: ReadonlyArray<string | Obj>, monthly: number, interval: Interval | undefined, at: number): { off: number; unresolved: string[] } {
  let off = 0;
  const unresolved: string[] = [];
  for (const d of discounts) {
    const coupon = typeof d === 'string' ? undefined : couponOf(d);
    if (!coupon) {
      const id = typeof d === 'string' ? d : str(d.id);
      if (id) unresolved.push(id);
      continue;
    }
    if (coupon.duration === 'once' || !running(d as Obj, coupon, at)) continue;
    const percent = num(coupon.percent_off);
    const amount = num(coupon.amount_off);
    if (percent !== undefined) off += (monthly * percent) / 100;
    else if (amount !== undefined) off += amount * (monthlyFactor(interval?.name ?? 'month', interval?.count ?? 1) ?? 1);
  }
  return { off, unresolved };
}

/** When a repeating discount stops: its `end`, or `start` + `duration_in_months` when the version sent no end. */
function endOf(discount: Obj, coupon: Obj): number | undefined {
  const end = num(discount.end);
  if (end !== undefined) return end * 1000;
  const start = num(discount.start);
  const months = num(coupon.duration_in_months);
  if (coupon.duration !== 'repeating' || start === undefined || months === undefined) return undefined;
  const d = new Date(start * 1000);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function running(discount: Obj, coupon: Obj, at: number): boolean {
  const end = endOf(discount, coupon);
  return end === undefined || end > at;
}

function allDiscounts(sub: Obj): Array<string | Obj> {
  const items = isObj(sub.items) && Array.isArray(sub.items.data) ? sub.items.data.filter(isObj) : [];
  return [...discountsOf(sub, 'discount', 'discounts'), ...items.flatMap((item) => discountsOf(item, 'discounts'))];
}

/** The instants at which an expanded repeating discount of the subscription ends: the MRR changes there. */
export function discountEnds(sub: Obj): number[] {
  const ends: number[] = [];
  for (const d of allDiscounts(sub)) {
    if (typeof d === 'string') continue;
    const coupon = couponOf(d);
    const end = coupon && coupon.duration !== 'once' ? endOf(d, coupon) : undefined;
    if (end !== undefined) ends.push(end);
  }
  return ends;
}

/** The ids of every discount the subscription lists, expanded or not. */
export function discountIds(sub: Obj): string[] {
  return allDiscounts(sub).map((d) => (typeof d === 'string' ? d : str(d.id))).filter((id): id is string => id !== undefined);
}
