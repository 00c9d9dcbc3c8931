import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importLedger } from '../src/engine/ingest/import-ledger.js';
import { importManualCsv, manualMetricName, parseManualPeriod, parseManualValue, recordManualValues } from '../src/engine/ingest/import-manual.js';
import { InputError } from '../src/errors.js';
import { periodsIn, rangeOfPeriods } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { cltvCacReading, fetchLedger, fetchManualEntries, manualValue, revenuePeriods, revenueReport } from '../src/reports/revenue.js';
import { accountMrrAt, mrrAt, mrrBridge, toCents, type LedgerEntryRow } from '../src/reports/mrr.js';
import { currentManualValues, flowIn, stockAt, type ManualEntry } from '../src/reports/manual-values.js';
import { healthModelFromConfig, manualMetricNames, modelFromConfig } from '../src/config/model.js';

const UTC = { timezone: 'UTC', weekStart: 'monday' as const };
const at = (date: string) => Date.parse(`${date}T00:00:00Z`);
const row = (account: string, date: string, mrr: number, subscription = ''): LedgerEntryRow => ({ account, subscription, t: Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date), mrr });

/**
 * The fixture ledger. March 2026 is worked out by hand below.
 *   A  100 from Jan 10; Mar 15 → 150                       expansion +50
 *   B  200 from Jan 5;  Mar 20 → 120                       contraction 80
 *   C  50 from Feb 1;   Mar 3 → 0                          churn 50
 *   D  new on Mar 5 at 80                                  new 80
 *   E  60 from Jan 2, cancelled Feb 10, back Mar 12 at 60  reactivation 60
 *   F  two subscriptions 100 + 40 from Jan 1; the 40 one cancelled Mar 8: contraction 40, not churn
 *   G  annual plan, 1200 a year = 100 a month from Feb 1   no movement
 *   H  new Mar 2 at 30, upgraded Mar 10 to 90, cancelled Mar 25: nets to nothing
 *   I  200 from Jan 1, upgraded Mar 2 to 400, cancelled Mar 28: churn 200 (of the start MRR)
 */
const LEDGER: LedgerEntryRow[] = [
  row('A', '2026-01-10', 100), row('A', '2026-03-15', 150),
  row('B', '2026-01-05', 200), row('B', '2026-03-20', 120),
  row('C', '2026-02-01', 50), row('C', '2026-03-03', 0),
  row('D', '2026-03-05', 80),
  row('E', '2026-01-02', 60), row('E', '2026-02-10', 0), row('E', '2026-03-12', 60),
  row('F', '2026-01-01', 100, 'f1'), row('F', '2026-01-01', 40, 'f2'), row('F', '2026-03-08', 0, 'f2'),
  row('G', '2026-02-01', 1200 / 12),
  row('H', '2026-03-02', 30), row('H', '2026-03-10', 90), row('H', '2026-03-25', 0),
  row('I', '2026-01-01', 200), row('I', '2026-03-02', 400), row('I', '2026-03-28', 0),
];

const manual = (metric: string, period: string, value: number | null, entered_ms = 0, entered_by = 'cfo'): ManualEntry =>
  ({ metric, period, value, entered_by, entered_ms, note: null });

const MONTHS = periodsIn(rangeOfPeriods('2026-01', '2026-03', UTC), 'month', UTC);
const AS_OF = at('2026-04-10');

