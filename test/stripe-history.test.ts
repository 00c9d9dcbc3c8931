import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { healthModelFromConfig, modelFromConfig } from '../src/config/model.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { revenueReport, type RevenuePeriod } from '../src/reports/revenue.js';
import { TruenorthServer } from '../src/server/app.js';
import { runCli } from './helpers/in-process-cli.js';
import { expanded, startStripeApi, type Resources, type StripeApiServer } from './helpers/stripe-api-server.js';
import { listedSubscriptionFacts } from '../src/engine/stripe/history.js';
import {
  coupon, CURRENT_VERSION, discount, FEB, invoice, JAN, MAR, price, subscription, webhookSender, type Subscription,
} from './helpers/stripe-objects.js';
import { FEB15, itemFeb, MAR10, seatInvoices, seatsFeb, seatsJan, seatsNow, smaller } from './helpers/stripe-seats.js';
import { readBeside } from './helpers/read-beside.js';
import { onReader } from '../src/engine/sql-engine.js';

/**
 * `truenorth import stripe` against a local server speaking Stripe's list endpoints, and the same
 * story told to another store through signed webhooks: the two ledgers, and the revenue reports
 * over them, are equal.
 *
 * The story, as Stripe lists it at the end of March 2026:
 * - sub_monthly: $100 a month from January;
 * - sub_annual: $1,200 a year with a discount listed by id, which its invoice shows taking $240: $80;
 * - sub_trial: $50 a month, trialing through January, paying from February;
 * - sub_churn: $200 a month, canceled and ended on March 1st;
 * - sub_metered: a $30 licensed price and a metered one (not MRR): $30;
 * - sub_repeating: $200 a month with a 50 % coupon for two months: $100, then $200 from March.
 */
const KEY = 'rk_test_51HistoryBackfillKey0123456789';
const SECRET = 'whsec_history_tests';

const monthly = subscription('sub_monthly', 10_000, []);
const annual = subscription('sub_annual', 120_000, ['di_y'], 'year');
const trialing: Subscription = { ...subscription('sub_trial', 5_000, []), status: 'trialing', trial_start: JAN, trial_end: FEB };
const paying: Subscription = { ...trialing, status: 'active' };
const churnActive = subscription('sub_churn', 20_000, []);
const churned: Subscription = { ...churnActive, status: 'canceled', canceled_at: MAR, ended_at: MAR };
const metered: Subscription = subscription('sub_metered', 3_000, []);
metered.items.data.push({ id: 'si_sub_metered_usage', object: 'subscription_item', quantity: 1, price: price(500, 'month', 'metered'), discounts: [] });
const halfForTwo = coupon('half2', { percent_off: 50, duration: 'repeating', duration_in_months: 2 });
const repeating = subscription('sub_repeating', 20_000, [discount('di_rep', 'sub_repeating', halfForTwo, MAR)]);
const invoices = [
  invoice('in_annual', annual, JAN, JAN + 365 * 86400, { di_y: 24_000 }),
  invoice('in_monthly_1', monthly, JAN, FEB, {}),
  invoice('in_monthly_2', monthly, FEB, MAR, {}),
];
const listed: Resources = { subscriptions: [monthly, annual, paying, churned, metered, repeating], invoices };

let dir: string;
let webhookStore: DuckDbStore;
let server: TruenorthServer;
let serverUrl: string;
let stripeApi: StripeApiServer;
const send = webhookSender(() => serverUrl, SECRET);

type LedgerRow = [string, string, string, number, string | null];

async function ledger(store: DuckDbStore): Promise<LedgerRow[]> {
  const rows = await readBeside<{ account_id: string; subscription_id: string; t: Date; mrr: number; plan: string | null }>(
    store, `SELECT account_id, subscription_id, effective_at AS t, mrr, plan FROM subscriptions ORDER BY subscription_id, effective_at`);
  return rows.map((r) => [r.account_id, r.subscription_id, new Date(r.t).toISOString().slice(0, 10), r.mrr, r.plan]);
}

async function revenue(store: DuckDbStore): Promise<RevenuePeriod[]> {
  const config = parseConfig(exampleConfigYaml('History'));
  // On a reader: a running server's write queue holds the store's writing connection.
  return onReader(store, async (reader) => {
    const ctx = reportContext(reader, modelFromConfig(config), Date.parse('2026-04-10T00:00:00Z'));
    return (await revenueReport(ctx, healthModelFromConfig(config), 'month', rangeOfPeriods('2026-01', '2026-03', ctx.model.time))).periods;
  });
}

