/**
 * Engine conformance (docs/clickhouse.md): every report runs on DuckDB and on ClickHouse (embedded, chdb) over
 * the same messages, imported in the same batches, and the answers must be equal: exactly for
 * counts, to 1e-9 for rates. In the spirit of Hono's shared router tests: one table of report cases,
 * run over every data set and every calendar setting.
 *
 * To add a report: append a case to CASES (a name and a function from a report context to its JSON).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema/index.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { modelFromConfig, retentionDefinition } from '../src/model/from-config.js';
import { parseBreakdown, type Segment, type TimeRange } from '../src/model/metrics.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { reportContext, type ReportContext } from '../src/reports/context.js';
import { funnelReport, timeToValueReport, weeklyStagesReport } from '../src/reports/funnel.js';
import { seriesReport } from '../src/reports/north-star.js';
import { pqlReport, signupToFirstStrike } from '../src/reports/pql.js';
import { retentionReport } from '../src/reports/retention.js';
import { scorecardReport } from '../src/reports/scorecard-report.js';
import { healthWeekly, manualWeekly } from '../src/reports/providers.js';
import { revenueReport } from '../src/reports/revenue.js';
import { surveysReport } from '../src/reports/surveys.js';
import { heartReport } from '../src/reports/heart.js';
import { guardrailsReport } from '../src/reports/guardrails.js';
import { benchmarksReport } from '../src/reports/benchmarks.js';
import { leadingReport } from '../src/reports/leading.js';
import { treeReport } from '../src/reports/tree.js';
import { riskReport } from '../src/reports/risk.js';
import { predictiveReport } from '../src/reports/predictive.js';
import { eventCatalogue } from '../src/reports/catalogue.js';
import { healthModelFromConfig } from '../src/model/health.js';
import { parse as parseCsv } from 'csv-parse/sync';
import type { LedgerEntry } from '../src/engine/ingest/import-ledger.js';
import { parseLedgerRow } from '../src/engine/ingest/import-ledger.js';
import { parseManualPeriod, parseManualValue, type ManualInput } from '../src/engine/ingest/import-manual.js';
import { expectSameAnswers, loadBoth, openChdb } from './helpers/engines.js';
import { randomLedger, randomLog, randomManual, type RandomLogOptions } from './helpers/random-log.js';

interface Env {
  config: Config;
  /** The weeks (or months) the reports cover. */
  weeks: TimeRange;
  months: TimeRange;
}

interface Case {
  name: string;
  run: (ctx: ReportContext, env: Env) => Promise<unknown>;
  /** Many statements: run under the data set's first calendar only, to keep the suite near 90 s on 2 cores. */
  heavy?: boolean;
}

const SEGMENTS: Segment[] = ['all', 'ideal', 'not_ideal'];

