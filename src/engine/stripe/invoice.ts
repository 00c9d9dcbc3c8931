import { isObj, num, str, type Obj } from './discounts.js';

/**
 * What an `invoice.*` event tells about a subscription's discounts: over the invoice's recurring
 * subscription lines (prorations, one-off invoice items and metered prices left out), the amount
 * before discounts and what each discount took off. Read in the current shape (`parent.
 * subscription_details.subscription`, lines with `parent.subscription_item_details` and `pricing`)
 * and in the shape of versions before 2025-03-31.basil (`subscription`, lines with `type:
 * 'subscription'`, `proration`, `price`).
 */
export interface InvoiceFacts {
  invoiceId: string;
  subscriptionId: string;
  /** Start of the service period the recurring lines bill (ms): their earliest `period.start`. */
  periodStart: number;
  /** Sum of the recurring lines' `amount`, minor units. */
  baseMinor: number;
  /** Discount id → minor units it took off those lines. */
  discounts: Record<string, number>;
  /** Draft < open < paid/uncollectible < void: a later stage replaces an earlier one, never the reverse. */
  stage: number;
}

const STAGE: Record<string, number> = { draft: 0, open: 1, paid: 2, uncollectible: 2, void: 3 };

/** An invoice status's stage; a void invoice tells nothing (its amounts are left out). */
export const stageOf = (status: string | undefined): number => STAGE[status ?? 'draft'] ?? 0;
export const VOID_STAGE = STAGE.void;

const idOf = (v: unknown): string | undefined => str(v) ?? (isObj(v) ? str(v.id) : undefined);

/** The subscription an invoice bills, in either shape. */
export function subscriptionOf(invoice: Obj): string | undefined {
  const parent = isObj(invoice.parent) ? invoice.parent : undefined;
  const details = parent && isObj(parent.subscription_details) ? parent.subscription_details : undefined;
  return idOf(details?.subscription) ?? idOf(invoice.subscription);
}

/** A line billing a subscription item's recurring, licensed price for a whole period. */
function isRecurringLine(line: Obj): boolean {
  const parent = isObj(line.parent) ? line.parent : undefined;
  const item = parent && isObj(parent.subscription_item_details) ? parent.subscription_item_details : undefined;
  const recurring = item ? item.proration !== true : line.type === 'subscription' && line.proration !== true;
  if (!recurring) return false;
  const pricing = isObj(line.pricing) && isObj(line.pricing.price_details) ? line.pricing.price_details.price : undefined;
  const price = isObj(pricing) ? pricing : isObj(line.price) ? line.price : isObj(line.plan) ? line.plan : undefined;
  const usage = price && isObj(price.recurring) ? price.recurring.usage_type : price?.usage_type;
  return usage !== 'metered';
}

function addAmounts(into: Record<string, number>, amounts: unknown): void {
  if (!Array.isArray(amounts)) return;
  for (const a of amounts) {
    const id = isObj(a) ? idOf(a.discount) : undefined;
    const amount = isObj(a) ? num(a.amount) : undefined;
    if (id && amount !== undefined) into[id] = (into[id] ?? 0) + amount;
  }
}

/** The discount facts of an invoice object; undefined when it bills no subscription's recurring lines. */
export function invoiceFacts(invoice: Obj): InvoiceFacts | undefined {
  const invoiceId = str(invoice.id);
  const subscriptionId = subscriptionOf(invoice);
  const lines = isObj(invoice.lines) && Array.isArray(invoice.lines.data) ? invoice.lines.data.filter(isObj).filter(isRecurringLine) : [];
  if (!invoiceId || !subscriptionId || lines.length === 0) return undefined;
  const discounts: Record<string, number> = {};
  let baseMinor = 0;
  let periodStart: number | undefined;
  let lineLevel = false;
  for (const line of lines) {
    baseMinor += num(line.amount) ?? 0;
    if (Array.isArray(line.discount_amounts)) lineLevel = true;
    addAmounts(discounts, line.discount_amounts);
    const start = isObj(line.period) ? num(line.period.start) : undefined;
    if (start !== undefined) periodStart = Math.min(periodStart ?? start, start);
  }
  // Versions or invoices without line-level amounts: the invoice's totals.
  if (!lineLevel) addAmounts(discounts, invoice.total_discount_amounts);
  periodStart ??= num(invoice.period_start);
  if (periodStart === undefined) return undefined;
  const stage = stageOf(str(invoice.status));
  if (stage === VOID_STAGE) return { invoiceId, subscriptionId, periodStart: periodStart * 1000, baseMinor: 0, discounts: {}, stage };
  return { invoiceId, subscriptionId, periodStart: periodStart * 1000, baseMinor, discounts, stage };
}
