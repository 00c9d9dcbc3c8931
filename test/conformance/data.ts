/**
 * The conformance suite's data sets: a hand-made fixture of the hard cases, seeded random logs,
 * and the demo company when its generator is part of this tree; each with the calendars to run under.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { LedgerEntry } from '../../src/engine/ingest/import-ledger.js';
import { parseLedgerRow } from '../../src/engine/ingest/import-ledger.js';
import { parseManualPeriod, parseManualValue, type ManualInput } from '../../src/engine/ingest/import-manual.js';
import { randomLedger, randomLog, randomManual, type RandomLogOptions } from '../helpers/random-log.js';

export type Calendar = { timezone: string; weekStart: 'monday' | 'sunday' };
const UTC_MONDAY: Calendar = { timezone: 'UTC', weekStart: 'monday' };
const NEW_YORK_SUNDAY: Calendar = { timezone: 'America/New_York', weekStart: 'sunday' };

export interface DataSet {
  name: string;
  batches: () => Promise<unknown[][]> | unknown[][];
  /** The subscription ledger and hand-entered values (read after `batches`). */
  extra?: () => { ledger?: LedgerEntry[]; manual?: ManualInput[] };
  asOf: string;
  weeks: [string, string];
  months: [string, string];
  /** The calendar settings to run every case under (the suite stays within ~90 s on 2 cores). */
  calendars: Calendar[];
  /**
   * Cases whose answer on this data set is empty or all zeros, each with the reason; every other
   * case must have something to agree on (the DuckDB file checks both ways).
   */
  nothingToCompare?: Record<string, string>;
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

const DEMO_MODULE = new URL('../../src/demo/index.ts', import.meta.url);

type Generate = (o: { outDir: string; users: number; weeks: number; seed: number; endDate: string }) => Promise<{ files: { events: string; config: string; subscriptions: string; manual: string } }>;

/** The demo company's data set; it writes its files under `root`. */
function demoCompany(root: string): DataSet {
  let config = '';
  let extra: { ledger: LedgerEntry[]; manual: ManualInput[] } = { ledger: [], manual: [] };
  const batches = async (): Promise<unknown[][]> => {
    const { generateDemo } = (await import(DEMO_MODULE.href)) as { generateDemo: Generate };
    const summary = await generateDemo({ outDir: root, users: 250, weeks: 12, seed: 7, endDate: '2026-11-16' });
    config = readFileSync(summary.files.config, 'utf8');
    const csv = (file: string) => parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
    extra = {
      ledger: csv(summary.files.subscriptions).map(parseLedgerRow),
      manual: csv(summary.files.manual).map((r) => ({
        metric: r.metric, period: parseManualPeriod(r.week ?? r.period), value: r.value === '' ? null : parseManualValue(r.value),
        enteredBy: r.entered_by || 'demo', note: r.note || null,
      })),
    };
    const lines = readFileSync(summary.files.events, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    const out: unknown[][] = [];
    for (let i = 0; i < lines.length; i += 5_000) out.push(lines.slice(i, i + 5_000));
    return out;
  };
  return {
    name: 'demo company', batches, extra: () => extra,
    nothingToCompare: {
      HEART: 'the demo config has no heart section', guardrails: 'the demo config has no guardrails',
      'accounts at risk': 'no risk rule beats the base rate on this data, so no account is flagged (the demo company test opens a list of flagged ones)',
    }, calendars: [NEW_YORK_SUNDAY], asOf: '2026-11-16T12:00:00Z', weeks: ['2026-W35', '2026-W46'], months: ['2026-09', '2026-11'],
    config: (timezone, weekStart) => config.replace(/^timezone:.*$/m, `timezone: ${timezone}`).replace(/^week_start:.*$/m, `week_start: ${weekStart}`),
  };
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

const GENERATED: DataSet[] = [
  {
    name: 'hand-made fixture', batches: fixture, extra: fixtureExtra, calendars: [UTC_MONDAY, NEW_YORK_SUNDAY], asOf: '2026-11-25T12:00:00Z', weeks: ['2026-W43', '2026-W47'], months: ['2026-10', '2026-11'],
    nothingToCompare: {
      'accounts at risk': 'no risk rule beats the base rate on this data, so no account is flagged (the demo company test opens a list of flagged ones)',
      'surveys, all': 'the fixture has no survey answers',
      'surveys, ideal': 'the fixture has no survey answers',
      'stage benchmarks': 'no survey answers, and the fixture is shorter than a 30-day retention cohort',
      'people in the indicator groups, retained': 'the fixture is shorter than the outcome windows: no indicator to open',
      'people in the indicator groups, upgraded': 'the fixture is shorter than the outcome windows: no indicator to open',
    },
  },
  {
    name: 'random log (seed 1)',
    ...randomData({ seed: 1, actors: 160, start: Date.parse('2026-08-20T00:00:00Z'), end: Date.parse('2026-11-30T00:00:00Z'), batches: 4 }, ['2026-W35', '2026-W48']),
    calendars: [UTC_MONDAY],
    nothingToCompare: { 'accounts at risk': 'no risk rule beats the base rate on this data, so no account is flagged (the demo company test opens a list of flagged ones)', },
    asOf: '2026-11-26T15:00:00Z', weeks: ['2026-W35', '2026-W47'], months: ['2026-08', '2026-11'],
  },
  {
    name: 'random log (seed 2, spanning the March DST change)',
    ...randomData({ seed: 2, actors: 220, start: Date.parse('2026-02-01T00:00:00Z'), end: Date.parse('2026-04-20T00:00:00Z'), batches: 6 }, ['2026-W05', '2026-W16']),
    calendars: [NEW_YORK_SUNDAY],
    nothingToCompare: { 'accounts at risk': 'no risk rule beats the base rate on this data, so no account is flagged (the demo company test opens a list of flagged ones)', },
    asOf: '2026-04-15T03:00:00Z', weeks: ['2026-W06', '2026-W15'], months: ['2026-02', '2026-04'],
  },
];

/** Every data set; `cleanup` removes the demo company's files. */
export function conformanceDataSets(): { sets: DataSet[]; cleanup: () => void } {
  if (!existsSync(DEMO_MODULE)) return { sets: GENERATED, cleanup: () => {} };
  const root = mkdtempSync(join(tmpdir(), 'truenorth-conformance-'));
  return { sets: [...GENERATED, demoCompany(root)], cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
