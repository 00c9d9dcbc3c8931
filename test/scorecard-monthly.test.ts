import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthModelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { writeLedger, type LedgerEntry } from '../src/engine/ingest/import-ledger.js';
import { lastCompleteMonths, scorecardProviders } from '../src/reports/providers.js';
import { scorecardReport } from '../src/reports/scorecard-report.js';
import { periodsIn, rangeOfPeriods } from '../src/model/time.js';
import { contextFor, seg, storeFrom } from './helpers/fixture-store.js';

const CONFIG = `
product: Monthly
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }
health:
  mrr: { owner: cfo@x }
  revenue_churn: { owner: cfo@x, target: { lte: 0.02 } }
  nrr: { owner: cfo@x, target: { gte: 1 } }
`;
const UTC = { timezone: 'UTC', weekStart: 'monday' as const };

const entry = (account: string, day: string, mrr: number): LedgerEntry =>
  ({ accountId: account, subscriptionId: account, effectiveAt: Date.parse(`${day}T00:00:00Z`), mrr, plan: null, currency: 'USD' });

/**
 * Four accounts from December. January: B cancels (start 500, churn 100): NRR 80 %, revenue churn
 * 20 %. February: C expands 200 → 300, D cancels (start 400, +100, −100): NRR 100 %, churn 25 %.
 */
const LEDGER = [
  entry('A', '2025-12-01', 100), entry('B', '2025-12-01', 100), entry('C', '2025-12-01', 200), entry('D', '2025-12-01', 100),
  entry('B', '2026-01-15', 0), entry('C', '2026-02-10', 300), entry('D', '2026-02-20', 0),
];

let store: DuckDbStore;
beforeAll(async () => {
  store = await storeFrom([seg.track('Message Sent', { userId: 'u1' }, '2025-12-02T10:00:00Z')]);
  await store.transaction(() => writeLedger(store, LEDGER, 'test'));
});
afterAll(() => store.close());

describe('revenue rates on the scorecard are monthly', () => {
  it('each week shows the last calendar month complete by its end', () => {
    const weeks = periodsIn(rangeOfPeriods('2026-W05', '2026-W10', UTC), 'week', UTC);
    // W05 ends Mon 2 Feb (January complete); W09 ends Mon 2 Mar (February complete).
    expect(lastCompleteMonths(weeks, UTC).map((m) => m.name)).toEqual(['2026-01', '2026-01', '2026-01', '2026-01', '2026-02', '2026-02']);
  });

  it('a month with no revenue at its start has no data, and says which month', async () => {
    const ctx = contextFor(store, CONFIG, '2026-03-10T12:00:00Z');
    const config = parseConfig(CONFIG);
    // W01–W04 (29 Dec – 25 Jan) end in January, so show December, which every account entered during: no MRR at its start.
    const card = await scorecardReport(ctx, scorecardModelFromConfig(config), { week: '2026-W05', weeks: 5 }, scorecardProviders(ctx, healthModelFromConfig(config)));
    const nrr = card.rows.find((r) => r.id === 'health.nrr')!;
    expect(nrr.months).toEqual(['2025-12', '2025-12', '2025-12', '2025-12', '2026-01']);
    expect(nrr.values).toEqual([null, null, null, null, 0.8]);
    const december = "nothing to compute it from in 2025-12, the last month complete by the week's end";
    expect(nrr.reasons).toEqual([december, december, december, december, null]);
    // No earlier month with data: no change to show.
    expect(nrr.trend).toBeNull();
  });

  it('NRR and revenue churn read the month, change month over month, and are taken over the month’s customers', async () => {
    const ctx = contextFor(store, CONFIG, '2026-03-10T12:00:00Z');
    const config = parseConfig(CONFIG);
    const card = await scorecardReport(ctx, scorecardModelFromConfig(config), { week: '2026-W10', weeks: 6 }, scorecardProviders(ctx, healthModelFromConfig(config)));
    const row = (id: string) => card.rows.find((r) => r.id === id)!;
    const months = ['2026-01', '2026-01', '2026-01', '2026-01', '2026-02', '2026-02'];
    expect(row('health.nrr')).toMatchObject({ values: [0.8, 0.8, 0.8, 0.8, 1, 1], months, trend_unit: 'points' });
    expect(row('health.nrr').status.at(-1)).toBe('on_track');
    expect(row('health.nrr').trend).toBeCloseTo(0.2, 12);
    expect(row('health.revenue_churn')).toMatchObject({ values: [0.2, 0.2, 0.2, 0.2, 0.25, 0.25], months, base: [4, 4, 4, 4, 3, 3] });
    expect(row('health.revenue_churn').trend).toBeCloseTo(0.05, 12);
    expect(row('health.revenue_churn').status.at(-1)).toBe('off_track');
    // MRR stays weekly: at the end of W10 (9 March), A 100 + C 300.
    expect(row('health.mrr').months).toBeUndefined();
    expect(row('health.mrr').values.at(-1)).toBe(400);
  });
});
