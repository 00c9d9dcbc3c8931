import type Stripe from 'stripe';
import { InputError, TruenorthError, isTruenorthError } from '../../errors.js';
import type { Obj } from './discounts.js';
import { groupBy, type StripeFact } from './facts.js';
import { listedInvoiceFacts, listedSubscriptionFacts } from './history.js';
import { subscriptionOf } from './invoice.js';
import { pricesOfItems, unknownPrices } from './plans.js';
import type { StripeLedgerResult } from './ledger.js';

/**
 * The Stripe history through the official client: every subscription (all statuses, with their
 * items, prices and discounts) and every invoice, listed page by page, told as the facts the
 * webhooks store (history.ts) and written subscription by subscription. The facts are keyed as the
 * webhooks' are, so running it again changes nothing.
 */
export interface StripeApiOptions {
  /** A restricted key (rk_…) with read access, or a secret key. Never logged. */
  apiKey: string;
  /** Another host than api.stripe.com, e.g. `http://127.0.0.1:12111`. */
  apiBase?: string;
}

export interface StripeHistory {
  facts: StripeFact[];
  subscriptions: number;
  invoices: number;
  /** Objects (or rows) that could not be read; the first of them by id (or line). */
  rejected: number;
  errors: Array<{ object: string; reason: string }>;
}

export interface StripeImportReport {
  subscriptions: number;
  invoices: number;
  /** Ledger rows written, and of those how many were already stored. */
  ledger_rows: number;
  duplicates: number;
  rejected: number;
  errors: Array<{ object: string; reason: string }>;
  warnings: string[];
}

export type Progress = (done: number, total?: number) => void;

/**
 * The client library is loaded on first use: its hundreds of modules would otherwise be opened by
 * every process that never talks to Stripe, the server among them, at start-up.
 */
async function stripeLibrary(): Promise<typeof Stripe> {
  return (await import('stripe')).default;
}

export async function stripeClient(options: StripeApiOptions): Promise<Stripe> {
  const base = options.apiBase ? apiBase(options.apiBase) : undefined;
  const Stripe = await stripeLibrary();
  return new Stripe(options.apiKey, {
    apiVersion: Stripe.API_VERSION,
    maxNetworkRetries: 2,
    telemetry: false,
    appInfo: { name: 'truenorth' },
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === 'http:' ? 80 : 443), protocol: base.protocol === 'http:' ? 'http' : 'https' } : {}),
  });
}

function apiBase(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`--api-base: not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`--api-base: http or https only, not ${url.protocol}`);
  return url;
}

/**
 * Lists every subscription and invoice the key can read, as facts; `onListed` counts the objects.
 * A price the invoices bill that no subscription holds today (a plan changed since) is read from
 * the price list.
 */
export async function listStripeHistory(client: Stripe, apiKey: string, onListed: Progress = () => {}): Promise<StripeHistory> {
  const history: StripeHistory = { facts: [], subscriptions: 0, invoices: 0, rejected: 0, errors: [] };
  const subscriptions: Obj[] = [];
  const invoices: Obj[] = [];
  const take = (object: Obj, facts: () => StripeFact[]) => {
    try {
      history.facts.push(...facts());
    } catch (e) {
      if (!isTruenorthError(e)) throw e;
      history.rejected++;
      if (history.errors.length < 100) history.errors.push({ object: String(object.id), reason: e.message });
    }
  };
  await stripeCall(apiKey, async () => {
    const listing = client.subscriptions.list({ status: 'all', limit: 100, expand: ['data.discounts.source.coupon'] });
    for await (const sub of listing) {
      subscriptions.push(sub as unknown as Obj);
      onListed(++history.subscriptions);
    }
    for await (const listed of client.invoices.list({ limit: 100 })) {
      const invoice = listed as unknown as Obj;
      history.invoices++;
      take(invoice, () => listedInvoiceFacts(invoice));
      invoices.push(invoice);
      onListed(history.subscriptions + history.invoices);
    }
  });
  const invoicesOf = groupBy(invoices, subscriptionOf);
  const prices = pricesOfItems(subscriptions);
  if (unknownPrices([...invoicesOf.values()].flat(), prices).length > 0) {
    await stripeCall(apiKey, async () => {
      for await (const price of client.prices.list({ limit: 100 })) prices.set(price.id, price as unknown as Obj);
    });
  }
  for (const sub of subscriptions) take(sub, () => listedSubscriptionFacts(sub, invoicesOf.get(String(sub.id)) ?? [], prices));
  return history;
}

/** A failure of the API as one line, the key masked in whatever form the message carries it. */
async function stripeCall(apiKey: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    const Stripe = await stripeLibrary();
    if (!(e instanceof Stripe.errors.StripeError)) throw e;
    const said = maskKey(e.message, apiKey);
    if (e instanceof Stripe.errors.StripeAuthenticationError) throw new TruenorthError('stripe_api', `Stripe refused the API key: ${said}`);
    if (e instanceof Stripe.errors.StripePermissionError) {
      throw new TruenorthError('stripe_api', `the API key may not read this (a restricted key needs read on subscriptions, invoices, prices, coupons and customers): ${said}`);
    }
    if (e instanceof Stripe.errors.StripeConnectionError) throw new TruenorthError('stripe_api', `cannot reach the Stripe API: ${said}`);
    throw new TruenorthError('stripe_api', `the Stripe API answered ${e.statusCode ?? 'an error'}: ${said}`);
  }
}

function maskKey(message: string, apiKey: string): string {
  const forms = [apiKey, encodeURIComponent(apiKey), Buffer.from(apiKey).toString('base64'), Buffer.from(`${apiKey}:`).toString('base64')];
  let out = message;
  for (const form of forms) out = out.split(form).join('[redacted]');
  return out.replace(/\b(?:sk|rk)_[A-Za-z0-9_]{6,}/g, '[redacted]');
}

/** Writes the facts subscription by subscription through `apply` (one subscription's facts at a time). */
export async function writeStripeFacts(
  facts: readonly StripeFact[], apply: (facts: readonly StripeFact[]) => Promise<StripeLedgerResult>, onProgress: Progress = () => {},
): Promise<Pick<StripeImportReport, 'ledger_rows' | 'duplicates' | 'warnings'>> {
  const bySubscription = groupBy(facts, (fact) => (fact.kind === 'subscription' ? fact.state.subscriptionId : fact.invoice.subscriptionId));
  const result = { ledger_rows: 0, duplicates: 0, warnings: [] as string[] };
  let done = 0;
  for (const group of bySubscription.values()) {
    const written = await apply(group);
    result.ledger_rows += written.entries.length;
    result.duplicates += written.duplicates;
    result.warnings.push(...written.warnings);
    onProgress(++done, bySubscription.size);
  }
  return result;
}