describe('MRR bridge: each movement type, by hand', () => {
  const [jan, feb, mar] = revenuePeriods({
    ledger: LEDGER, periods: MONTHS, time: UTC, asOf: AS_OF, grossMargin: 0.8,
    manual: [
      manual('sales_marketing_spend', '2026-03', 150, 1),
      manual('sales_marketing_spend', '2026-03', 100, 2), // a correction: the latest entry counts
      manual('cash_balance', '2026-W13', 500_000), manual('cash_balance', '2026-W14', 480_000),
      manual('burn', '2026-W14', 40_000),
    ],
  });

  it('January: everyone is new', () => {
    expect(jan).toMatchObject({ period: '2026-01', mrr_start: 0, new: 700, reactivation: 0, churn: 0, mrr_end: 700, customers_start: 0, customers_end: 5 });
    expect(jan.nrr).toBeNull(); // no MRR at the start
    expect(jan.quick_ratio).toBeNull(); // nothing lost
  });

  it('February: C and the annual plan G are new, E churns', () => {
    expect(feb).toMatchObject({ mrr_start: 700, new: 150, reactivation: 0, expansion: 0, contraction: 0, churn: 60, mrr_end: 790, customers_start: 5, customers_end: 6 });
    expect(feb.customer_churn_rate).toBeCloseTo(1 / 5, 12);
  });

  it('March: every movement type', () => {
    expect(mar).toMatchObject({
      period: '2026-03', complete: true,
      mrr_start: 790, // A 100 + B 200 + C 50 + F 140 + G 100 + I 200
      new: 80, // D; H's upgrade-then-cancel nets to nothing
      reactivation: 60, // E paid before, churned in February
      expansion: 50, // A
      contraction: 120, // B 80 + F's second subscription 40
      churn: 250, // C 50 + I 200 (its MRR at the start, not after the upgrade)
      mrr_end: 610, // A 150 + B 120 + D 80 + E 60 + F 100 + G 100
      customers_start: 6, customers_end: 6,
      new_customers: 1, reactivated_customers: 1, expanded_customers: 1, contracted_customers: 2, churned_customers: 2,
    });
    expect(mar.mrr_start + mar.new + mar.reactivation + mar.expansion - mar.contraction - mar.churn).toBeCloseTo(mar.mrr_end, 9);
  });

  it('March: the rates, worked out by hand', () => {
    expect(mar.customer_churn_rate).toBeCloseTo(2 / 6, 12); // C and I of 6 paying at the start
    expect(mar.gross_revenue_churn).toBeCloseTo((250 + 120) / 790, 12); // 0.4684
    expect(mar.nrr).toBeCloseTo((790 + 50 - 120 - 250) / 790, 12); // 470 / 790 = 0.5949
    expect(mar.grr).toBeCloseTo((790 - 120 - 250) / 790, 12); // 420 / 790 = 0.5316
    expect(mar.arpc).toBeCloseTo(610 / 6, 12); // 101.67
    expect(mar.quick_ratio).toBeCloseTo((80 + 60 + 50) / (120 + 250), 12); // 0.5135
  });

  it('March: CAC, payback, CLTV and CLTV:CAC, worked out by hand', () => {
    // S&M spend 100 (corrected from 150) for one new customer (D; a reactivation is not acquired).
    expect(mar.sales_marketing_spend).toBe(100);
    expect(mar.cac).toBe(100);
    const margin = (610 / 6) * 0.8; // ARPC × gross margin = 81.33 a month
    expect(mar.cac_payback_months).toBeCloseTo(100 / margin, 12); // 1.23 months
    // Trailing complete months with paying customers at their start: February 1/5 = 0.2, March 2/6;
    // January started with none, so it has no rate. Average = (0.2 + 0.3333) / 2 = 0.2667.
    expect(mar.cltv_churn_months).toBe(2);
    expect(mar.cltv_churn_rate).toBeCloseTo((1 / 5 + 2 / 6) / 2, 12);
    expect(mar.cltv).toBeCloseTo(margin / ((1 / 5 + 2 / 6) / 2), 9); // 305.00
    expect(mar.cltv).toBeCloseTo(305, 9);
    expect(mar.cltv_cac).toBeCloseTo(3.05, 9);
    expect(mar.cltv_cac_reading).toBe('healthy');
  });

  it('March: cash, burn and runway from weekly entries', () => {
    // 2026-W14 starts on Monday March 30, so it is the latest week in March.
    expect(mar.cash_balance).toBe(480_000);
    expect(mar.burn).toBe(40_000);
    expect(mar.runway_months).toBe(12);
    expect(feb.cash_balance).toBeNull(); // not carried back or forward
  });

  it('CLTV is undefined at zero churn', () => {
    const [only] = revenuePeriods({ ledger: [row('A', '2026-01-01', 100)], periods: MONTHS.slice(1, 2), time: UTC, asOf: AS_OF, grossMargin: 0.8 });
    expect(only.customer_churn_rate).toBe(0);
    expect(only.cltv).toBeNull();
    expect(only.cltv_cac).toBeNull();
  });

  it('CLTV:CAC readings follow the documented bands', () => {
    expect([0.8, 1, 1.4, 2, 3, 3.9, 4, 7].map(cltvCacReading)).toEqual([
      'failing', 'failing', 'failing', 'below_benchmark', 'healthy', 'healthy', 'invest_more', 'invest_more',
    ]);
    expect(cltvCacReading(null)).toBeNull();
  });
});

