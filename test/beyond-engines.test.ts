/**
 * The leading-indicator, metric-tree, churn-risk and predictive reports give the same answers on
 * DuckDB and on ClickHouse (embedded, chdb) over the same messages, ledger and hand-entered values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import type { LedgerEntry } from '../src/engine/ingest/import-ledger.js';
import { lastPeriods } from '../src/model/time.js';
import { reportContext, type ReportContext } from '../src/reports/context.js';
import { leadingReport, type LeadingReport } from '../src/reports/leading.js';
import { predictiveReport, type PredictiveReport } from '../src/reports/predictive.js';
import { riskReport, type RiskReport } from '../src/reports/risk.js';
import { treeReport, type TreeReport } from '../src/reports/tree.js';
import { DAY, group, HOUR, identify, rng, track } from './helpers/beyond.js';
import { expectSameAnswers, loadBoth, openChdb } from './helpers/engines.js';
import { modelFromConfig } from '../src/config/model.js';

const CONFIG = [
  'product: T',
  'timezone: Europe/Paris',
  'ideal_user: { role: { in: [engineer, pm] } }',
  'journey:',
  '  visit: { event: Page Viewed }',
  '  signup: { event: Signed Up }',
  '  setup: { event: Workspace Created }',
  '  first_strike: { event: Message Sent }',
  '  kui: { event: Message Sent, at_least: 5, within: 14d }',
  '  upgrade: { event: Subscription Started }',
  'north_star: { name: Messages, event: Message Sent, where: { channel: { ne: self } }, measure: count, frequency: week, drives: [health.mrr] }',
  'metrics:',
  '  - { id: integrations, event: Integration Connected, measure: count, frequency: week, drives: north_star }',
  '  - { id: files, event: File Shared, measure: unique_users, frequency: day, drives: north_star }',
  'risk: { key_feature: { min_before: 3 } }',
].join('\n');

const START = Date.UTC(2026, 0, 5, 9);
const AS_OF = START + 12 * 7 * DAY;

function company(): { messages: unknown[]; ledger: LedgerEntry[] } {
  const random = rng(31);
  const messages: unknown[] = [];
  const ledger: LedgerEntry[] = [];
  for (let i = 0; i < 200; i++) {
    const user = `u${i}`;
    const account = `a${i % 80}`;
    const t = START + Math.floor(random() * 70 * DAY);
    messages.push(
      identify(user, { role: ['engineer', 'pm', 'designer'][i % 3] }, t - HOUR),
      group(user, account, { seats: 1 + (i % 7) }, t - HOUR),
      track('Page Viewed', user, t - 10 * 60_000),
      track('Signed Up', user, t),
    );
    const inviter = random() < 0.35;
    if (inviter) for (let k = 0; k < 3; k++) messages.push(track('Invite Sent', user, t + (k + 1) * HOUR));
    if (random() < 0.8) messages.push(track('Search Performed', user, t + 2 * DAY));
    if (random() > (inviter ? 0.3 : 0.6)) continue;
    messages.push(track('Workspace Created', user, t + 2 * HOUR));
    const weeks = 1 + Math.floor(random() * (inviter ? 10 : 5));
    for (let w = 0; w < weeks; w++) {
      const n = 1 + Math.floor(random() * 8);
      for (let m = 0; m < n; m++) messages.push(track('Message Sent', user, t + w * 7 * DAY + 3 * HOUR + m * 7 * HOUR, { channel: m % 4 === 0 ? 'self' : 'general' }));
      if (random() < 0.3) messages.push(track('File Shared', user, t + w * 7 * DAY + 5 * HOUR));
      if (random() < 0.1) messages.push(track('Integration Connected', user, t + w * 7 * DAY + 6 * HOUR));
      if (random() < 0.05) messages.push(track('Support Ticket Opened', user, t + w * 7 * DAY + 7 * HOUR));
    }
    if (weeks > 3 && random() < 0.5) {
      messages.push(track('Subscription Started', user, t + 10 * DAY));
      ledger.push({ accountId: account, subscriptionId: user, effectiveAt: t + 10 * DAY, mrr: 10 * (1 + (i % 5)), plan: 'team', currency: 'USD' });
      if (random() < 0.3) ledger.push({ accountId: account, subscriptionId: user, effectiveAt: t + 40 * DAY, mrr: 0, plan: 'team', currency: 'USD' });
    }
  }
  return { messages, ledger };
}

describe('beyond-the-scorecard reports on DuckDB and ClickHouse', () => {
  let ch: ClickHouseStore;
  let duck: DuckDbStore;
  let cleanup: () => Promise<void>;
  let onDuck: ReportContext;
  let onCh: ReportContext;
  beforeAll(async () => {
    const chdb = await openChdb();
    ch = chdb.store;
    cleanup = chdb.cleanup;
    const data = company();
    duck = (await loadBoth(ch, [data.messages.slice(0, 2500), data.messages.slice(2500)], { ledger: data.ledger })).duck;
    const model = modelFromConfig(parseConfig(CONFIG));
    onDuck = reportContext(duck, model, AS_OF);
    onCh = reportContext(ch, model, AS_OF);
  }, 120_000);
  afterAll(async () => {
    await duck?.close();
    await cleanup?.();
  });

  const weeks = () => lastPeriods(AS_OF, 'week', 12, onDuck.model.time, true);
  // Each case also checks the data exercise the report (not an empty answer on both sides).
  const cases: [string, (ctx: ReportContext) => Promise<unknown>, (report: never) => boolean][] = [
    ['leading, retained', (ctx) => leadingReport(ctx, { minGroup: 5 }), (r: LeadingReport) => r.indicators.length > 5 && r.journey_strata.length === 3],
    ['leading, upgraded, ideal users, 3-day window', (ctx) => leadingReport(ctx, { outcome: 'upgraded', minGroup: 3, segment: 'ideal', withinDays: 3 }),
      (r: LeadingReport) => r.cohort.reached_outcome > 5 && r.indicators.length > 3],
    ['tree', (ctx) => treeReport(ctx, weeks()), (r: TreeReport) => r.edges.length === 3 && r.edges.every((e) => e.best_r !== null)],
    ['risk', (ctx) => riskReport(ctx), (r: RiskReport) => r.backtest.cases > 20 && r.backtest.hits > 0 && r.by_rule.reduce((n, b) => n + b.tripped, 0) > 3 && r.accounts_evaluated > r.accounts.length],
    ['predictive, ideal users', (ctx) => predictiveReport(ctx, weeks(), 'ideal'), (r: PredictiveReport) => r.pairs.length === 4 && r.pairs.every((p) => p.lagging.series!.some((v) => v.value !== null))],
  ];
  for (const [name, report, exercised] of cases) {
    it(name, async () => {
      const duckAnswer = await report(onDuck);
      expect(exercised(duckAnswer as never)).toBe(true);
      expectSameAnswers(await report(onCh), duckAnswer);
    });
  }
});