/** The backfilled store, opened read-only for the length of `work`. */
async function withBackfilled<T>(work: (store: DuckDbStore) => Promise<T>, file = 'backfill.duckdb'): Promise<T> {
  const store = await DuckDbStore.open(join(dir, file), { readOnly: true });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const importStripe = (...args: string[]) => runCli(['--db', join(dir, 'backfill.duckdb'), 'import', 'stripe', '--api-base', stripeApi.url, ...args], { STRIPE_API_KEY: KEY });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-stripe-history-'));
  webhookStore = await DuckDbStore.open(join(dir, 'webhooks.duckdb'));
  server = await TruenorthServer.create({ store: webhookStore, host: '127.0.0.1', port: 0, stripeSecret: SECRET, logger: { level: 'error' } });
  serverUrl = await server.listen();
  stripeApi = await startStripeApi(listed, KEY);
  for (const sub of [monthly, annual, trialing, churnActive, metered, repeating]) await send('customer.subscription.created', sub);
  await send('customer.subscription.updated', paying, FEB);
  await send('customer.subscription.deleted', churned, MAR);
  for (const i of invoices) await send('invoice.paid', i, i.period_start);
});

afterAll(async () => {
  await server?.close();
  await webhookStore?.close();
  await stripeApi?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('truenorth import stripe', () => {
  it('lists every page of subscriptions (all statuses, discounts expanded) and invoices with the pinned version', async () => {
    const run = await importStripe('--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ subscriptions: 6, invoices: 3, rejected: 0, duplicates: 0, warnings: [] });
    const subscriptionPages = stripeApi.requests.filter((r) => r.path === '/v1/subscriptions');
    expect(subscriptionPages.map((r) => r.query.get('starting_after'))).toEqual([null, 'sub_annual', 'sub_churn']);
    expect(subscriptionPages.every((r) => r.query.get('status') === 'all' && expanded(r.query).includes('data.discounts.source.coupon'))).toBe(true);
    expect(stripeApi.requests.filter((r) => r.path === '/v1/invoices')).toHaveLength(2);
    expect(new Set(stripeApi.requests.map((r) => r.version))).toEqual(new Set([CURRENT_VERSION]));
    // Every price the invoices bill is on a subscription today: the price list is not read.
    expect(stripeApi.requests.filter((r) => r.path === '/v1/prices')).toEqual([]);
  });

  it('a subscription whose invoices bill today\'s items keeps the states it has without them', () => {
    const withInvoices = listedSubscriptionFacts(monthly, invoices.filter((i) => i.id.startsWith('in_monthly')), new Map());
    expect(withInvoices).toEqual(listedSubscriptionFacts(monthly));
    expect(withInvoices).toHaveLength(1);
  });

  it('rebuilds the ledger the webhooks built for the same story, row for row', async () => {
    const backfilled = await withBackfilled(ledger);
    expect(backfilled).toEqual(await ledger(webhookStore));
    expect(backfilled.filter((r) => r[1] === 'sub_trial' || r[1] === 'sub_churn' || r[1] === 'sub_repeating').map((r) => [r[1], r[2], r[3]])).toEqual([
      ['sub_churn', '2026-01-01', 200], ['sub_churn', '2026-03-01', 0],
      ['sub_repeating', '2026-01-01', 100], ['sub_repeating', '2026-03-01', 200],
      ['sub_trial', '2026-01-01', 0], ['sub_trial', '2026-02-01', 50],
    ]);
  });

  it('gives the same MRR, churn and NRR as the webhooks, equal to the hand-computed values', async () => {
    const periods = await withBackfilled(revenue);
    expect(periods).toEqual(await revenue(webhookStore));
    const [jan, feb, mar] = periods;
    // January: 100 + 80 + 200 + 30 + 100 = 510 over 5 paying customers; the trial pays from February (+50).
    expect([jan.mrr_end, jan.customers_end, feb.new, feb.mrr_end]).toEqual([510, 5, 50, 560]);
    // March: sub_churn leaves (-200), the repeating coupon ends (+100): 460.
    expect([mar.churn, mar.expansion, mar.mrr_end, mar.churned_customers]).toEqual([200, 100, 460, 1]);
    expect(mar.nrr).toBeCloseTo((560 - 200 + 100) / 560, 12);
  });

  it('run again, changes nothing', async () => {
    const before = await withBackfilled(ledger);
    const run = await importStripe('--json');
    const report = JSON.parse(run.stdout) as { ledger_rows: number; duplicates: number };
    expect(report.ledger_rows).toBeGreaterThan(0);
    expect(report.duplicates).toBe(report.ledger_rows);
    expect(await withBackfilled(ledger)).toEqual(before);
  });

  it('a refused key is one line naming the failure, and the key appears in no form', async () => {
    const wrong = 'rk_test_51WrongKeyForHistory987654321';
    const run = await runCli(['--db', join(dir, 'refused.duckdb'), 'import', 'stripe', '--api-base', stripeApi.url, '--key', wrong]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/Stripe refused the API key/);
    for (const form of [wrong, encodeURIComponent(wrong), Buffer.from(wrong).toString('base64'), wrong.slice(8)]) expect(run.stderr + run.stdout).not.toContain(form);
  });

  it('without a key, says how to give one', async () => {
    const run = await runCli(['--db', join(dir, 'nokey.duckdb'), 'import', 'stripe', '--api-base', stripeApi.url], { STRIPE_API_KEY: '' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--key or \$STRIPE_API_KEY/);
  });
});

describe('truenorth import stripe, a plan changed before today', () => {
  let changeStore: DuckDbStore;
  let changeServer: TruenorthServer;
  let changeUrl: string;
  let changeApi: StripeApiServer;
  const sendChange = webhookSender(() => changeUrl, SECRET);

  beforeAll(async () => {
    changeStore = await DuckDbStore.open(join(dir, 'change-webhooks.duckdb'));
    changeServer = await TruenorthServer.create({ store: changeStore, host: '127.0.0.1', port: 0, stripeSecret: SECRET, logger: { level: 'error' } });
    changeUrl = await changeServer.listen();
    changeApi = await startStripeApi({ subscriptions: [seatsNow], invoices: seatInvoices, prices: [itemFeb.price, smaller] }, KEY);
    await sendChange('customer.subscription.created', seatsJan);
    await sendChange('invoice.paid', seatInvoices[0], JAN);
    await sendChange('invoice.paid', seatInvoices[1], FEB);
    await sendChange('customer.subscription.updated', seatsFeb, FEB15);
    await sendChange('invoice.paid', seatInvoices[2], MAR);
    await sendChange('customer.subscription.updated', seatsNow, MAR10);
    await sendChange('invoice.paid', seatInvoices[3], MAR10);
  });

  afterAll(async () => {
    await changeServer?.close();
    await changeStore?.close();
    await changeApi?.close();
  });

  it('rebuilds the upgrade and the downgrade from the invoices, as the webhooks recorded them', async () => {
    const run = await runCli(['--db', join(dir, 'change.duckdb'), 'import', 'stripe', '--api-base', changeApi.url, '--json'], { STRIPE_API_KEY: KEY });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ subscriptions: 1, invoices: 4, rejected: 0, warnings: [] });
    // The $100 price is on no subscription today: it is read from the price list.
    expect(changeApi.requests.filter((r) => r.path === '/v1/prices').length).toBeGreaterThan(0);
    const backfilled = await withBackfilled(ledger, 'change.duckdb');
    expect(backfilled).toEqual(await ledger(changeStore));
    expect(backfilled.map((r) => [r[2], r[3], r[4]])).toEqual([['2026-01-01', 200, 'monthly'], ['2026-02-15', 500, 'monthly'], ['2026-03-10', 400, 'team-small']]);
  });

  it('the revenue report shows the expansion and the contraction', async () => {
    const periods = await withBackfilled(revenue, 'change.duckdb');
    expect(periods).toEqual(await revenue(changeStore));
    const [jan, feb, mar] = periods;
    // 2 × $100; then 5 × $100 (+300); then 5 × $80 (-100).
    expect([jan.new, jan.mrr_end, feb.expansion, feb.contraction, feb.mrr_end]).toEqual([200, 200, 300, 0, 500]);
    expect([mar.expansion, mar.contraction, mar.churn, mar.mrr_end]).toEqual([0, 100, 0, 400]);
  });

  it('run again, changes nothing', async () => {
    const before = await withBackfilled(ledger, 'change.duckdb');
    const run = await runCli(['--db', join(dir, 'change.duckdb'), 'import', 'stripe', '--api-base', changeApi.url, '--json'], { STRIPE_API_KEY: KEY });
    const report = JSON.parse(run.stdout) as { ledger_rows: number; duplicates: number };
    expect(report.duplicates).toBe(report.ledger_rows);
    expect(await withBackfilled(ledger, 'change.duckdb')).toEqual(before);
  });
});

/**
 * The dashboard's exports of the same story, in their columns (one row per subscription item):
 * they carry neither the usage type of a price nor a coupon's duration, so the metered and the
 * repeating subscriptions are left out; the annual coupon's amount comes from its invoice.
 */
const SUBSCRIPTIONS_CSV = `id,Customer ID,Customer Email,Plan,Product,Quantity,Currency,Interval,Amount,Status,Created (UTC),Start (UTC),Current Period Start (UTC),Current Period End (UTC),Trial Start (UTC),Trial End (UTC),Coupon,Canceled At (UTC),Cancel At Period End,Ended At (UTC)
sub_monthly,cus_monthly,a@example.com,monthly,Team,1,usd,month,100.00,active,2026-01-01 00:00,2026-01-01 00:00,2026-03-01 00:00,2026-04-01 00:00,,,,,false,
sub_annual,cus_annual,b@example.com,yearly,Team,1,usd,year,"1,200.00",active,2026-01-01 00:00,2026-01-01 00:00,2026-01-01 00:00,2027-01-01 00:00,,,TWENTY,,false,
sub_trial,cus_trial,c@example.com,monthly,Team,1,usd,month,50.00,active,2026-01-01 00:00,2026-01-01 00:00,2026-03-01 00:00,2026-04-01 00:00,2026-01-01 00:00,2026-02-01 00:00,,,false,
sub_churn,cus_churn,d@example.com,monthly,Team,1,usd,month,200.00,canceled,2026-01-01 00:00,2026-01-01 00:00,2026-02-01 00:00,2026-03-01 00:00,,,,2026-03-01 00:00,false,2026-03-01 00:00
`;
const INVOICES_CSV = `id,Customer,Subscription,Status,Currency,Subtotal,Total Discount Amount,Amount Due,Period Start (UTC),Period End (UTC)
in_annual,cus_annual,sub_annual,paid,usd,"1,200.00",240.00,960.00,2026-01-01 00:00,2027-01-01 00:00
in_monthly_1,cus_monthly,sub_monthly,paid,usd,100.00,0.00,100.00,2026-01-01 00:00,2026-02-01 00:00
`;
const IN_CSV = new Set(['sub_monthly', 'sub_annual', 'sub_trial', 'sub_churn']);

describe('truenorth import stripe, from the dashboard\'s CSV exports', () => {
  it('gives the ledger the webhooks built for the subscriptions the exports describe', async () => {
    writeFileSync(join(dir, 'subscriptions.csv'), SUBSCRIPTIONS_CSV);
    writeFileSync(join(dir, 'invoices.csv'), INVOICES_CSV);
    const run = await runCli(['--db', join(dir, 'csv.duckdb'), 'import', 'stripe', join(dir, 'subscriptions.csv'), join(dir, 'invoices.csv'), '--json']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ subscriptions: 4, invoices: 2, rejected: 0, warnings: [] });
    const fromWebhooks = (await ledger(webhookStore)).filter((r) => IN_CSV.has(r[1]));
    expect(await withBackfilled(ledger, 'csv.duckdb')).toEqual(fromWebhooks);
    const [jan, feb, mar] = await withBackfilled(revenue, 'csv.duckdb');
    // 100 + 80 + 200 in January; the trial pays 50 from February; sub_churn leaves in March.
    expect([jan.mrr_end, feb.mrr_end, mar.mrr_end, mar.churn]).toEqual([380, 430, 230, 200]);
  });

  it('a file that is neither export is refused by its header; a bad row is named by its line', async () => {
    writeFileSync(join(dir, 'other.csv'), 'account_id,effective_at,mrr\nacme,2026-01-01,100\n');
    const other = await runCli(['--db', join(dir, 'csv-bad.duckdb'), 'import', 'stripe', join(dir, 'other.csv')]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/other\.csv line 1: not a Stripe subscriptions export/);
    writeFileSync(join(dir, 'bad-row.csv'), SUBSCRIPTIONS_CSV.replace('2026-02-01 00:00,,,false,', 'next tuesday,,,false,'));
    const bad = await runCli(['--db', join(dir, 'csv-bad.duckdb'), 'import', 'stripe', join(dir, 'bad-row.csv')]);
    expect(bad.stderr).toMatch(/bad-row\.csv line 4: trial end \(utc\): not a date: "next tuesday"/);
    expect(bad.stdout).toMatch(/rejected 1/);
  });
});
