import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { healthModelFromConfig, modelFromConfig } from '../src/config/model.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { clickHousePort } from '../src/engine/clickhouse/port.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { duckDbPort } from '../src/engine/duckdb/port.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { listStripeHistory, stripeClient } from '../src/engine/stripe/backfill.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { revenueReport, type RevenuePeriod } from '../src/reports/revenue.js';
import { startEngineServers, type EngineServers } from './helpers/engine-servers.js';
import { truncateClickHouse } from './helpers/engines.js';
import { startStripeApi } from './helpers/stripe-api-server.js';
import { coupon, discount, FEB, invoice, JAN, MAR, subscription, webhookSender, type Subscription } from './helpers/stripe-objects.js';
import { onReader } from '../src/engine/sql-engine.js';

/**
 * The subscription ledger written from Stripe on ClickHouse equals DuckDB's: the same signed
 * webhooks sent to a server on each engine, and the same Stripe history imported into each, give
 * the same answers, the same ledger rows and the same revenue report; sent or imported again, they
 * change nothing.
 */
const SECRET = 'whsec_engine_parity';
const KEY = 'rk_test_51EngineParityKey0123456789';

let dir: string;
let duck: DuckDbStore;
let ch: ClickHouseStore;
let urls: string[] = [];
let engines: EngineServers | undefined;

beforeAll(async () => {
  engines = await startEngineServers('truenorth-stripe-engines-', { stripeSecret: SECRET });
  ({ dir, duck, ch, urls } = engines);
}, 30_000);

afterAll(async () => {
  await engines?.close();
});

type LedgerRow = [string, string, string, number, string | null, string];

async function ledger(engine: SqlEngine): Promise<LedgerRow[]> {
  const rows = await engine.all<{ account_id: string; subscription_id: string; t: Date; mrr: number; plan: string | null; source: string }>(
    'SELECT account_id, subscription_id, effective_at AS t, mrr, plan, source FROM subscriptions ORDER BY subscription_id, effective_at');
  return rows.map((r) => [r.account_id, r.subscription_id, new Date(r.t).toISOString().slice(0, 10), r.mrr, r.plan, r.source]);
}

async function revenue(engine: SqlEngine): Promise<RevenuePeriod[]> {
  const config = parseConfig(exampleConfigYaml('Parity'));
  const ctx = reportContext(engine, modelFromConfig(config), Date.parse('2026-04-10T00:00:00Z'));
  return (await revenueReport(ctx, healthModelFromConfig(config), 'month', rangeOfPeriods('2026-01', '2026-03', ctx.model.time))).periods;
}

const ids = subscription('sub_ids', 10_000, ['di_a']);
const voided = subscription('sub_void', 10_000, ['di_v']);
const half = coupon('half2', { percent_off: 50, duration: 'repeating', duration_in_months: 2 });
const repeating = subscription('sub_rep', 20_000, [discount('di_rep', 'sub_rep', half, MAR)]);
const churned: Subscription = { ...subscription('sub_churn', 20_000, []), status: 'canceled', canceled_at: MAR, ended_at: MAR };

/** Webhooks in the order they arrive: out of order, a late draft, a voided invoice, a cancellation. */
const DELIVERIES: Array<[string, object, number?]> = [
  ['invoice.created', { ...invoice('in_a', ids, JAN, FEB, { di_a: 2_000 }), status: 'draft' }],
  ['customer.subscription.created', ids],
  ['invoice.paid', invoice('in_a', ids, JAN, FEB, { di_a: 2_000 })],
  ['invoice.created', { ...invoice('in_a', ids, JAN, FEB, {}), status: 'draft' }],
  ['customer.subscription.created', voided],
  ['invoice.paid', invoice('in_v1', voided, JAN, FEB, { di_v: 2_000 })],
  ['invoice.paid', invoice('in_v2', voided, FEB, MAR, { di_v: 5_000 })],
  ['invoice.voided', { ...invoice('in_v2', voided, FEB, MAR, { di_v: 5_000 }), status: 'void' }],
  ['customer.subscription.created', repeating],
  ['customer.subscription.created', subscription('sub_churn', 20_000, [])],
  ['customer.subscription.deleted', churned, MAR],
];

