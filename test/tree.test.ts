import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { writeLedger } from '../src/engine/ingest/import-ledger.js';
import { lastPeriods, periodsIn } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { judgeEdge, laggedCorrelations, treeReport, type TreeReport } from '../src/reports/tree.js';
import { storeFrom } from './helpers/fixture-store.js';
import { DAY, demoCompany, HOUR, rng, track, type DemoCompany } from './helpers/beyond.js';
import { modelFromConfig } from '../src/config/model.js';

const WEEK = 7 * DAY;

describe('lagged correlations', () => {
  it('finds the lag at which the target follows the driver, on week-over-week changes', () => {
    const random = rng(11);
    const driver = Array.from({ length: 20 }, () => Math.round(random() * 50));
    // The target grows by 10 a week and moves with the driver two weeks later.
    const target = driver.map((_, t) => 100 + 10 * t + (t >= 2 ? 5 * driver[t - 2] : 0));
    const lags = laggedCorrelations(driver, target);
    expect(lags.map((l) => l.lag)).toEqual([0, 1, 2, 3, 4]);
    expect(lags.map((l) => l.pairs)).toEqual([19, 18, 17, 16, 15]);
    // The pair whose change spans t = 1…2 mixes in the missing t − 2 value; from then on the fit is exact.
    expect(lags[2].r!).toBeGreaterThan(0.99);
    const judged = judgeEdge(lags, 'Driver', 'Target');
    expect(judged).toMatchObject({ best_lag: 2, moves_with_target: true, warning: null });
    expect(judged.p_value!).toBeLessThan(1e-6);
  });

  it('warns when a driver does not move with its target, or when there are too few weeks to tell', () => {
    const random = rng(5);
    const a = Array.from({ length: 16 }, () => random());
    const b = Array.from({ length: 16 }, () => random());
    const unrelated = judgeEdge(laggedCorrelations(a, b), 'Themes', 'Messages');
    expect(unrelated.moves_with_target).toBe(false);
    expect(unrelated.warning).toMatch(/^Themes does (not|not clearly) move with Messages/);
    const short = judgeEdge(laggedCorrelations([1, 2, 3, 5, 8], [2, 3, 5, 8, 13]), 'A', 'B');
    expect(short).toMatchObject({ best_lag: null, moves_with_target: false });
    expect(short.warning).toMatch(/only 4 weekly changes of data, too few/);
    const flat = judgeEdge(laggedCorrelations([3, 3, 3, 3, 3, 3, 3, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]), 'A', 'B');
    expect(flat.warning).toMatch(/did not change/);
    // Gaps (null) drop the pairs they touch.
    expect(laggedCorrelations([1, null, 3, 4], [1, 2, 3, 4], 0)[0].pairs).toBe(1);
  });
});