/** Every report, with the option combinations that take different SQL paths. */
const CASES: Case[] = [
  ...SEGMENTS.map((segment): Case => ({ name: `north star, ${segment}`, run: (ctx, env) => seriesReport(ctx, ctx.model.northStar, env.weeks, segment) })),
  ...['channel', 'user.role', 'account.plan', 'odd'].map((key): Case => ({
    name: `north star by ${key}`, run: (ctx, env) => seriesReport(ctx, ctx.model.northStar, env.weeks, 'all', parseBreakdown(key), key),
  })),
  {
    name: 'every metric, weekly, daily and monthly', heavy: true,
    run: async (ctx, env) => {
      const out: unknown[] = [];
      for (const metric of ctx.model.metrics) {
        out.push(await seriesReport(ctx, metric, metric.frequency === 'month' ? env.months : env.weeks));
        if (metric.frequency === 'week') out.push(await seriesReport(ctx, { ...metric, frequency: 'day' }, env.weeks, 'ideal'));
      }
      return out;
    },
  },
  { name: 'north star monthly by user.role', run: (ctx, env) => seriesReport(ctx, { ...ctx.model.northStar, frequency: 'month' }, env.months, 'all', parseBreakdown('user.role')) },
  ...SEGMENTS.map((segment): Case => ({ name: `weekly stages, ${segment}`, run: (ctx, env) => weeklyStagesReport(ctx, env.weeks, segment) })),
  ...SEGMENTS.map((segment): Case => ({ name: `cohort funnel, ${segment}`, run: (ctx, env) => funnelReport(ctx, env.weeks, segment) })),
  ...['user.role', 'account.plan'].map((key): Case => ({ name: `cohort funnel by ${key}`, run: (ctx, env) => funnelReport(ctx, env.weeks, 'all', parseBreakdown(key)) })),
  {
    name: 'cohort funnel of a shorter journey (signup → first strike → upgrade)',
    run: (ctx, env) => funnelReport(ctx, env.weeks, 'all', undefined, ctx.model.journey.filter((s) => ['signup', 'first_strike', 'upgrade'].includes(s.stage))),
  },
  { name: 'cohort funnel signup → KUI → upgrade', run: (ctx, env) => funnelReport(ctx, env.weeks, 'ideal', undefined, ctx.model.journey.filter((s) => ['signup', 'kui', 'upgrade'].includes(s.stage))) },
  ...(['all', 'ideal'] as Segment[]).map((segment): Case => ({ name: `time to value, ${segment}`, run: (ctx, env) => timeToValueReport(ctx, env.weeks, segment) })),
  { name: 'signup → first strike', run: (ctx, env) => signupToFirstStrike(ctx, env.weeks) },
  { name: 'PQLs', run: (ctx, env) => pqlReport(ctx, env.weeks) },
  ...(['week', 'month'] as const).flatMap((period) => (['on', 'on_or_after'] as const).flatMap((mode) => SEGMENTS.map((segment): Case => ({
    name: `retention ${period} ${mode}, ${segment}`,
    run: (ctx, env) => retentionReport(ctx, retentionDefinition(ctx.model, period, mode), period === 'week' ? env.weeks : env.months, segment),
  })))),
  {
    name: 'scorecard with health and hand-entered rows', heavy: true,
    run: (ctx, env) => scorecardReport(ctx, env.config, { weeks: 8 }, {
      health: (names, weeks) => healthWeekly(ctx, env.config, names, weeks),
      manual: (keys, weeks) => manualWeekly(ctx, keys, weeks),
    }),
  },
  ...(['week', 'month'] as const).map((frequency): Case => ({
    name: `revenue, ${frequency}ly`,
    run: (ctx, env) => revenueReport(ctx, healthModelFromConfig(env.config), frequency, frequency === 'week' ? env.weeks : env.months, { trimLeading: frequency === 'month' }),
  })),
  ...(['all', 'ideal'] as Segment[]).map((segment): Case => ({ name: `surveys, ${segment}`, run: (ctx, env) => surveysReport(ctx, healthModelFromConfig(env.config), env.weeks, segment) })),
  { name: 'HEART', run: (ctx, env) => heartReport(ctx, healthModelFromConfig(env.config), env.weeks) },
  { name: 'guardrails', heavy: true, run: (ctx, env) => guardrailsReport(ctx, healthModelFromConfig(env.config), env.weeks) },
  { name: 'stage benchmarks', run: (ctx, env) => benchmarksReport(ctx, healthModelFromConfig(env.config), env.weeks) },
  ...(['retained', 'upgraded'] as const).map((outcome): Case => ({ name: `leading indicators, ${outcome}`, heavy: true, run: (ctx) => leadingReport(ctx, { outcome, minGroup: 1 }) })),
  { name: 'leading indicators, ideal users, 3 days', heavy: true, run: (ctx) => leadingReport(ctx, { segment: 'ideal', withinDays: 3, minGroup: 1 }) },
  { name: 'metric tree', run: (ctx, env) => treeReport(ctx, env.weeks) },
  { name: 'churn risk', run: (ctx) => riskReport(ctx) },
  { name: 'predictive (dashboard data)', heavy: true, run: (ctx, env) => predictiveReport(ctx, env.weeks) },
  { name: 'event catalogue', run: (ctx) => eventCatalogue(ctx) },
];