describe('Stripe webhooks on DuckDB and on ClickHouse', () => {
  it('answer alike, write the same ledger and the same revenue, and a redelivery changes nothing', async () => {
    const senders = urls.map((url) => webhookSender(() => url, SECRET));
    for (const [type, object, created] of DELIVERIES) {
      const [onDuck, onClickHouse] = [await senders[0](type, object, created), await senders[1](type, object, created)];
      expect(onClickHouse, type).toEqual(onDuck);
      expect(onDuck.status, type).toBe(200);
    }
    const expected: LedgerRow[] = [
      ['cus_churn', 'sub_churn', '2026-01-01', 200, 'monthly', 'stripe'],
      ['cus_churn', 'sub_churn', '2026-03-01', 0, 'monthly', 'stripe'],
      ['cus_ids', 'sub_ids', '2026-01-01', 80, 'monthly', 'stripe'],
      ['cus_rep', 'sub_rep', '2026-01-01', 100, 'monthly', 'stripe'],
      ['cus_rep', 'sub_rep', '2026-03-01', 200, 'monthly', 'stripe'],
      // February's invoice took $50 off, then was voided: its row is gone, January's $80 holds.
      ['cus_void', 'sub_void', '2026-01-01', 80, 'monthly', 'stripe'],
    ];
    expect(await onReader(duck, ledger)).toEqual(expected);
    expect(await ledger(ch)).toEqual(expected);
    const report = await revenue(ch);
    expect(report).toEqual(await onReader(duck, revenue));
    // January: 200 + 80 + 100 + 80 = 460; March: the churn leaves (−200), the coupon ends (+100).
    expect(report.map((p) => p.mrr_end)).toEqual([460, 460, 360]);

    for (const [type, object, created] of DELIVERIES) {
      const again = await senders[1](type, object, created);
      expect(again.status, type).toBe(200);
      expect((again.body.duplicates ?? 0) === again.body.ledger_rows, `${type}: ${JSON.stringify(again.body)}`).toBe(true);
    }
    expect(await ledger(ch)).toEqual(expected);
    expect(await revenue(ch)).toEqual(report);
  });

  it('a write ClickHouse refuses is a retryable 503, and the redelivery then lands', async () => {
    const send = webhookSender(() => urls[1], SECRET);
    const insert = ch.connection.insert;
    ch.connection.insert = async (table, rows) => {
      if (table === 'tn_subscriptions') throw new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)');
      return insert.call(ch.connection, table, rows);
    };
    const later = subscription('sub_later', 4_000, []);
    try {
      const refused = await send('customer.subscription.created', later);
      expect(refused).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
    } finally {
      ch.connection.insert = insert;
    }
    expect(await send('customer.subscription.created', later)).toMatchObject({ status: 200, body: { ledger_rows: 1, duplicates: 0 } });
    expect((await ledger(ch)).filter((r) => r[1] === 'sub_later')).toEqual([['cus_later', 'sub_later', '2026-01-01', 40, 'monthly', 'stripe']]);
  });
});

describe('the Stripe history import on DuckDB and on ClickHouse', () => {
  it('writes the same ledger; run again, every row it writes is a duplicate', async () => {
    await truncateClickHouse(ch);
    const api = await startStripeApi({ subscriptions: [ids, repeating, churned], invoices: [invoice('in_a', ids, JAN, FEB, { di_a: 2_000 })] }, KEY);
    try {
      const history = await listStripeHistory(await stripeClient({ apiKey: KEY, apiBase: api.url }), KEY);
      const store = await DuckDbStore.open(join(dir, 'history.duckdb'));
      try {
        const first = await duckDbPort(store).importers.stripe(history.facts);
        const port = clickHousePort(ch);
        expect(await port.importers.stripe(history.facts)).toEqual(first);
        expect(first.ledger_rows).toBeGreaterThanOrEqual(5);
        expect(await ledger(ch)).toEqual(await ledger(store));
        expect(await revenue(ch)).toEqual(await revenue(store));
        const again = await port.importers.stripe(history.facts);
        expect(again).toEqual(await duckDbPort(store).importers.stripe(history.facts));
        expect(again.duplicates).toBe(again.ledger_rows);
        expect(await ledger(ch)).toEqual(await ledger(store));
      } finally {
        await store.close();
      }
    } finally {
      await api.close();
    }
  });
});