describe('MRR at an instant and period boundaries', () => {
  it('counts rows with effective_at ≤ t, summed over subscriptions', () => {
    expect(mrrAt(LEDGER, at('2026-01-01'))).toBe(340); // F 140 + I 200, effective at that instant
    expect(mrrAt(LEDGER, at('2026-01-01') - 1)).toBe(0);
    expect(mrrAt(LEDGER, at('2026-03-08'))).toBe(100 + 200 + 80 + 100 + 100 + 30 + 400); // A B D F G H I
  });

  it('a row at a period boundary belongs to the period it starts', () => {
    // C's row on Feb 1 00:00 is February's new MRR, not January's.
    const [jan, feb] = mrrBridge(LEDGER, MONTHS);
    expect(jan.mrrEnd).toBe(toCents(700));
    expect(feb.newMrr).toBe(toCents(150));
  });

  it('same-period upgrade then cancel of a new account nets to nothing; weekly it is new then churn', () => {
    const ledger = [row('H', '2026-03-02', 30), row('H', '2026-03-10', 90), row('H', '2026-03-25', 0)];
    const [month] = mrrBridge(ledger, periodsIn(rangeOfPeriods('2026-03', '2026-03', UTC), 'month', UTC));
    expect(month).toMatchObject({ mrrStart: 0, newMrr: 0, expansion: 0, churn: 0, mrrEnd: 0, newCustomers: 0, churnedCustomers: 0 });
    const weeks = mrrBridge(ledger, periodsIn(rangeOfPeriods('2026-W10', '2026-W13', UTC), 'week', UTC));
    expect(weeks.map((w) => [w.newMrr, w.expansion, w.churn])).toEqual([[3000, 0, 0], [0, 6000, 0], [0, 0, 0], [0, 0, 9000]]);
  });

  it('an account coming back after a same-period new-then-cancel is a reactivation: it paid before', () => {
    const ledger = [row('H', '2026-03-02', 30), row('H', '2026-03-25', 0), row('H', '2026-04-03', 30)];
    const [, april] = mrrBridge(ledger, periodsIn(rangeOfPeriods('2026-03', '2026-04', UTC), 'month', UTC));
    expect(april).toMatchObject({ newMrr: 0, reactivation: 3000, reactivatedCustomers: 1 });
  });

  it('an account with two subscriptions losing both churns once', () => {
    const ledger = [row('F', '2026-01-01', 100, 'a'), row('F', '2026-01-01', 40, 'b'), row('F', '2026-02-03', 0, 'a'), row('F', '2026-02-20', 0, 'b')];
    const [, feb] = mrrBridge(ledger, MONTHS);
    expect(feb).toMatchObject({ churn: 14000, contraction: 0, churnedCustomers: 1, customersEnd: 0 });
  });

  it('annual plans count price / 12 and renewals at the same price are not movements', () => {
    const ledger = [row('G', '2026-01-15', 1200 / 12), row('G', '2027-01-15', 1200 / 12)];
    const months = periodsIn(rangeOfPeriods('2026-01', '2027-02', UTC), 'month', UTC);
    const bridge = mrrBridge(ledger, months);
    expect(bridge[0]).toMatchObject({ newMrr: 10000, mrrEnd: 10000 });
    expect(bridge.slice(1).every((b) => b.mrrStart === 10000 && b.mrrEnd === 10000 && b.expansion === 0 && b.churn === 0)).toBe(true);
  });
});

