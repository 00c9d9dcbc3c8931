import { InputError, isTruenorthError } from '../../errors.js';
import { readCsvRows } from '../ingest/csv-rows.js';
import type { Obj } from './discounts.js';
import { groupBy, minorPerMajorOf, type StripeFact } from './facts.js';
import { subscriptionHistory } from './history.js';
import { stageOf, VOID_STAGE } from './invoice.js';

/**
 * Stripe dashboard CSV exports of subscriptions and invoices, for teams that cannot issue a key.
 * A subscriptions row (one per subscription item; rows sharing an `id` are one subscription) is
 * rebuilt as the subscription object the API would list and told by the same rules (history.ts);
 * an invoices row tells what its discount took off the subscription's coupon. Column names are
 * matched without regard to case; the columns read are listed in docs/stripe.md.
 */
interface ItemRow {
  id: string; customer: string; account: string | undefined; status: string; start: number; created: number | undefined;
  trialStart: number | undefined; trialEnd: number | undefined; canceledAt: number | undefined; endedAt: number | undefined;
  plan: string | undefined; quantity: number; interval: string; intervalCount: number; unitMinor: number; currency: string; coupon: string | undefined;
}
interface InvoiceRow { id: string; subscription: string; status: string | undefined; periodStart: number; subtotalMinor: number; discountMinor: number }

export type StripeCsvKind = 'subscriptions' | 'invoices';
const REQUIRED: Record<StripeCsvKind, string[]> = {
  subscriptions: ['id', 'customer id', 'status', 'amount', 'interval'],
  invoices: ['id', 'subscription', 'subtotal', 'period start (utc)'],
};

type Get = (column: string) => string | undefined;
const getter = (record: Record<string, string>): Get => {
  const lower = new Map(Object.entries(record).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));
  return (column) => (lower.get(column) || undefined);
};

/** A date of the exports (`2026-01-01 00:00`, UTC) in Unix seconds. */
function seconds(get: Get, column: string): number | undefined {
  const text = get(column);
  if (!text) return undefined;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`${column}: not a date: ${JSON.stringify(text)}`);
  return Math.floor(ms / 1000);
}

function amount(get: Get, column: string, currency: string): number {
  const text = get(column) ?? '0';
  const major = Number(text.replace(/,/g, ''));
  if (!Number.isFinite(major)) throw new Error(`${column}: not an amount: ${JSON.stringify(text)}`);
  return Math.round(major * minorPerMajorOf(currency));
}

function itemRow(record: Record<string, string>): ItemRow {
  const get = getter(record);
  const currency = (get('currency') ?? 'usd').toLowerCase();
  const start = seconds(get, 'start (utc)') ?? seconds(get, 'start date (utc)') ?? seconds(get, 'created (utc)');
  if (start === undefined) throw new Error('start (utc): required (or created (utc))');
  const quantity = Number(get('quantity') ?? '1');
  if (!Number.isFinite(quantity) || quantity < 0) throw new Error(`quantity: not a number: ${JSON.stringify(get('quantity'))}`);
  return {
    id: get('id') ?? '', customer: get('customer id') ?? '', account: get('account_id (metadata)'), status: (get('status') ?? '').toLowerCase(),
    start, created: seconds(get, 'created (utc)'), trialStart: seconds(get, 'trial start (utc)'), trialEnd: seconds(get, 'trial end (utc)'),
    canceledAt: seconds(get, 'canceled at (utc)'), endedAt: seconds(get, 'ended at (utc)'),
    plan: get('plan') ?? get('product'), quantity, interval: (get('interval') ?? '').toLowerCase(), intervalCount: Number(get('interval count') ?? '1') || 1,
    unitMinor: amount(get, 'amount', currency), currency, coupon: get('coupon'),
  };
}

function invoiceRow(record: Record<string, string>): InvoiceRow {
  const get = getter(record);
  const currency = (get('currency') ?? 'usd').toLowerCase();
  const periodStart = seconds(get, 'period start (utc)');
  if (!get('id') || !get('subscription') || periodStart === undefined) throw new Error('id, subscription and period start (utc) are required');
  const discount = get('total discount amount') !== undefined ? 'total discount amount' : 'discount amount';
  return {
    id: get('id')!, subscription: get('subscription')!, status: get('status')?.toLowerCase(), periodStart,
    subtotalMinor: amount(get, 'subtotal', currency), discountMinor: amount(get, discount, currency),
  };
}