/** The suite's config: every measure, filter operator and journey shape the compiler handles. */
function suiteConfig(timezone: string, weekStart: 'monday' | 'sunday'): string {
  return `
product: Conformance
timezone: ${timezone}
week_start: ${weekStart}
stage: growth
business_model: b2b
conversion_window: 7d
gross_margin: 0.75
health:
  mrr: { owner: cfo@example.com, target: { gte: 500 } }
  revenue_churn: { owner: cfo@example.com, target: { lte: 0.02 } }
  nrr: { owner: cfo@example.com, target: { gte: 1 } }
  cash_balance: { source: manual, owner: cfo@example.com }
surveys:
  pmf: { event: Survey Answered, answer: response }
  nps: { event: NPS Submitted, score: score }
  csat: { event: CSAT Submitted, score: score }
heart:
  happiness:
    metrics:
      - { id: nps, survey: nps }
      - { id: thumbs_up, event: Reply Rated, share: { rating: { eq: up } } }
  engagement:
    metrics:
      - { id: messages_per_user, event: Message Sent, measure: count, per: user }
  adoption:
    metrics:
      - { id: new_users, event: Signed Up, measure: unique_users }
      - { id: search_adoption, adoption: { event: Search Used, launched: 2026-03-02, within: 14d } }
  retention:
    metrics:
      - { id: week1_retention, retention: { period: week, offset: 1 } }
  task_success:
    metrics:
      - { id: upload, task: { start: Upload Started, complete: Upload Completed, error: Upload Failed } }
guardrails:
  - { metric: heart.messages_per_user, guardrail: heart.thumbs_up, threshold: 0.1 }
  - { metric: heart.upload, guardrail: heart.upload.error_rate, threshold: 0.05, threshold_type: absolute }
  - { metric: north_star, guardrail: surveys.nps }
risk:
  key_feature: { event: Message Sent, drop: 0.5, min_before: 2 }
  support_tickets: { above: 1 }
ideal_user: { role: { in: [engineer, pm] }, company_size: { gte: 10 } }
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@example.com, target: { gte: 5 } }
  setup: { event: Workspace Created, owner: li@example.com, target_rate: 0.6 }
  first_strike: { event: Message Sent, where: { channel: { ne: self } }, owner: li@example.com }
  kui: { event: Message Sent, at_least: 3, within: 7d, owner: sam@example.com }
  upgrade: { event: Subscription Started, owner: sam@example.com, target_rate: 0.3 }
north_star: { name: Messages, event: Message Sent, where: { channel: { ne: self } }, measure: count, frequency: week, owner: ceo@example.com, target: { gte: 10 } }
metrics:
  - { id: messagers, event: Message Sent, measure: unique_users, frequency: week, owner: li@example.com, target: { gte: 3 } }
  - { id: teams, event: Message Sent, measure: unique_accounts, frequency: week, owner: li@example.com }
  - { id: amount, event: Message Sent, measure: "sum:amount", frequency: week, owner: sam@example.com }
  - { id: per_team, event: Message Sent, measure: count, per: account, frequency: week, owner: sam@example.com }
  - { id: per_user, event: Message Sent, measure: "sum:amount", per: user, frequency: week, owner: sam@example.com }
  - { id: heavy, event: Message Sent, measure: unique_users, at_least: 3, frequency: week, owner: sam@example.com }
  - { id: monthly, event: Page Viewed, measure: unique_users, frequency: month, owner: maya@example.com }
  - { id: filtered, event: Message Sent, where: { amount: { gt: 2 }, channel: { contains: e, nin: [random] }, odd: { exists: true } }, measure: count, frequency: week, owner: li@example.com }
  - { id: texts, event: Message Sent, where: { channel: { gte: "a", lt: "s" }, amount: { lte: 10, ne: 4 } }, measure: count, frequency: week, owner: li@example.com }
  - { id: missing, event: Message Sent, where: { odd: { exists: false } }, measure: count, frequency: week, owner: li@example.com }
  - { id: equals, event: Message Sent, where: { amount: { eq: 2.5 }, odd: { in: [1, "abc", true] } }, measure: count, frequency: week, owner: li@example.com }
`;
}

type Calendar = { timezone: string; weekStart: 'monday' | 'sunday' };
const UTC_MONDAY: Calendar = { timezone: 'UTC', weekStart: 'monday' };
const NEW_YORK_SUNDAY: Calendar = { timezone: 'America/New_York', weekStart: 'sunday' };

interface DataSet {
  name: string;
  batches: () => Promise<unknown[][]> | unknown[][];
  /** The subscription ledger and hand-entered values (read after `batches`). */
  extra?: () => { ledger?: LedgerEntry[]; manual?: ManualInput[] };
  asOf: string;
  weeks: [string, string];
  months: [string, string];
  /** The calendar settings to run every case under (the suite stays within ~90 s on 2 cores). */
  calendars: Calendar[];
  /** Config text for a calendar; defaults to the suite's. */
  config?: (timezone: string, weekStart: 'monday' | 'sunday') => string;
}

// ---------- the hand-made fixture: ties, retroactive identity, duplicates, a DST change ----------

