import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { revenueReport } from '../src/reports/revenue.js';
import { TruenorthServer } from '../src/server/app.js';
import { healthModelFromConfig, modelFromConfig } from '../src/config/model.js';
import { coupon, CURRENT_VERSION, discount, FEB, invoice, JAN, MAR, subscription, webhookSender, type Coupon, type Discount, type Subscription } from './helpers/stripe-objects.js';
import { readBeside } from './helpers/read-beside.js';
import { onReader } from '../src/engine/sql-engine.js';

/**
 * Stripe discounts in the shapes the API versions send, through the signed webhook route. Payloads
 * of the version the `stripe` package pins are typed with its types (helpers/stripe-objects.ts);
 * the shape of 2025-02-24.acacia, the last version with the singular `discount` and `coupon` on the
 * Discount, is typed below from the package's changelog of the fields removed since.
 */
const SECRET = 'whsec_discount_tests';
// The fields the current version removed, checked against the package's types:
// @ts-expect-error Subscription.discount was removed in 2025-03-31.basil
type _RemovedSubscriptionDiscount = Stripe.Subscription['discount'];
// @ts-expect-error Discount.coupon moved to Discount.source.coupon in 2025-09-30.clover
type _RemovedDiscountCoupon = Stripe.Discount['coupon'];
// @ts-expect-error Invoice.subscription moved to Invoice.parent.subscription_details in 2025-03-31.basil
type _RemovedInvoiceSubscription = Stripe.Invoice['subscription'];

/** 2025-02-24.acacia: `discount` on the subscription, `coupon` on the Discount. */
type AcaciaDiscount = Omit<Discount, 'source'> & { coupon: Coupon };
type AcaciaSubscription = Omit<Subscription, 'discounts'> & { discount: AcaciaDiscount | null; discounts: Array<string | AcaciaDiscount> };

let dir: string;
let store: DuckDbStore;
let server: TruenorthServer;
let url: string;
const logLines: string[] = [];
const send = webhookSender(() => url, SECRET);

