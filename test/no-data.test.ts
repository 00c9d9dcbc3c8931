/**
 * No data is not zero (docs/no-data.md): cells before the data begins, of an event with no rows,
 * or without their inputs are `no_data` with a reason; no bottleneck, CEO of the week, praise or OKR
 * progress is drawn from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { writeLedger, type LedgerEntry } from '../src/engine/ingest/import-ledger.js';
import { buildDigest, digestMarkdown, digestSlackBody } from '../src/reports/digest.js';
import { dataCoverage } from '../src/reports/no-data.js';
import { okrProgress } from '../src/reports/okrs.js';
import { MIN_PRAISE_BASE } from '../src/reports/praise.js';
import { scorecardProviders } from '../src/reports/providers.js';
import { scorecardReport, type ScorecardReport } from '../src/reports/scorecard-report.js';
import { contextFor, seg, storeFrom } from './helpers/fixture-store.js';
import { loadBoth, openChdb } from './helpers/engines.js';
import { reportContext } from '../src/reports/context.js';
import { healthModelFromConfig, modelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';

const AS_OF = '2026-11-25T12:00:00Z'; // the last complete week is 2026-W47 (Nov 16–22)

/** The journey names `Signed Up`; the app sends `user_signed_up` (the typo'd stage event). */
const TYPO = `
product: Typo
journey:
  visit: { event: Page Viewed, owner: ads@x, target: { gte: 1 } }
  signup: { event: Signed Up, owner: maya@x, target: { gte: 400 }, target_rate: 0.5 }
  setup: { event: Workspace Created, owner: li@x, target_rate: 0.8 }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x }
okrs:
  - objective: Activate
    due: 2026-12-31
    key_results:
      - { metric: journey.setup, from: 0.2, to: 0.6 }
`;

// W47: four visitors; two sign up (as `user_signed_up`), set up and send a message.
const typoEvents = ['v1', 'v2', 'v3', 'v4'].flatMap((a, i) => [
  seg.page({ anonymousId: a }, `2026-11-1${6 + i}T10:00:00Z`),
  ...(i < 2 ? [
    seg.track('user_signed_up', { userId: `u${i}`, anonymousId: a }, `2026-11-1${6 + i}T11:00:00Z`),
    seg.track('Workspace Created', { userId: `u${i}` }, `2026-11-1${6 + i}T12:00:00Z`),
    seg.track('Message Sent', { userId: `u${i}` }, `2026-11-1${6 + i}T13:00:00Z`),
  ] : []),
]);

const card = (store: DuckDbStore, yaml: string, weeks = 1, asOf = AS_OF): Promise<ScorecardReport> => {
  const ctx = contextFor(store, yaml, asOf);
  const config = parseConfig(yaml);
  return scorecardReport(ctx, scorecardModelFromConfig(config), { weeks }, scorecardProviders(ctx, healthModelFromConfig(config)));
};
const row = (r: ScorecardReport, id: string) => r.rows.find((x) => x.id === id)!;
const NEVER = 'every journey step with a target is on target';

describe('a stage event with no rows (a typo)', () => {
  let store: DuckDbStore;
  beforeAll(async () => { store = await storeFrom(typoEvents); });
  afterAll(() => store.close());

  it('marks the stage no_data with a reason and names no bottleneck or CEO from it', async () => {
    const r = await card(store, TYPO);
    const signups = row(r, 'journey.signup');
    expect([signups.values, signups.status, signups.reasons]).toEqual([[null], ['no_data'], ['no `Signed Up` events stored']]);
    // The next stage has data but no step to judge: both steps touch the empty stage.
    expect(row(r, 'journey.setup').values).toEqual([2]);
    expect(r.journey_steps.map((s) => [s.to, s.actual_rate, s.no_data])).toEqual([
      ['signup', null, 'Signups has no data this week (no `Signed Up` events stored)'],
      ['setup', null, 'Signups has no data this week (no `Signed Up` events stored)'],
    ]);
    expect(r.bottleneck).toBeNull();
    expect(r.bottleneck_note).toBe('No bottleneck: Signups has no data this week (no `Signed Up` events stored).');
    expect(r.ceo_of_the_week).toBeNull();
    expect(r.ceo_note).toBe('No CEO of the week: no row with data is off track; no data this week for Signups.');
    expect(JSON.stringify(r)).not.toContain(NEVER);
    // The OKR on the step with no data has no progress, and says why.
    const [okr] = okrProgress(parseConfig(TYPO).okrs, r);
    expect(okr.key_results[0]).toMatchObject({ current: null, progress: null, status: 'no_data', reason: 'Signups has no data this week (no `Signed Up` events stored)' });
  });

  it('judges the bottleneck on the steps with data, and says which ones it could not judge', async () => {
    // The setup event is the typo now: visit → signup (2 of 4 against 80 %) is the bottleneck.
    const yaml = TYPO.replace('event: Signed Up', 'event: user_signed_up, target_rate: 0.8').replace(', target_rate: 0.5', '')
      .replace('event: Workspace Created', 'event: Workspace Craeted');
    const r = await card(store, yaml);
    expect(r.bottleneck).toMatchObject({ from_stage: 'visit', stage: 'signup', owner: 'maya@x' });
    expect(r.bottleneck_note).toBe('Judged only on the steps with data this week: Setups has no data this week (no `Workspace Craeted` events stored).');
    expect(r.ceo_of_the_week).toMatchObject({ owner: 'maya@x' });
  });
});