let n = 0;
const mid = () => `fx-${++n}`;
const track = (event: string, ids: object, timestamp: string, properties: object = {}, messageId = mid()) =>
  ({ type: 'track', event, ...ids, timestamp, properties, messageId });
const page = (ids: object, timestamp: string) => ({ type: 'page', ...ids, timestamp, properties: { path: '/' }, messageId: mid() });

function fixture(): unknown[][] {
  n = 0;
  const dup = track('Message Sent', { userId: 'A' }, '2026-10-27T10:00:00Z', { channel: 'general', amount: 3 }, 'dup-1');
  const first = [
    // A: anonymous visits (one on New York's midnight, one across the DST change), linked later.
    page({ anonymousId: 'a1' }, '2026-10-26T04:00:00.000Z'),
    page({ anonymousId: 'a1' }, '2026-11-01T05:59:59.999Z'),
    page({ anonymousId: 'a2' }, '2026-11-01T06:00:00.000Z'),
    // B: visit, signup, setup and first strike on the very same millisecond.
    page({ anonymousId: 'b1' }, '2026-10-28T12:00:00Z'),
    track('Signed Up', { userId: 'B', anonymousId: 'b1' }, '2026-10-28T12:00:00Z'),
    track('Workspace Created', { userId: 'B' }, '2026-10-28T12:00:00Z'),
    track('Message Sent', { userId: 'B' }, '2026-10-28T12:00:00Z', { channel: 'general', amount: '2.5' }),
    track('Message Sent', { userId: 'B' }, '2026-10-28T12:00:00Z', { channel: 'general', amount: 2.5 }),
    track('Message Sent', { userId: 'B' }, '2026-10-28T12:00:00Z', { channel: 'self', amount: 1 }),
    { type: 'identify', userId: 'B', traits: { role: 'pm', company_size: 50 }, timestamp: '2026-10-28T12:00:00Z', messageId: mid() },
    dup,
    // An anonymous id claimed by two users at the same instant, in two imports: the first written wins.
    page({ anonymousId: 'x1' }, '2026-10-29T09:00:00Z'),
    { type: 'identify', userId: 'X', anonymousId: 'x1', traits: { role: 'engineer', company_size: 10 }, timestamp: '2026-10-30T09:00:00Z', messageId: mid() },
  ];
  const second = [
    // The link for A's anonymous ids arrives an import later, by identify and by alias.
    track('Signed Up', { userId: 'A' }, '2026-11-02T05:00:00Z'),
    { type: 'identify', userId: 'A', anonymousId: 'a1', traits: { role: 'engineer', company_size: '25' }, timestamp: '2026-11-02T05:00:01Z', messageId: mid() },
    { type: 'alias', userId: 'A', previousId: 'a2', timestamp: '2026-11-02T05:00:02Z', messageId: mid() },
    { type: 'group', userId: 'A', groupId: 'acme', traits: { plan: 'team' }, timestamp: '2026-11-02T05:00:03Z', messageId: mid() },
    track('Workspace Created', { userId: 'A' }, '2026-11-03T04:59:59.999Z'),
    { ...dup, properties: { channel: 'self', amount: 99 } }, // same id, other content: the first copy stays
    dup,
    track('Message Sent', { userId: 'A' }, '2026-11-04T10:00:00Z', { channel: 'general', amount: 1, odd: 1 }),
    track('Message Sent', { userId: 'A' }, '2026-11-05T10:00:00Z', { channel: 'random', amount: 10 }),
    track('Message Sent', { userId: 'A' }, '2026-11-09T05:00:00Z', { channel: 'général', amount: 12345678901234567000 }),
    track('Subscription Started', { userId: 'A' }, '2026-11-09T05:00:00Z', { plan: 'team' }),
    { type: 'identify', userId: 'Y', anonymousId: 'x1', traits: { role: 'pm' }, timestamp: '2026-10-30T09:00:00Z', messageId: mid() },
    // Traits rewritten later: the latest value of each key wins, other keys stay.
    { type: 'identify', userId: 'B', traits: { role: 'designer' }, timestamp: '2026-11-10T00:00:00Z', messageId: mid() },
    { type: 'group', userId: 'B', groupId: 'acme', traits: { plan: 'business' }, timestamp: '2026-11-10T00:00:01Z', messageId: mid() },
    // PostHog: an anonymous distinct id identified later.
    { event: '$pageview', distinct_id: 'ph-anon', timestamp: '2026-11-06T23:30:00Z', uuid: mid(), properties: { $current_url: 'https://x.io/' } },
    { event: 'Signed Up', distinct_id: 'ph-anon', timestamp: '2026-11-07T00:30:00Z', uuid: mid(), properties: {} },
    { event: '$identify', distinct_id: 'P', timestamp: '2026-11-07T00:31:00Z', uuid: mid(), properties: { $anon_distinct_id: 'ph-anon', $set: { role: 'engineer', company_size: 12 } } },
    { event: 'Message Sent', distinct_id: 'P', timestamp: '2026-11-08T00:00:00Z', uuid: mid(), properties: { $is_identified: true, channel: 'general', amount: 4 } },
  ];
  return [first, second];
}