async function ledger(subscriptionId: string): Promise<Array<[string, number]>> {
  const rows = await readBeside<{ t: Date; mrr: number }>(store,
    `SELECT effective_at AS t, mrr FROM subscriptions WHERE subscription_id = $sub ORDER BY effective_at`, { sub: subscriptionId });
  return rows.map((r) => [new Date(r.t).toISOString().slice(0, 10), r.mrr]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-stripe-'));
  store = await DuckDbStore.open(join(dir, 'db.duckdb'));
  server = await TruenorthServer.create({
    store, host: '127.0.0.1', port: 0, stripeSecret: SECRET,
    logger: { level: 'warn', stream: { write: (line: string) => logLines.push(line) } },
  });
  url = await server.listen();
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`Stripe discounts, ${CURRENT_VERSION} shapes`, () => {
  it('a 20 % forever coupon as expanded Discount objects: $100 → $80', async () => {
    const sub = subscription('sub_expanded', 10_000, [discount('di_exp', 'sub_expanded', coupon('twenty', { percent_off: 20 }))]);
    expect((await send('customer.subscription.created', sub)).body).toMatchObject({ ledger_rows: 1 });
    expect(await ledger('sub_expanded')).toEqual([['2026-01-01', 80]]);
  });

  it('ids only, subscription first: list price with a warning, corrected when the invoice arrives', async () => {
    const sub = subscription('sub_ids_first', 10_000, ['di_a']);
    const created = await send('customer.subscription.created', sub);
    expect(created.body.warnings).toEqual([expect.stringMatching(/sub_ids_first lists discount di_a whose amount no invoice has shown yet/)]);
    expect(logLines.some((l) => l.includes('di_a') && l.includes('"level":40'))).toBe(true);
    expect(await ledger('sub_ids_first')).toEqual([['2026-01-01', 100]]);
    const paid = await send('invoice.paid', invoice('in_a', sub, JAN, FEB, { di_a: 2_000 }));
    expect(paid.body).toMatchObject({ ledger_rows: 1 });
    expect(paid.body.warnings).toBeUndefined();
    expect(await ledger('sub_ids_first')).toEqual([['2026-01-01', 80]]);
  });

  it('ids only, invoice first: the invoice is kept, the subscription event then records $80; redeliveries change nothing', async () => {
    const sub = subscription('sub_ids_late', 10_000, ['di_b']);
    const early = await send('invoice.created', { ...invoice('in_b', sub, JAN, FEB, { di_b: 2_000 }), status: 'draft' });
    expect(early.body).toMatchObject({ ledger_rows: 0 });
    expect(early.body.warnings).toEqual([expect.stringMatching(/no customer\.subscription\.\* event has described yet/)]);
    expect((await send('customer.subscription.created', sub)).body.warnings).toBeUndefined();
    expect(await send('invoice.paid', invoice('in_b', sub, JAN, FEB, { di_b: 2_000 }))).toMatchObject({ body: { ledger_rows: 1, duplicates: 1 } });
    // A draft delivered late does not replace the paid invoice.
    await send('invoice.created', { ...invoice('in_b', sub, JAN, FEB, {}), status: 'draft' });
    expect(await ledger('sub_ids_late')).toEqual([['2026-01-01', 80]]);
  });

  it('a repeating coupon ends: expanded with its end, and ids when an invoice no longer shows it', async () => {
    const half = coupon('half3', { percent_off: 50, duration: 'repeating', duration_in_months: 2 });
    await send('customer.subscription.created', subscription('sub_rep', 20_000, [discount('di_rep', 'sub_rep', half, MAR)]));
    expect(await ledger('sub_rep')).toEqual([['2026-01-01', 100], ['2026-03-01', 200]]);

    const sub = subscription('sub_rep_ids', 20_000, ['di_r']);
    // Out of order: March's invoice (no discount any more) before January's and February's.
    await send('invoice.paid', invoice('in_r3', sub, MAR, MAR + 31 * 86400, {}));
    await send('customer.subscription.created', sub);
    await send('invoice.paid', invoice('in_r2', sub, FEB, MAR, { di_r: 10_000 }));
    await send('invoice.paid', invoice('in_r1', sub, JAN, FEB, { di_r: 10_000 }));
    expect(await ledger('sub_rep_ids')).toEqual([['2026-01-01', 100], ['2026-03-01', 200]]);
  });

  it('an annual price with a 20 % discount given by its invoice: $1,200 a year → $80 a month', async () => {
    const sub = subscription('sub_annual', 120_000, ['di_y'], 'year');
    await send('customer.subscription.created', sub);
    await send('invoice.finalized', { ...invoice('in_y', sub, JAN, JAN + 365 * 86400, { di_y: 24_000 }), status: 'open' });
    expect(await ledger('sub_annual')).toEqual([['2026-01-01', 80]]);
  });
});

describe('Stripe discounts, 2025-02-24.acacia shapes (the singular discount)', () => {
  const legacy = (id: string, unit: number, c: Coupon): AcaciaSubscription => {
    const { discounts: _ids, ...sub } = subscription(id, unit, []);
    const d: AcaciaDiscount = { id: `di_${id}`, object: 'discount', start: JAN, end: null, subscription: id, coupon: c };
    return { ...sub, discount: d, discounts: [d.id] };
  };

  it('a once coupon is not MRR: $50 stays $50', async () => {
    await send('customer.subscription.created', legacy('sub_once', 5_000, coupon('first_free', { percent_off: 100, duration: 'once' })));
    expect(await ledger('sub_once')).toEqual([['2026-01-01', 50]]);
  });

  it('an amount-off forever coupon: $100 less $15 → $85', async () => {
    const created = await send('customer.subscription.created', legacy('sub_amount', 10_000, coupon('fifteen', { amount_off: 1_500, currency: 'usd' })));
    expect(created.body.warnings).toBeUndefined();
    expect(await ledger('sub_amount')).toEqual([['2026-01-01', 85]]);
  });
});

describe('the revenue report over those subscriptions', () => {
  it('MRR, NRR and ARPC equal the hand-computed values', async () => {
    // January: 80 × 4 (expanded, ids ×2, annual) + 100 × 2 (repeating) + 50 (once) + 85 (amount off) = 655, 8 customers.
    // March: both repeating coupons end, +100 each: 855; NRR = 855 / 655; ARPC = 855 / 8.
    const config = parseConfig(exampleConfigYaml('Discounts'));
    // On a reader: the server's write queue holds the store's writing connection.
    const report = await onReader(store, (reader) => {
      const ctx = reportContext(reader, modelFromConfig(config), Date.parse('2026-04-10T00:00:00Z'));
      return revenueReport(ctx, healthModelFromConfig(config), 'month', rangeOfPeriods('2026-01', '2026-03', ctx.model.time));
    });
    const [jan, feb, mar] = report.periods;
    expect([jan.mrr_end, jan.new, jan.customers_end]).toEqual([655, 655, 8]);
    expect([feb.mrr_end, feb.nrr]).toEqual([655, 1]);
    expect([mar.mrr_start, mar.expansion, mar.mrr_end]).toEqual([655, 200, 855]);
    expect(mar.nrr).toBeCloseTo(855 / 655, 12);
    expect(mar.arpc).toBeCloseTo(855 / 8, 12);
  });
});
