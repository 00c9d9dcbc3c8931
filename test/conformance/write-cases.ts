/**
 * The write side of the conformance table: each case writes through a server's routes (ingestion,
 * the Stripe webhook, imports, the catalogue's writes) and reads the result back through the
 * catalogue's reads, on each engine from an empty store. `expected` is the answer worked out by hand;
 * on ClickHouse the whole read-back must also equal DuckDB's.
 *
 * A case needs the capabilities of the operations it names (their `needs` in the catalogue) and of
 * the routes it goes through (`routes`); an engine lacking one is not run but asked: it must refuse
 * with that capability's reason (`write-run.ts`).
 */
import type { Capability } from '../../src/engine/capabilities.js';
import { FEB, JAN, MAR, price, subscription } from '../helpers/stripe-objects.js';
import type { Client } from './server-client.js';

export interface WriteCase {
  name: string;
  /** The catalogue's reads and writes it runs, by name (a read and a write may share one: `record`). */
  reads: string[];
  writes: string[];
  /** What the routes it goes through beyond the catalogue need (ingestion, the webhook, imports). */
  routes: Capability[];
  /** Writes, then reads back: `answer` is compared with `expected`, `reads` across the engines. */
  run(client: Client): Promise<{ answer: unknown; reads: unknown[] }>;
  expected: unknown;
}

const DAY = 86_400;

/** The config every write case runs under: weeks from Monday in UTC, so 2026-W10 is 2 to 8 March. */
export const WRITES_CONFIG = `
product: Write conformance
timezone: UTC
week_start: monday
stage: growth
business_model: b2b
health:
  mrr: { owner: cfo@example.com }
  cash_balance: { source: manual, owner: cfo@example.com }
journey:
  visit: { event: Page Viewed }
  signup: { event: Signed Up, owner: maya@example.com }
  setup: { event: Workspace Created, owner: li@example.com }
  first_strike: { event: Message Sent, owner: li@example.com }
  kui: { event: Message Sent, at_least: 3, within: 7d, owner: sam@example.com }
  upgrade: { event: Subscription Started, owner: sam@example.com }
north_star: { name: Messages, event: Message Sent, measure: count, frequency: week, owner: ceo@example.com, target: { gte: 3 } }
okrs:
  - objective: Grow messaging
    due: 2026-06-30
    key_results:
      - { metric: north_star, from: 0, to: 10 }
`;

const track = (id: string, userId: string, event: string, timestamp: string) => ({ type: 'track', messageId: id, userId, event, timestamp, properties: { channel: 'general' } });
const AS_OF = 'as_of=2026-03-20';

/**
 * Five messages by three people in W10 and W11 (and pages, sign-ups, a set-up), through /v1/batch,
 * /v1/track and PostHog's /capture; the first batch of 7 is sent twice, a message without an event
 * name is rejected.
 */
async function ingestMessages(client: Client): Promise<void> {
  const first = [
    { type: 'page', messageId: 'p-1', userId: 'u1', name: 'Home', timestamp: '2026-03-02T08:00:00Z' },
    { type: 'page', messageId: 'p-2', userId: 'u2', name: 'Home', timestamp: '2026-03-04T08:00:00Z' },
    track('m-1', 'u1', 'Signed Up', '2026-03-02T09:00:00Z'),
    track('w-1', 'u1', 'Workspace Created', '2026-03-02T09:30:00Z'),
    track('m-2', 'u1', 'Message Sent', '2026-03-03T10:00:00Z'),
    track('m-3', 'u2', 'Signed Up', '2026-03-04T09:00:00Z'),
    track('m-4', 'u2', 'Message Sent', '2026-03-05T10:00:00Z'),
  ];
  await client.post('/v1/batch', { batch: first }, 'write');
  // A retry of the batch, with one new message: the duplicates are stored once.
  const nameless = { type: 'track', messageId: 'bad-1', userId: 'u1', timestamp: '2026-03-09T10:00:00Z' };
  await client.post('/v1/batch', { batch: [...first, track('m-5', 'u1', 'Message Sent', '2026-03-09T10:00:00Z'), nameless] }, 'write');
  await client.post('/v1/track', track('m-6', 'u2', 'Message Sent', '2026-03-11T10:00:00Z'), 'write');
  await client.post('/capture', { api_key: client.writeKey, event: 'Message Sent', distinct_id: 'u3', uuid: 'm-7', properties: {}, timestamp: '2026-03-10T12:00:00Z' });
}