// ---------- the demo company, when the generator is part of this tree ----------

const DEMO_MODULE = new URL('../src/demo/index.ts', import.meta.url);
const demoRoot = mkdtempSync(join(tmpdir(), 'truenorth-conformance-'));
let demoConfig = '';
let demoExtra: { ledger: LedgerEntry[]; manual: ManualInput[] } = { ledger: [], manual: [] };

async function demoBatches(): Promise<unknown[][]> {
  type Generate = (o: { outDir: string; users: number; weeks: number; seed: number; endDate: string }) => Promise<{ files: { events: string; config: string; subscriptions: string; manual: string } }>;
  const { generateDemo } = (await import(DEMO_MODULE.href)) as { generateDemo: Generate };
  const summary = await generateDemo({ outDir: demoRoot, users: 250, weeks: 12, seed: 7, endDate: '2026-11-16' });
  demoConfig = readFileSync(summary.files.config, 'utf8');
  const csv = (file: string) => parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  demoExtra = {
    ledger: csv(summary.files.subscriptions).map(parseLedgerRow),
    manual: csv(summary.files.manual).map((r) => ({
      metric: r.metric, period: parseManualPeriod(r.week ?? r.period), value: r.value === '' ? null : parseManualValue(r.value),
      enteredBy: r.entered_by || 'demo', note: r.note || null,
    })),
  };
  const lines = readFileSync(summary.files.events, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
  const batches: unknown[][] = [];
  for (let i = 0; i < lines.length; i += 5_000) batches.push(lines.slice(i, i + 5_000));
  return batches;
}

/** A random log with a ledger for its accounts and weekly hand entries over `weeks` (first, last). */
function randomData(o: RandomLogOptions, weeks: [string, string]): Pick<DataSet, 'batches' | 'extra'> {
  const first = Number(weeks[0].slice(6));
  const names = Array.from({ length: Number(weeks[1].slice(6)) - first + 1 }, (_, i) => `${weeks[0].slice(0, 6)}${String(first + i).padStart(2, '0')}`);
  return {
    batches: () => randomLog(o),
    extra: () => ({ ledger: randomLedger(o), manual: randomManual(o, names) }),
  };
}

/** The hand-made fixture's ledger (acme: start, upgrade, churn, comeback; globex: an annual plan) and hand entries. */
function fixtureExtra(): { ledger: LedgerEntry[]; manual: ManualInput[] } {
  const row = (accountId: string, effectiveAt: string, mrr: number, subscriptionId = ''): LedgerEntry =>
    ({ accountId, subscriptionId, effectiveAt: Date.parse(effectiveAt), mrr, plan: null, currency: 'USD' });
  return {
    ledger: [
      row('acme', '2026-10-05T00:00:00Z', 99), row('acme', '2026-10-26T04:00:00Z', 250), row('acme', '2026-11-01T06:00:00Z', 0),
      row('acme', '2026-11-15T12:00:00Z', 99), row('globex', '2026-10-01T00:00:00Z', 1000 / 12, 'annual'), row('globex', '2026-11-09T05:00:00Z', 50),
      row('globex', '2026-11-09T05:00:00Z', 60),
    ],
    manual: [
      { metric: 'cash_balance', period: '2026-W44', value: 500_000, enteredBy: 'cfo' },
      { metric: 'cash_balance', period: '2026-W45', value: 480_000, enteredBy: 'cfo' },
      { metric: 'cash_balance', period: '2026-W45', value: 470_000, enteredBy: 'ceo', note: 'corrected' },
      { metric: 'sales_marketing_spend', period: '2026-11', value: 12_000, enteredBy: 'cfo' },
      { metric: 'burn', period: '2026-10', value: 40_000, enteredBy: 'cfo' },
    ],
  };
}

const DATA_SETS: DataSet[] = [
  { name: 'hand-made fixture', batches: fixture, extra: fixtureExtra, calendars: [UTC_MONDAY, NEW_YORK_SUNDAY], asOf: '2026-11-25T12:00:00Z', weeks: ['2026-W43', '2026-W47'], months: ['2026-10', '2026-11'] },
  {
    name: 'random log (seed 1)',
    ...randomData({ seed: 1, actors: 160, start: Date.parse('2026-08-20T00:00:00Z'), end: Date.parse('2026-11-30T00:00:00Z'), batches: 4 }, ['2026-W35', '2026-W48']),
    calendars: [UTC_MONDAY],
    asOf: '2026-11-26T15:00:00Z', weeks: ['2026-W35', '2026-W47'], months: ['2026-08', '2026-11'],
  },
  {
    name: 'random log (seed 2, spanning the March DST change)',
    ...randomData({ seed: 2, actors: 220, start: Date.parse('2026-02-01T00:00:00Z'), end: Date.parse('2026-04-20T00:00:00Z'), batches: 6 }, ['2026-W05', '2026-W16']),
    calendars: [NEW_YORK_SUNDAY],
    asOf: '2026-04-15T03:00:00Z', weeks: ['2026-W06', '2026-W15'], months: ['2026-02', '2026-04'],
  },
];
if (existsSync(DEMO_MODULE)) {
  DATA_SETS.push({
    name: 'demo company', batches: demoBatches, extra: () => demoExtra, calendars: [NEW_YORK_SUNDAY], asOf: '2026-11-16T12:00:00Z', weeks: ['2026-W35', '2026-W46'], months: ['2026-09', '2026-11'],
    config: (timezone, weekStart) => demoConfig.replace(/^timezone:.*$/m, `timezone: ${timezone}`).replace(/^week_start:.*$/m, `week_start: ${weekStart}`),
  });
}

let ch: ClickHouseStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store: ch, cleanup } = await openChdb());
});
afterAll(async () => {
  await cleanup?.();
  rmSync(demoRoot, { recursive: true, force: true });
});