describe('weeks before the data begins', () => {
  let store: DuckDbStore;
  // The store's events start in W45 (Nov 3); W46 has no signup, W47 one.
  const YAML = `
product: Late
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@x, target: { gte: 1 } }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x, target: { gte: 1 } }
`;
  beforeAll(async () => {
    store = await storeFrom([
      seg.track('Message Sent', { userId: 'u0' }, '2026-10-27T09:00:00Z'),
      seg.page({ anonymousId: 'a1' }, '2026-11-03T09:00:00Z'),
      seg.track('Signed Up', { userId: 'u1', anonymousId: 'a1' }, '2026-11-03T10:00:00Z'),
      seg.track('Signed Up', { userId: 'u2' }, '2026-11-17T10:00:00Z'),
    ]);
  });
  afterAll(() => store.close());

  it('are no_data before the first event of the row, computed from its week on (a real zero stays off track)', async () => {
    const r = await card(store, YAML, 5);
    expect(r.weeks).toEqual(['2026-W43', '2026-W44', '2026-W45', '2026-W46', '2026-W47']);
    const signups = row(r, 'journey.signup');
    expect(signups.values).toEqual([null, null, 1, 0, 1]);
    expect(signups.status).toEqual(['no_data', 'no_data', 'on_track', 'off_track', 'on_track']);
    expect(signups.reasons).toEqual([
      'before the first `Signed Up` event (2026-11-03)', 'before the first `Signed Up` event (2026-11-03)', null, null, null,
    ]);
    // The North Star's event begins a week earlier (W44).
    expect(row(r, 'north_star').status).toEqual(['no_data', 'on_track', 'off_track', 'off_track', 'off_track']);
    expect(signups.trend).toBeNull(); // 0 → 1: no ratio to a zero
  });
});