describe('hand-entered values as flows and stocks', () => {
  it('spreads weekly spend over the days of a month', () => {
    // W09 is Feb 23 – Mar 1 (1 day in March), W14 is Mar 30 – Apr 5 (2 days in March).
    const entries = ['2026-W09', '2026-W10', '2026-W11', '2026-W12', '2026-W13', '2026-W14'].map((w) => manual('sales_marketing_spend', w, 70));
    const current = currentManualValues(entries).get('sales_marketing_spend');
    const march = MONTHS[2];
    expect(flowIn(current, march, UTC)).toEqual({ amount: 10 + 4 * 70 + 20, coverage: 1 });
    const partial = flowIn(currentManualValues(entries.slice(1, 3)).get('sales_marketing_spend'), march, UTC)!;
    expect(partial.amount).toBe(140);
    expect(partial.coverage).toBeCloseTo(14 / 31, 12);
  });

  it('no CAC when the spend covers only part of the period', () => {
    const [mar] = revenuePeriods({
      ledger: LEDGER, periods: MONTHS.slice(2), time: UTC, asOf: AS_OF, grossMargin: 0.8,
      manual: [manual('sales_marketing_spend', '2026-W11', 500)],
    });
    expect(mar.sales_marketing_spend).toBe(500);
    expect(mar.cac).toBeNull();
  });

  it('a stock is the latest entry starting in the period; a cleared entry is no value', () => {
    const weekly = periodsIn(rangeOfPeriods('2026-W13', '2026-W14', UTC), 'week', UTC);
    const entries = [manual('cash_balance', '2026-W13', 10), manual('cash_balance', '2026-W14', 9, 1), manual('cash_balance', '2026-W14', null, 2)];
    const current = currentManualValues(entries).get('cash_balance');
    expect(weekly.map((w) => stockAt(current, w, UTC))).toEqual([10, null]);
    // A monthly entry holds for the weeks inside it.
    const monthly = currentManualValues([manual('burn', '2026-03', 30_000)]).get('burn');
    expect(stockAt(monthly, periodsIn(rangeOfPeriods('2026-W11', '2026-W11', UTC), 'week', UTC)[0], UTC)).toBe(30_000);
  });

  it('runway needs a positive burn', () => {
    const [mar] = revenuePeriods({
      ledger: [], periods: MONTHS.slice(2), time: UTC, asOf: AS_OF, grossMargin: 0.8,
      manual: [manual('cash_balance', '2026-03', 100), manual('burn', '2026-03', -5)],
    });
    expect(mar.runway_months).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the bridge identity on random ledgers, and the bridge against a brute-force recount

const account = fc.constantFrom('a1', 'a2', 'a3', 'a4', 'a5');
const subscription = fc.constantFrom('', 's1', 's2');
const mrrValue = fc.oneof(fc.constant(0), fc.constantFrom(9.99, 10, 49.5, 100, 83.33, 1000 / 12), fc.integer({ min: 1, max: 5000 }).map((c) => c / 100 * 7));
const SPAN_FROM = at('2025-11-01');
const SPAN_TO = at('2026-05-01');
const ledgerArb = fc.array(
  fc.record({ account, subscription, t: fc.integer({ min: SPAN_FROM - 30 * 86_400_000, max: SPAN_TO + 10 * 86_400_000 }), mrr: mrrValue }),
  { maxLength: 60 },
).map((rows) => {
  // The store keys rows by (account, subscription, effective_at): keep one per key.
  const seen = new Map<string, LedgerEntryRow>();
  for (const r of rows) seen.set(`${r.account}|${r.subscription}|${r.t}`, r);
  return [...seen.values()];
});

describe('property: MRR bridge', () => {
  it('MRR_end = MRR_start + new + reactivation + expansion − contraction − churn, exactly, for weeks and months', () => {
    fc.assert(
      fc.property(ledgerArb, fc.constantFrom('week', 'month') as fc.Arbitrary<'week' | 'month'>, fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata'), (ledger, frequency, timezone) => {
        const time = { timezone, weekStart: 'monday' as const };
        const periods = periodsIn({ from: SPAN_FROM, to: SPAN_TO }, frequency, time);
        const bridge = mrrBridge(ledger, periods);
        bridge.forEach((b, i) => {
          expect(b.mrrEnd).toBe(b.mrrStart + b.newMrr + b.reactivation + b.expansion - b.contraction - b.churn);
          expect(b.customersEnd).toBe(b.customersStart + b.newCustomers + b.reactivatedCustomers - b.churnedCustomers);
          if (i > 0) {
            expect(b.mrrStart).toBe(bridge[i - 1].mrrEnd);
            expect(b.customersStart).toBe(bridge[i - 1].customersEnd);
          }
          for (const v of [b.newMrr, b.reactivation, b.expansion, b.contraction, b.churn]) expect(v).toBeGreaterThanOrEqual(0);
          expect(Number.isInteger(b.mrrEnd)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with a brute-force recount of every account at every boundary', () => {
    fc.assert(
      fc.property(ledgerArb, (ledger) => {
        const periods = periodsIn({ from: SPAN_FROM, to: SPAN_TO }, 'month', UTC);
        const bridge = mrrBridge(ledger, periods);
        periods.forEach((p, i) => {
          const s = accountMrrAt(ledger, p.from, false);
          const e = accountMrrAt(ledger, p.to, false);
          const want = { newMrr: 0, reactivation: 0, expansion: 0, contraction: 0, churn: 0 };
          for (const a of new Set([...s.keys(), ...e.keys()])) {
            const sv = s.get(a) ?? 0;
            const ev = e.get(a) ?? 0;
            const paidBefore = ledger.some((r) => r.account === a && r.t < p.from && toCents(r.mrr) > 0);
            if (sv === 0 && ev > 0) want[paidBefore ? 'reactivation' : 'newMrr'] += ev;
            else if (sv > 0 && ev === 0) want.churn += sv;
            else if (ev > sv) want.expansion += ev - sv;
            else if (ev < sv) want.contraction += sv - ev;
          }
          expect(bridge[i]).toMatchObject(want);
          expect(bridge[i].mrrEnd).toBe([...e.values()].reduce((x, y) => x + y, 0));
        });
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Through the store: ledger import, hand entry with history, the report runner

const CONFIG_YAML = [
  'product: Fixture',
  'journey:',
  '  visit: { event: Page Viewed }',
  '  signup: { event: Signed Up, owner: maya }',
  'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }',
  'metrics:',
  '  - { id: demos_booked, source: manual, frequency: week, owner: maya }',
  'health:',
  '  mrr: { owner: cfo }',
  '  office_mood: { source: manual, owner: cfo }',
  'gross_margin: 0.8',
].join('\n');
const CONFIG = parseConfig(CONFIG_YAML);

describe('store: ledger, hand entries and the revenue report', () => {
  let store: DuckDbStore;
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-revenue-'));

  beforeAll(async () => {
    store = await DuckDbStore.open(':memory:');
    const csv = ['account_id,effective_at,mrr,subscription_id,currency', ...LEDGER.map((r) => `${r.account},${new Date(r.t).toISOString()},${r.mrr},${r.subscription},USD`)];
    writeFileSync(join(dir, 'subscriptions.csv'), csv.join('\n') + '\n');
    const imported = await importLedger(store, join(dir, 'subscriptions.csv'));
    expect(imported.imported).toBe(LEDGER.length);
    writeFileSync(join(dir, 'manual.csv'), [
      'metric,week,value,entered_by,note',
      'sales_marketing_spend,2026-03,150,cfo@acme.io,first estimate',
      'sales_marketing_spend,2026-03,100,cfo@acme.io,corrected after the invoices',
      'cash_balance,2026-W14,"480,000",cfo@acme.io,',
      'burn,2026-W14,40000,cfo@acme.io,',
      'cash_balanse,2026-W14,1,cfo@acme.io,',
      'burn,2026-W99,1,cfo@acme.io,',
      'burn,2026-W13,lots,cfo@acme.io,',
    ].join('\n') + '\n');
  });
  afterAll(async () => store.close());

  it('imports manual.csv, rejecting unknown metrics, bad weeks and non-numbers with their line', async () => {
    const report = await importManualCsv(store, join(dir, 'manual.csv'), { allowed: manualMetricNames(CONFIG) });
    expect(report.imported).toBe(4);
    expect(report.rejected).toBe(3);
    expect(report.errors.map((e) => e.line)).toEqual([6, 7, 8]);
    expect(report.errors[0].reason).toMatch(/unknown hand-entered metric "cash_balanse" \(did you mean "cash_balance"\?\)/);
    expect(report.errors[1].reason).toMatch(/no such ISO week/);
    expect(report.errors[2].reason).toMatch(/expected a number/);
  });

  it('keeps the history of corrections; the latest entry is the value', async () => {
    const ctx = reportContext(store, modelFromConfig(CONFIG), AS_OF);
    const history = await fetchManualEntries(ctx, ['sales_marketing_spend']);
    expect(history.map((e) => [e.value, e.note])).toEqual([[150, 'first estimate'], [100, 'corrected after the invoices']]);
    expect(await manualValue(ctx, 'sales_marketing_spend', '2026-03')).toBe(100);
    await recordManualValues(store, [{ metric: 'sales_marketing_spend', period: '2026-03', value: null, enteredBy: 'cfo', note: 'withdrawn' }]);
    expect(await manualValue(ctx, 'sales_marketing_spend', '2026-03')).toBeNull();
    await recordManualValues(store, [{ metric: 'sales_marketing_spend', period: '2026-03', value: 100, enteredBy: 'cfo', note: 'back' }]);
    expect(await manualValue(ctx, 'sales_marketing_spend', '2026-03')).toBe(100);
    expect((await fetchManualEntries(ctx, ['sales_marketing_spend'])).length).toBe(4);
  });

  it('reads the same March from the database as from the rows', async () => {
    const ctx = reportContext(store, modelFromConfig(CONFIG), AS_OF);
    const report = await revenueReport(ctx, healthModelFromConfig(CONFIG), 'month', rangeOfPeriods('2026-01', '2026-03', UTC));
    expect(report.currencies).toEqual(['USD']);
    expect(report.mrr_as_of).toBe(610);
    const mar = report.periods[2];
    expect(mar).toMatchObject({ mrr_start: 790, new: 80, reactivation: 60, expansion: 50, contraction: 120, churn: 250, mrr_end: 610, cac: 100, cash_balance: 480_000, runway_months: 12 });
    expect(mar.cltv).toBeCloseTo(305, 9);
    const json = JSON.parse(JSON.stringify(report));
    for (const key of ['period', 'mrr_start', 'new', 'reactivation', 'expansion', 'contraction', 'churn', 'mrr_end', 'customers_start', 'customers_end',
      'customer_churn_rate', 'gross_revenue_churn', 'nrr', 'grr', 'arpc', 'quick_ratio', 'cac', 'cac_payback_months', 'cltv', 'cltv_cac', 'cltv_cac_reading',
      'cash_balance', 'burn', 'runway_months']) expect(json.periods[2]).toHaveProperty(key);
  });

  it('pairs MRR at the as-of instant with the customers paying then, and judges each targeted figure with its target', async () => {
    const ctx = reportContext(store, modelFromConfig(CONFIG), AS_OF);
    const targeted = parseConfig(CONFIG_YAML.replace('  mrr: { owner: cfo }', [
      '  mrr: { owner: cfo, target: { gte: 600 } }',
      '  revenue_churn: { owner: cfo, target: { lte: 0.02 } }',
      '  nrr: { owner: cfo, target: { gte: 1 } }',
    ].join('\n')));
    const monthly = await revenueReport(ctx, healthModelFromConfig(targeted), 'month', rangeOfPeriods('2026-01', '2026-03', UTC));
    // On 2026-04-10 A 150, B 120, D 80, E 60, F 100 and G 100 pay (C, H and I are at 0): six customers, $610.
    expect(monthly.mrr_as_of).toBe(610);
    expect(monthly.customers_as_of).toBe(6);
    expect(monthly.targets).toEqual({ mrr: { gte: 600 }, revenue_churn: { lte: 0.02 }, nrr: { gte: 1 } });
    // March: MRR 610 ≥ 600; revenue churn (250 + 120) ÷ 790 = 46.8 % > 2 %; NRR (790 + 50 − 120 − 250) ÷ 790 = 59.5 % < 100 %.
    expect(monthly.status[2]).toEqual({ mrr: 'on_track', revenue_churn: 'off_track', nrr: 'off_track' });
    expect(monthly.status).toHaveLength(monthly.periods.length);
    // Weekly periods are judged only on levels: a monthly rate target says nothing of one week.
    const weekly = await revenueReport(ctx, healthModelFromConfig(targeted), 'week', rangeOfPeriods('2026-W10', '2026-W13', UTC));
    for (const status of weekly.status) expect(Object.keys(status)).toEqual(['mrr']);
    // No target, no verdict.
    expect((await revenueReport(ctx, healthModelFromConfig(CONFIG), 'month', rangeOfPeriods('2026-03', '2026-03', UTC))).status).toEqual([{}]);
  });

  it('weekly periods obey the identity on the same ledger', async () => {
    const ctx = reportContext(store, modelFromConfig(CONFIG), AS_OF);
    const report = await revenueReport(ctx, healthModelFromConfig(CONFIG), 'week', rangeOfPeriods('2026-W01', '2026-W15', UTC));
    for (const p of report.periods) {
      expect(toCents(p.mrr_end)).toBe(toCents(p.mrr_start) + toCents(p.new) + toCents(p.reactivation) + toCents(p.expansion) - toCents(p.contraction) - toCents(p.churn));
    }
    expect(report.periods[report.periods.length - 1].mrr_end).toBe(610);
  });
});

describe('hand entry validation', () => {
  const allowed = manualMetricNames(CONFIG);
  it('knows the built-in, health and metric names', () => {
    expect(allowed.sort()).toEqual(['burn', 'cash_balance', 'demos_booked', 'office_mood', 'sales_marketing_spend']);
    expect(manualMetricName('health.cash_balance', allowed)).toBe('cash_balance');
    expect(manualMetricName('office_mood', allowed)).toBe('office_mood');
    expect(() => manualMetricName('mrr', allowed)).toThrow(/mrr is computed from the subscription ledger, not entered by hand/);
    expect(() => manualMetricName('bunr', allowed)).toThrow(/did you mean "burn"/);
  });
  it('takes finite numbers only', () => {
    expect(parseManualValue('2,400,000')).toBe(2_400_000);
    expect(parseManualValue('$1200.50')).toBe(1200.5);
    expect(parseManualValue('-3')).toBe(-3);
    for (const bad of ['', 'abc', 'NaN', 'Infinity', '1e999']) expect(() => parseManualValue(bad)).toThrow(/expected a number/);
  });
  it('takes weeks and months, not days', () => {
    expect(parseManualPeriod('2026-W47')).toBe('2026-W47');
    expect(parseManualPeriod('2026-11')).toBe('2026-11');
    expect(() => parseManualPeriod('2026-11-22')).toThrow(/per week \(2026-W47\) or month/);
    expect(() => parseManualPeriod('2026-W54')).toThrow(/no such ISO week/);
    expect(() => parseManualPeriod('next week')).toThrow(InputError);
  });
});

// ---------------------------------------------------------------------------------------------
// The demo company's ledger (src/demo writes subscriptions.csv and manual.csv)

const demoModule = '../src/demo/index.js';
const demo = (await import(demoModule).catch(() => null)) as { generateDemo: (o: { outDir: string; users?: number; seed?: number }) => Promise<{ files: { subscriptions: string; manual: string } }> } | null;

describe.skipIf(!demo)('the demo company', () => {
  it('obeys the bridge identity in every week and month, and its finance rows import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truenorth-demo-revenue-'));
    const summary = await demo!.generateDemo({ outDir: dir, users: 600, seed: 7 });
    const store = await DuckDbStore.open(':memory:');
    try {
      await importLedger(store, summary.files.subscriptions, { strict: true });
      const manualReport = await importManualCsv(store, summary.files.manual, { strict: true, allowed: manualMetricNames(CONFIG) });
      expect(manualReport.imported).toBeGreaterThan(0);
      const ctx = reportContext(store, modelFromConfig(CONFIG), Date.now());
      const ledger = await fetchLedger(ctx);
      expect(ledger.length).toBeGreaterThan(0);
      const span = { from: Math.min(...ledger.map((r) => r.t)) - 40 * 86_400_000, to: Math.max(...ledger.map((r) => r.t)) + 40 * 86_400_000 };
      for (const frequency of ['week', 'month'] as const) {
        const bridge = mrrBridge(ledger, periodsIn(span, frequency, UTC));
        bridge.forEach((b, i) => {
          expect(b.mrrEnd).toBe(b.mrrStart + b.newMrr + b.reactivation + b.expansion - b.contraction - b.churn);
          if (i > 0) expect(b.mrrStart).toBe(bridge[i - 1].mrrEnd);
        });
        expect(bridge[bridge.length - 1].mrrEnd).toBe(toCents(mrrAt(ledger, span.to)));
      }
    } finally {
      await store.close();
    }
  });
});