describe('the measured tree on a generated log', () => {
  const CONFIG = [
    'product: T',
    'journey: { visit: { event: Page Viewed }, signup: { event: Signed Up } }',
    'north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, drives: [health.mrr, health.nrr] }',
    'metrics:',
    '  - { id: integrations, name: Integrations, event: Integration Connected, measure: count, frequency: week, drives: north_star }',
    '  - { id: themes, event: Theme Changed, measure: count, frequency: day, drives: north_star }',
    '  - { id: spend, name: Spend, source: manual, frequency: week, drives: integrations }',
    '  - { id: loose, event: Theme Changed, measure: count, frequency: week }',
  ].join('\n');
  const START = Date.UTC(2026, 0, 5); // Monday, 2026-W02
  const WEEKS = 20;
  const AS_OF = START + WEEKS * WEEK;
  const random = rng(99);
  const integrations = Array.from({ length: WEEKS }, () => Math.floor(random() * 30));
  const themes = Array.from({ length: WEEKS }, () => 5 + Math.floor(random() * 20));
  const messages = integrations.map((_, w) => 100 + 5 * w + (w > 0 ? 4 * integrations[w - 1] : 0));
  let store: DuckDbStore;
  let report: TreeReport;

  beforeAll(async () => {
    const events: unknown[] = [];
    for (let w = 0; w < WEEKS; w++) {
      const base = START + w * WEEK + DAY + 12 * HOUR; // Tuesday noon
      for (let i = 0; i < messages[w]; i++) events.push(track('Message Sent', `m${i % 40}`, base + i * 60_000));
      for (let i = 0; i < integrations[w]; i++) events.push(track('Integration Connected', `m${i % 40}`, base + i * 60_000));
      for (let i = 0; i < themes[w]; i++) events.push(track('Theme Changed', `m${i % 40}`, base + i * 60_000));
    }
    store = await storeFrom(events);
    // Two subscriptions of one account (summed), a second account that cancels, a change after as-of.
    await store.transaction(() => writeLedger(store, [
      { accountId: 'a1', subscriptionId: 's1', effectiveAt: START + 2 * DAY, mrr: 100, plan: null, currency: null },
      { accountId: 'a1', subscriptionId: 's2', effectiveAt: START + WEEK + 2 * DAY, mrr: 50, plan: null, currency: null },
      { accountId: 'a1', subscriptionId: 's1', effectiveAt: START + 3 * WEEK, mrr: 120, plan: null, currency: null },
      { accountId: 'a2', subscriptionId: '', effectiveAt: START + 3 * DAY, mrr: 30, plan: null, currency: null },
      { accountId: 'a2', subscriptionId: '', effectiveAt: START + 4 * WEEK + DAY, mrr: 0, plan: null, currency: null },
      { accountId: 'a1', subscriptionId: 's2', effectiveAt: AS_OF + DAY, mrr: 999, plan: null, currency: null },
    ], 'test'));
    const weekNames = periodsIn({ from: START, to: AS_OF }, 'week', { timezone: 'UTC', weekStart: 'monday' }).map((p) => p.name);
    for (const [i, name] of weekNames.entries()) {
      await store.run(`INSERT INTO manual_values (metric, period, value, entered_by, entered_at, note) VALUES ('spend', $p, $v, 'cfo', now()::TIMESTAMP, NULL)`, { p: name, v: i % 3 === 0 ? 1 : 7 });
    }
    // A correction: the latest entry wins.
    await store.run(`INSERT INTO manual_values (metric, period, value, entered_by, entered_at, note) VALUES ('spend', $p, 1000, 'cfo', now()::TIMESTAMP + INTERVAL 1 SECOND, 'fix')`, { p: weekNames[0] });
    const ctx = reportContext(store, modelFromConfig(parseConfig(CONFIG)), AS_OF);
    report = await treeReport(ctx, lastPeriods(AS_OF, 'week', 26, ctx.model.time, true));
  });
  afterAll(() => store.close());

  it('covers the weeks from the first with data', () => {
    expect(report.weeks).toHaveLength(WEEKS);
    expect(report.weeks[0]).toBe('2026-W02');
    expect(report.nodes.find((n) => n.id === 'north_star')!.series.map((p) => p.value)).toEqual(messages);
    expect(report.nodes.find((n) => n.id === 'integrations')!.series.map((p) => p.value)).toEqual(integrations);
    // A daily metric is measured weekly in the tree.
    expect(report.nodes.find((n) => n.id === 'themes')!.series.map((p) => p.value)).toEqual(themes);
  });

  it('finds the planted driver at its lag and warns about the unrelated one', () => {
    const edge = report.edges.find((e) => e.from === 'integrations')!;
    expect(edge).toMatchObject({ to: 'north_star', from_name: 'Integrations', to_name: 'Messages', best_lag: 1, moves_with_target: true, warning: null });
    expect(edge.best_r!).toBeGreaterThan(0.99);
    expect(edge.lags).toHaveLength(5);
    const themesEdge = report.edges.find((e) => e.from === 'themes')!;
    expect(themesEdge.moves_with_target).toBe(false);
    expect(themesEdge.warning).toMatch(/^themes does (not|not clearly) move with Messages/);
  });

  it('reads manual metrics (latest entry per week) and weekly MRR from the ledger', () => {
    const spend = report.nodes.find((n) => n.id === 'spend')!;
    expect(spend.kind).toBe('manual');
    expect(spend.series[0].value).toBe(1000);
    expect(spend.series[1].value).toBe(7);
    const mrr = report.nodes.find((n) => n.id === 'health.mrr')!.series.map((p) => p.value);
    // End of week 0: a1 100 + a2 30; week 1: + s2 50; week 3: s1 → 120 (effective at the week's start); week 4: a2 cancels.
    expect(mrr.slice(0, 6)).toEqual([130, 180, 180, 200, 170, 170]);
    expect(mrr[WEEKS - 1]).toBe(170); // the change after as-of is not counted
    const nrr = report.edges.find((e) => e.to === 'health.nrr')!;
    expect(nrr.warning).toMatch(/no weekly series for health.nrr/);
  });

  it('knows the shape of the tree', () => {
    expect(report.roots.sort()).toEqual(['health.mrr', 'health.nrr']);
    expect(report.unattached).toEqual(['loose']);
    expect(report.edges.map((e) => `${e.from}→${e.to}`)).toEqual([
      'integrations→north_star', 'themes→north_star', 'spend→integrations', 'north_star→health.mrr', 'north_star→health.nrr',
    ]);
  });
});

describe('the tree on the demo company', () => {
  let demo: DemoCompany;
  let report: TreeReport;
  beforeAll(async () => {
    demo = await demoCompany();
    report = await treeReport(demo.ctx, lastPeriods(demo.ctx.asOf, 'week', 26, demo.ctx.model.time, true));
  });
  afterAll(() => demo.cleanup());

  it('shows the planted driver (Integration Connected) correlating with the North Star at its planted lag of one week', () => {
    const edge = report.edges.find((e) => e.from === 'integrations_connected' && e.to === 'north_star')!;
    expect(edge.best_lag).toBe(demo.summary.planted.driver.leads_by_weeks);
    expect(edge.best_lag).toBe(1);
    expect(edge.best_r!).toBeGreaterThan(0.8);
    expect(edge.moves_with_target).toBe(true);
    expect(edge.warning).toBeNull();
    // The levels alone could not tell the lag: both series grow.
    expect(edge.lags[0].r_levels!).toBeGreaterThan(0.5);
    expect(report.weeks).toHaveLength(demo.summary.period.weeks);
  });
});