/** Which export a header is, from its columns. */
export function stripeCsvKind(record: Record<string, string>): StripeCsvKind | undefined {
  const columns = new Set(Object.keys(record).map((k) => k.trim().toLowerCase()));
  return (['subscriptions', 'invoices'] as const).find((kind) => REQUIRED[kind].every((c) => columns.has(c)));
}

export interface StripeCsvRead {
  subscriptions: ItemRow[];
  invoices: InvoiceRow[];
  rejected: number;
  errors: Array<{ object: string; reason: string }>;
}

/** Reads export files of either kind, detected by header; a bad row is reported with its line. */
export async function readStripeCsv(paths: readonly string[], strict = false): Promise<StripeCsvRead> {
  const read: StripeCsvRead = { subscriptions: [], invoices: [], rejected: 0, errors: [] };
  for (const path of paths) {
    let kind: StripeCsvKind | undefined;
    const rows = await readCsvRows<ItemRow | InvoiceRow>(path, {
      strict,
      checkHeader: (record) => {
        kind = stripeCsvKind(record);
        return kind ? null : `not a Stripe subscriptions export (columns ${REQUIRED.subscriptions.join(', ')}) nor an invoices export (${REQUIRED.invoices.join(', ')})`;
      },
      parse: (record) => (kind === 'invoices' ? invoiceRow(record) : itemRow(record)),
    });
    if (kind === 'invoices') read.invoices.push(...(rows.rows as InvoiceRow[]));
    else read.subscriptions.push(...(rows.rows as ItemRow[]));
    read.rejected += rows.rejected;
    read.errors.push(...rows.errors.map((e) => ({ object: `${path} line ${e.line}`, reason: e.reason })));
  }
  if (paths.length === 0) throw new InputError('import stripe: no export file given');
  return read;
}

/** The subscription object the API would list for a subscription's rows. */
function subscriptionObject(items: readonly ItemRow[]): Obj {
  const [first] = items;
  return {
    id: first.id, object: 'subscription', customer: first.customer, metadata: first.account ? { account_id: first.account } : {},
    status: first.status, start_date: first.start, created: first.created ?? first.start, currency: first.currency,
    trial_start: first.trialStart, trial_end: first.trialEnd, canceled_at: first.canceledAt, ended_at: first.endedAt,
    discounts: first.coupon ? [first.coupon] : [],
    items: { object: 'list', data: items.map((r, i) => ({
      id: `${r.id}_${i}`, object: 'subscription_item', quantity: r.quantity,
      price: { id: r.plan, object: 'price', nickname: r.plan, currency: r.currency, unit_amount: r.unitMinor, recurring: { interval: r.interval, interval_count: r.intervalCount, usage_type: 'licensed' } },
    })) },
  };
}

/** The facts the exports tell: each subscription's states, and each invoice's discount on the subscription's coupon. */
export function stripeCsvFacts(read: StripeCsvRead): { facts: StripeFact[]; subscriptions: number; rejected: number; errors: StripeCsvRead['errors'] } {
  const bySubscription = groupBy(read.subscriptions, (row) => row.id);
  const facts: StripeFact[] = [];
  const errors = [...read.errors];
  let rejected = read.rejected;
  for (const [id, items] of bySubscription) {
    try {
      facts.push(...subscriptionHistory(subscriptionObject(items)).map((state) => ({ kind: 'subscription' as const, state })));
    } catch (e) {
      if (!isTruenorthError(e)) throw e;
      rejected++;
      errors.push({ object: id, reason: e.message });
    }
  }
  for (const row of read.invoices) {
    const coupon = bySubscription.get(row.subscription)?.[0].coupon;
    const stage = stageOf(row.status);
    const told = stage !== VOID_STAGE;
    facts.push({ kind: 'invoice', invoice: {
      invoiceId: row.id, subscriptionId: row.subscription, periodStart: row.periodStart * 1000, stage,
      baseMinor: told ? row.subtotalMinor : 0, discounts: told && coupon && row.discountMinor ? { [coupon]: row.discountMinor } : {},
    } });
  }
  return { facts, subscriptions: bySubscription.size, rejected, errors };
}