for (const data of DATA_SETS) {
  describe(data.name, () => {
    let duck: DuckDbStore;
    beforeAll(async () => {
      const loaded = await loadBoth(ch, await data.batches(), data.extra?.());
      duck = loaded.duck;
      // Both writers count the same new messages and duplicates, batch by batch.
      expectSameAnswers(loaded.counts.ch, loaded.counts.duck);
    });
    afterAll(async () => {
      await duck?.close();
    });

    it('has data every report sees (a vacuous agreement proves nothing)', async () => {
      const rows = await ch.all<{ event: string; actors: number }>('SELECT event, uniqExact(actor_id) AS actors FROM actor_events GROUP BY event ORDER BY event');
      const byEvent = Object.fromEntries(rows.map((r) => [r.event, r.actors]));
      for (const event of ['Page Viewed', 'Signed Up', 'Message Sent']) if (!(byEvent[event] > 0)) throw new Error(`no ${event} events in ${data.name}`);
      const linked = await duck.all<{ n: number }>('SELECT count(*)::INT AS n FROM identity_links');
      if (!(linked[0].n > 0)) throw new Error(`no identity links in ${data.name}`);
    });

    for (const [n, calendar] of data.calendars.entries()) {
      describe(`${calendar.timezone}, weeks from ${calendar.weekStart}`, () => {
        const env = () => {
          const text = (data.config ?? suiteConfig)(calendar.timezone, calendar.weekStart);
          const config = parseConfig(text);
          const model = modelFromConfig(config);
          const asOf = Date.parse(data.asOf);
          return {
            duck: reportContext(duck, model, asOf),
            ch: reportContext(ch, model, asOf),
            env: { config, weeks: rangeOfPeriods(data.weeks[0], data.weeks[1], model.time), months: rangeOfPeriods(data.months[0], data.months[1], model.time) },
          };
        };
        for (const c of CASES.filter((c) => n === 0 || !c.heavy)) {
          it(c.name, async () => {
            const e = env();
            const expected = await c.run(e.duck, e.env);
            const actual = await c.run(e.ch, e.env);
            expectSameAnswers(actual, expected);
          });
        }
      });
    }
  });
}