describe('an empty store', () => {
  let store: DuckDbStore;
  const YAML = `
product: Empty
journey:
  visit: { event: Page Viewed, owner: ads@x }
  signup: { event: Signed Up, owner: maya@x, target: { gte: 400 }, target_rate: 0.05 }
  setup: { event: Workspace Created, owner: li@x, target_rate: 0.6 }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@x, target: { gte: 480 } }
health:
  mrr: { owner: cfo@x, target: { gte: 10000 } }
  revenue_churn: { owner: cs@x, target: { lte: 0.02 } }
okrs:
  - objective: Grow
    due: 2026-12-31
    key_results:
      - { metric: north_star, from: 300, to: 480 }
`;
  beforeAll(async () => { store = await storeFrom([]); });
  afterAll(() => store.close());

  it('names no CEO and no bottleneck; MRR without a ledger is no_data; OKRs have no progress; the digest says so', async () => {
    const r = await card(store, YAML, 2);
    for (const x of r.rows) expect([x.id, x.status]).toEqual([x.id, ['no_data', 'no_data']]);
    expect(row(r, 'health.mrr').reasons).toEqual(['no subscription ledger imported', 'no subscription ledger imported']);
    expect(row(r, 'north_star').reasons).toEqual(['no `Message Sent` events stored', 'no `Message Sent` events stored']);
    expect([r.bottleneck, r.ceo_of_the_week, r.praise]).toEqual([null, null, []]);
    expect(r.bottleneck_note).toBe('No bottleneck: Unique visitors has no data this week (no `Page Viewed` events stored); '
      + 'Signups has no data this week (no `Signed Up` events stored); Setups has no data this week (no `Workspace Created` events stored).');
    expect(r.ceo_note).toMatch(/^No CEO of the week: no row with data is off track; no data this week for Messages, Unique visitors, Signups, Setups, MRR and Gross revenue churn\.$/);

    const okrs = okrProgress(parseConfig(YAML).okrs, r);
    expect(okrs[0].key_results[0]).toMatchObject({ current: null, progress: null, status: 'no_data', reason: 'no `Message Sent` events stored' });
    const digest = buildDigest('Empty', r, okrs, [], []);
    const md = digestMarkdown(digest);
    expect(md).toContain(`\n${r.bottleneck_note}\n`);
    expect(md).toContain('- **Grow** (due 2026-12-31): no data');
    expect(md).toContain('No CEO of the week: no row with data is off track');
    expect(md).not.toContain('**CEO of the week:**');
    expect(md).toContain('| · | MRR | cfo@x | no data | ≥ $10,000 | — |');
    expect(md).toContain('- MRR: no subscription ledger imported');
    expect(md).toContain('  - north_star: no data (from 300 to 480) — no progress (no `Message Sent` events stored)');
    expect(md).not.toMatch(/regressed|\| \$0 |🔴|## Off track/);
    const slack = digestSlackBody(digest);
    expect(slack.text).toBe(`Empty ${r.weeks[1]}: ${r.bottleneck_note}`);
    expect(JSON.stringify(slack.blocks)).toContain('MRR: no data (no subscription ledger imported)');
  });
});

describe('praise needs data and a minimum base', () => {
  const YAML = `
product: Praise
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@x, target: { gte: 0 } }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week }
health:
  revenue_churn: { owner: cs@x, target: { lte: 0.02 } }
`;
  const ledger = (customers: number): LedgerEntry[] => Array.from({ length: customers }, (_, i) => ({
    accountId: `acct${i}`, subscriptionId: '', effectiveAt: Date.parse('2026-09-01T00:00:00Z'), mrr: 100, plan: null, currency: null,
  }));
  const stores: DuckDbStore[] = [];
  afterAll(() => Promise.all(stores.map((s) => s.close())));

  it(`praises a churn rate of 0.0 % only over at least ${MIN_PRAISE_BASE} customers, and never a zero count`, async () => {
    const praised: Record<number, string[]> = {};
    for (const customers of [2, MIN_PRAISE_BASE]) {
      const store = await storeFrom([seg.track('Signed Up', { userId: 'u1' }, '2026-09-01T10:00:00Z')]);
      stores.push(store);
      await store.transaction(() => writeLedger(store, ledger(customers), 'test'));
      const r = await card(store, YAML);
      const churn = row(r, 'health.revenue_churn');
      expect([churn.values, churn.status, churn.base]).toEqual([[0], ['on_track'], [customers]]);
      // Signups: 0 against ≥ 0 is on track, but a zero is never praised.
      expect(row(r, 'journey.signup').status).toEqual(['on_track']);
      praised[customers] = r.praise.map((p) => p.metric);
    }
    expect(praised).toEqual({ 2: [], [MIN_PRAISE_BASE]: ['health.revenue_churn'] });
  });
});

describe('first-seen times on both engines', () => {
  it('agree between DuckDB and ClickHouse, and an empty ClickHouse store has no first or last event (not 1970)', async () => {
    const { store: ch, cleanup } = await openChdb();
    try {
      const model = modelFromConfig(parseConfig(TYPO));
      const events = ['Page Viewed', 'Signed Up', 'user_signed_up', 'Message Sent'];
      const { duck } = await loadBoth(ch, [typoEvents]);
      const [d, c] = await Promise.all([duck, ch].map((e) => dataCoverage(reportContext(e, model), events)));
      await duck.close();
      expect(d.storeFirst).toBe(Date.parse('2026-11-16T10:00:00Z'));
      expect(d.storeLast).toBe(Date.parse('2026-11-19T10:00:00Z'));
      expect([...d.firstSeen].sort()).toEqual([
        ['Message Sent', Date.parse('2026-11-16T13:00:00Z')], ['Page Viewed', Date.parse('2026-11-16T10:00:00Z')], ['user_signed_up', Date.parse('2026-11-16T11:00:00Z')],
      ]);
      expect({ ...c, firstSeen: [...c.firstSeen].sort() }).toEqual({ ...d, firstSeen: [...d.firstSeen].sort() });
      const { duck: empty } = await loadBoth(ch, []);
      const [de, ce] = await Promise.all([empty, ch].map((e) => dataCoverage(reportContext(e, model), events)));
      await empty.close();
      expect([de.storeFirst, de.storeLast, de.firstSeen.size, ce.storeFirst, ce.storeLast, ce.firstSeen.size]).toEqual([null, null, 0, null, null, 0]);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