const series = (answer: { series: { period: string; value: number | null }[] }) => answer.series.map((p) => [p.period, p.value]);
/** Clock-stamped fields (when a row was written) differ between two runs; everything else must not. */
const unstamped = <T extends object>(rows: T[], ...stamps: (keyof T)[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !stamps.includes(k as keyof T))));

type Sub = ReturnType<typeof subscription>;
const stripeEvent = (id: string, type: string, created: number, object: object) => ({ id, object: 'event', type, created, data: { object } });
const startedAt = (sub: Sub, at: number): Sub => ({ ...sub, start_date: at, created: at });

export const WRITE_CASES: WriteCase[] = [
  {
    name: 'ingestion (Segment batch and track, PostHog capture) → North Star, funnel and data quality',
    reads: ['north-star', 'funnel', 'quality'], writes: [],
    routes: ['ingest'],
    async run(client) {
      await ingestMessages(client);
      const northStar = await client.read(`north-star?from=2026-W09&to=2026-W11&${AS_OF}`);
      const funnel = await client.read(`funnel?from=2026-W09&to=2026-W11&${AS_OF}`);
      // Counted on the day of receipt: today.
      const quality = await client.read('quality');
      const counted = quality.rows.map((r: { kind: string; reason: string | null; source: string; last_7_days: number; all_time: number }) => [r.kind, r.reason, r.source, r.last_7_days, r.all_time]);
      return {
        answer: { series: series(northStar), steps: funnel.steps.map((s: { stage: string; actors: number }) => [s.stage, s.actors]), quality: counted },
        reads: [northStar, funnel, counted],
      };
    },
    // W10: m-2 (u1), m-4 (u2); W11: m-5 (u1), m-7 (u3), m-6 (u2); the retried m-1…m-4 count once.
    // The funnel is a sequence: u1 and u2 visited and signed up, u1 alone set up and then sent a
    // message (u2 sent one without setting up; u3 never signed up); no one sent 3 in a week.
    expected: {
      series: [['2026-W09', 0], ['2026-W10', 2], ['2026-W11', 3]],
      steps: [['visit', 2], ['signup', 2], ['setup', 1], ['first_strike', 1], ['kui', 0], ['upgrade', 0]],
      // The nameless message, and the 7 messages of the first batch sent again.
      quality: [['rejected', 'event', 'http:segment', 1, 1], ['duplicate', null, 'http:segment', 7, 7]],
    },
  },
  {
    name: 'Stripe webhooks → revenue',
    reads: ['revenue'], writes: [],
    routes: ['stripe'],
    async run(client) {
      const yearly = startedAt(subscription('sub_a', 120_000, [], 'year'), JAN + 4 * DAY);
      const seats = { ...yearly, items: { object: 'list' as const, data: [{ ...yearly.items.data[0], quantity: 3, price: price(5_000, 'month') }] } };
      const small = startedAt(subscription('sub_b', 2_000, []), FEB + 14 * DAY);
      const deliveries = [
        stripeEvent('evt_1', 'customer.subscription.created', JAN + 4 * DAY, yearly),
        stripeEvent('evt_2', 'customer.subscription.updated', FEB + 9 * DAY, seats),
        stripeEvent('evt_3', 'customer.subscription.created', FEB + 14 * DAY, small),
        stripeEvent('evt_4', 'customer.subscription.deleted', MAR + 9 * DAY, { ...seats, status: 'canceled', ended_at: MAR + 9 * DAY, canceled_at: MAR + 9 * DAY }),
        stripeEvent('evt_5', 'invoice.paid', MAR + 9 * DAY, {}),
      ];
      const acks = [];
      for (const event of deliveries) acks.push((await client.stripe(event)).ledger_rows);
      acks.push((await client.stripe(deliveries[3])).duplicates); // a redelivery
      const revenue = await client.read(`revenue?from=2026-01&to=2026-03&period=month&${AS_OF}`);
      const periods = revenue.periods.map((p: Record<string, unknown>) => [p.period, p.mrr_end, p.new, p.expansion, p.churn, p.customers_end]);
      return { answer: { acks, mrr_as_of: revenue.mrr_as_of, periods }, reads: [revenue] };
    },
    // sub_a: $1,200 a year = $100 a month from 5 January; 3 seats at $50 = $150 from 10 February;
    // cancelled 10 March. sub_b: $20 from 15 February.
    expected: {
      acks: [1, 1, 1, 1, 0, 1],
      mrr_as_of: 20,
      periods: [['2026-01', 100, 100, 0, 0, 1], ['2026-02', 170, 20, 50, 0, 2], ['2026-03', 20, 0, 0, 150, 1]],
    },
  },
  {
    name: 'hand entry → scorecard row and the entry history',
    reads: ['record', 'scorecard'], writes: ['record'],
    routes: [],
    async run(client) {
      const record = (body: object) => client.post('/api/v1/record', { metric: 'cash_balance', entered_by: 'cfo', ...body });
      const previous = [];
      previous.push((await record({ week: '2026-W10', value: 500_000 })).previous);
      previous.push((await record({ week: '2026-W10', value: '480,000', entered_by: 'ceo', note: 'corrected' })).previous?.value);
      previous.push((await record({ week: '2026-W11', value: 470_000 })).previous);
      const history = await client.read(`record?metric=cash_balance&${AS_OF}`);
      const card = await client.read(`scorecard?week=2026-W11&weeks=3&${AS_OF}`);
      const row = card.rows.find((r: { id: string }) => r.id === 'health.cash_balance');
      const entries = unstamped(history.entries, 'entered_at');
      return { answer: { previous, entries, row: row.values }, reads: [entries, card] };
    },
    // The correction replaces W10's value and keeps the first in the history; W09 has no entry (no data, not 0).
    expected: {
      previous: [null, 500_000, null],
      entries: [
        { metric: 'cash_balance', period: '2026-W10', value: 500_000, entered_by: 'cfo', note: null },
        { metric: 'cash_balance', period: '2026-W10', value: 480_000, entered_by: 'ceo', note: 'corrected' },
        { metric: 'cash_balance', period: '2026-W11', value: 470_000, entered_by: 'cfo', note: null },
      ],
      row: [null, 480_000, 470_000],
    },
  },
  {
    name: 'check-in → OKR progress',
    reads: ['okrs'], writes: ['checkins'],
    routes: ['ingest'],
    async run(client) {
      await ingestMessages(client);
      await client.post('/api/v1/checkins', { objective: 'Grow messaging', week: '2026-W10', note: 'slow start', author: 'li' });
      await client.post('/api/v1/checkins', { objective: '1', key_result: 'north_star', week: '2026-W11', note: 'on track', confidence: '0.7', author: 'ceo' });
      const okrs = await client.read(`okrs?week=2026-W11&${AS_OF}`);
      const objectives = okrs.objectives.map((o: { objective: string; progress: number; key_results: { current: number; progress: number; status: string }[]; checkins: { at: string }[] }) => ({
        objective: o.objective, progress: o.progress,
        key_results: o.key_results.map((k) => [k.current, k.progress, k.status]),
        checkins: unstamped(o.checkins, 'at'),
      }));
      return { answer: { week: okrs.week, objectives }, reads: [objectives] };
    },
    // Check-ins in the order written (the week breaks a tie of the clock).
    // The key result is the North Star's W11 value: 3 messages of the 10 aimed for.
    expected: {
      week: '2026-W11',
      objectives: [{
        objective: 'Grow messaging', progress: 0.3, key_results: [[3, 0.3, 'in_progress']],
        checkins: [
          { objective: 'Grow messaging', key_result: null, week: '2026-W10', note: 'slow start', confidence: null, author: 'li' },
          { objective: 'Grow messaging', key_result: 'north_star', week: '2026-W11', note: 'on track', confidence: 0.7, author: 'ceo' },
        ],
      }],
    },
  },
  {
    name: 'review notes and ideas → notes, ideas board and the digest',
    reads: ['notes', 'ideas', 'digest'], writes: ['notes', 'ideas', 'idea-status'],
    routes: [],
    async run(client) {
      await client.post('/api/v1/notes', { row: 'north_star', week: '2026-W10', note: 'launch week', author: 'li' });
      await client.post('/api/v1/notes', { row: 'health.cash_balance', week: '2026-W11', note: 'runway fine', author: 'cfo' });
      const ids = [];
      ids.push((await client.post('/api/v1/ideas', { team: 'Growth', idea: 'referrals', owner: 'al', metric: 'north_star' })).id);
      ids.push((await client.post('/api/v1/ideas', { team: 'product', idea: 'shorter signup', owner: 'li' })).id);
      await client.post(`/api/v1/ideas/${ids[0]}/status`, { status: 'in-progress' });
      await client.post(`/api/v1/ideas/${ids[1]}/status`, { status: 'done' });
      const week = unstamped((await client.read(`notes?week=2026-W10&${AS_OF}`)).notes, 'at');
      const all = unstamped((await client.read(`notes?${AS_OF}`)).notes, 'at');
      const ideas = unstamped((await client.read(`ideas?${AS_OF}`)).ideas, 'created_at', 'updated_at');
      const digest = await client.read(`digest?week=2026-W11&${AS_OF}`);
      const digestParts = { notes: unstamped(digest.review_notes, 'at'), ideas: unstamped(digest.ideas, 'created_at', 'updated_at') };
      return { answer: { ids, week, all, ideas, digest: digestParts }, reads: [week, all, ideas, digestParts] };
    },
    expected: {
      ids: [1, 2],
      week: [{ week: '2026-W10', row_id: 'north_star', note: 'launch week', author: 'li' }],
      all: [
        { week: '2026-W10', row_id: 'north_star', note: 'launch week', author: 'li' },
        { week: '2026-W11', row_id: 'health.cash_balance', note: 'runway fine', author: 'cfo' },
      ],
      // By team (stored lower-case), then id; the digest shows the week's notes and the open ideas.
      ideas: [
        { id: 1, team: 'growth', idea: 'referrals', owner: 'al', status: 'in_progress', metric: 'north_star' },
        { id: 2, team: 'product', idea: 'shorter signup', owner: 'li', status: 'done', metric: null },
      ],
      digest: {
        notes: [{ week: '2026-W11', row_id: 'health.cash_balance', note: 'runway fine', author: 'cfo' }],
        ideas: [{ id: 1, team: 'growth', idea: 'referrals', owner: 'al', status: 'in_progress', metric: 'north_star' }],
      },
    },
  },
  {
    name: 'event, subscription and hand-entry files imported through the server → North Star, revenue, history',
    reads: ['north-star', 'revenue', 'record'], writes: [],
    routes: ['write_lane'],
    async run(client) {
      const ndjson = [track('i-1', 'u1', 'Message Sent', '2026-03-03T10:00:00Z'), track('i-2', 'u2', 'Message Sent', '2026-03-10T10:00:00Z'), track('i-1', 'u1', 'Message Sent', '2026-03-03T10:00:00Z')]
        .map((m) => JSON.stringify(m)).join('\n');
      const imported = [(await client.upload('/api/v1/import/events?format=ndjson', ndjson)).imported];
      imported.push((await client.upload('/api/v1/import/subscriptions', 'account_id,effective_at,mrr,plan\nacme,2026-01-10,49,pro\nglobex,2026-02-10,100,team\nacme,2026-03-05,0,pro\n')).imported);
      imported.push((await client.upload('/api/v1/import/manual?name=sheet', 'metric,week,value,entered_by\ncash_balance,2026-W10,250000,cfo\n')).imported);
      const northStar = await client.read(`north-star?from=2026-W10&to=2026-W11&${AS_OF}`);
      const revenue = await client.read(`revenue?from=2026-01&to=2026-03&period=month&${AS_OF}`);
      const history = unstamped((await client.read(`record?metric=cash_balance&${AS_OF}`)).entries, 'entered_at');
      return {
        answer: { imported, series: series(northStar), mrr: revenue.periods.map((p: { mrr_end: number }) => p.mrr_end), values: history.map((e) => e.value) },
        reads: [northStar, revenue, history],
      };
    },
    // The duplicate line of i-1 is imported once; acme $49 from January, cancelled in March; globex $100 from February.
    expected: { imported: [2, 3, 1], series: [['2026-W10', 1], ['2026-W11', 1]], mrr: [49, 149, 100], values: [250_000] },
  },
  {
    name: 'ingested events exported through the server, and their catalogue',
    reads: ['events'], writes: [],
    routes: ['ingest', 'export_events'],
    async run(client) {
      await ingestMessages(client);
      const catalogue = await client.read(`events?${AS_OF}`);
      const counts = catalogue.events.map((e: { event: string; count: number; actors: number }) => [e.event, e.count, e.actors]);
      const exported = await client.text('/api/v1/export/events?format=ndjson');
      const ids = exported.text.trim().split('\n').map((line) => JSON.parse(line).messageId ?? JSON.parse(line).id).sort();
      return { answer: { total: catalogue.total_events, counts, header: exported.headers['x-truenorth-events'], ids }, reads: [counts, ids] };
    },
    expected: {
      total: 10,
      counts: [['Message Sent', 5, 3], ['Page Viewed', 2, 2], ['Signed Up', 2, 2], ['Workspace Created', 1, 1]],
      header: '10',
      ids: ['m-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6', 'm-7', 'p-1', 'p-2', 'w-1'],
    },
  },
];
