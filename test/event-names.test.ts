/**
 * Several event names per step (docs/event-names.md). The same random log is loaded twice: once as
 * generated, once with about half of the events of eleven names renamed to a second name (the way
 * web and mobile name one step differently). Every report that reads those events, given the list
 * of both names, must answer exactly as it does for the single name on the unsplit log, on DuckDB
 * and on ClickHouse (embedded chdb), and both engines must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema/index.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { eventsLabel, type TimeRange } from '../src/model/metrics.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { reportContext, type ReportContext } from '../src/reports/context.js';
import { funnelReport, timeToValueReport, weeklyStagesReport } from '../src/reports/funnel.js';
import { heartReport } from '../src/reports/heart.js';
import { leadingReport } from '../src/reports/leading.js';
import { seriesReport } from '../src/reports/north-star.js';
import { pqlReport, signupToFirstStrike } from '../src/reports/pql.js';
import { retentionReport } from '../src/reports/retention.js';
import { riskReport } from '../src/reports/risk.js';
import { scorecardReport } from '../src/reports/scorecard-report.js';
import { surveysReport } from '../src/reports/surveys.js';
import { expectSameAnswers, loadBoth, openChdb } from './helpers/engines.js';
import { randomLedger, randomLog, type RandomLogOptions } from './helpers/random-log.js';
import { healthModelFromConfig, modelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';
import { retentionDefinition } from '../src/model/metric-model.js';
import { SCORECARD_SECTIONS, unknownEventWarnings } from '../src/app/config-check.js';

/** The second name each of these events is sent under, for about half of its messages. */
const SECOND_NAME: Record<string, string> = {
  'Page Viewed': 'page_viewed', // page calls keep their name: a second name with no rows changes nothing
  'Signed Up': 'signup_completed',
  'Workspace Created': 'workspace_created',
  'Message Sent': 'message_sent',
  'Subscription Started': 'subscription_started',
  'Upload Started': 'upload_started',
  'Upload Completed': 'upload_completed',
  'Survey Answered': 'survey_answered',
  'NPS Submitted': 'nps_submitted',
  'Support Ticket Opened': 'ticket_opened',
  'Search Used': 'search_used',
  'Reply Rated': 'reply_rated',
};

/** The config, naming each event either by its one name or by the list of both. */
function configText(split: boolean): string {
  const n = (event: string) => (split ? `[${event}, ${SECOND_NAME[event]}]` : event);
  return `
product: Names
conversion_window: 7d
surveys:
  pmf: { event: ${n('Survey Answered')}, answer: response, active_only: true }
  nps: { event: ${n('NPS Submitted')}, score: score }
heart:
  happiness:
    metrics:
      - { id: thumbs_up, event: ${n('Reply Rated')}, share: { rating: { eq: up } } }
  adoption:
    metrics:
      - { id: search_adoption, adoption: { event: ${n('Search Used')}, launched: 2026-09-07, within: 14d } }
  task_success:
    metrics:
      - { id: upload, task: { start: ${n('Upload Started')}, complete: ${n('Upload Completed')}, error: Upload Failed } }
risk:
  key_feature: { event: ${n('Message Sent')}, drop: 0.5, min_before: 2 }
  support_tickets: { event: ${n('Support Ticket Opened')}, above: 1 }
ideal_user: { role: { in: [engineer, pm] } }
journey:
  visit: { event: ${n('Page Viewed')} }
  signup: { event: ${n('Signed Up')}, owner: maya@example.com, target: { gte: 5 } }
  setup: { event: ${n('Workspace Created')}, owner: li@example.com, target_rate: 0.6 }
  first_strike: { event: ${n('Message Sent')}, where: { channel: { ne: self } }, owner: li@example.com }
  kui: { event: ${n('Message Sent')}, at_least: 3, within: 7d, owner: sam@example.com }
  upgrade: { event: ${n('Subscription Started')}, owner: sam@example.com, target_rate: 0.3 }
north_star: { name: Messages, event: ${n('Message Sent')}, where: { channel: { ne: self } }, measure: count, frequency: week, owner: ceo@example.com, target: { gte: 10 } }
metrics:
  - { id: messagers, event: ${n('Message Sent')}, measure: unique_users, frequency: week, owner: li@example.com }
  - { id: heavy, event: ${n('Message Sent')}, measure: unique_users, at_least: 3, frequency: week, owner: sam@example.com }
`;
}

/** About half of each named event's messages under its second name; a retried message keeps its first one's name. */
function splitNames(batches: Record<string, unknown>[][]): Record<string, unknown>[][] {
  const odd = (id: string) => [...id].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % 2 === 1;
  return batches.map((batch) => batch.map((msg) => {
    const event = msg.event;
    const id = String(msg.messageId ?? msg.uuid ?? '');
    return typeof event === 'string' && SECOND_NAME[event] && odd(id) ? { ...msg, event: SECOND_NAME[event] } : msg;
  }));
}

/**
 * Every third signup is sent again an hour later (a second device, say). Its id ends in `-again`,
 * whose character codes sum to an odd number, so `splitNames` gives it the other name of the pair:
 * those people signed up under both names, and must still be counted once.
 */
function signUpTwice(batches: Record<string, unknown>[][]): Record<string, unknown>[][] {
  let signups = 0;
  return batches.map((batch) => batch.flatMap((msg) => {
    if (msg.event !== 'Signed Up' || signups++ % 3 !== 0) return [msg];
    const again: Record<string, unknown> = { ...msg, timestamp: new Date(Date.parse(String(msg.timestamp)) + 3_600_000).toISOString() };
    if (msg.messageId) again.messageId = `${String(msg.messageId)}-again`;
    if (msg.uuid) again.uuid = `${String(msg.uuid)}-again`;
    return [msg, again];
  }));
}

const LOG: RandomLogOptions = { seed: 5, actors: 180, start: Date.parse('2026-08-24T00:00:00Z'), end: Date.parse('2026-11-30T00:00:00Z'), batches: 3 };
const AS_OF = Date.parse('2026-11-26T15:00:00Z');
/** Leading indicators rank every stored event name: a renamed name would be a new candidate, so those are left out of both runs. */
const NOT_CANDIDATES = Object.entries(SECOND_NAME).flat();

type Run = (ctx: ReportContext, config: Config, weeks: TimeRange) => Promise<unknown>;
const REPORTS: Record<string, Run> = {
  'weekly stages': (ctx, _c, weeks) => weeklyStagesReport(ctx, weeks, 'all'),
  'weekly stages, ideal users': (ctx, _c, weeks) => weeklyStagesReport(ctx, weeks, 'ideal'),
  'cohort funnel': (ctx, _c, weeks) => funnelReport(ctx, weeks, 'all'),
  'time to value': (ctx, _c, weeks) => timeToValueReport(ctx, weeks, 'all'),
  'north star': (ctx, _c, weeks) => seriesReport(ctx, ctx.model.northStar, weeks, 'all'),
  'metrics (unique users, at least 3 times)': (ctx, _c, weeks) => Promise.all(ctx.model.metrics.map((m) => seriesReport(ctx, m, weeks))),
  'scorecard (journey rows and north star)': (ctx, config) =>
    scorecardReport(ctx, scorecardModelFromConfig(config), { weeks: 8 }, { warnings: () => unknownEventWarnings(ctx, config, SCORECARD_SECTIONS) }),
  'weekly retention': (ctx, _c, weeks) => retentionReport(ctx, retentionDefinition(ctx.model, 'week', 'on_or_after'), weeks, 'all'),
  'PQLs and signup → first strike': async (ctx, _c, weeks) => [await pqlReport(ctx, weeks), await signupToFirstStrike(ctx, weeks)],
  'surveys': (ctx, config, weeks) => surveysReport(ctx, healthModelFromConfig(config), weeks),
  'HEART (share, adoption, task)': (ctx, config, weeks) => heartReport(ctx, healthModelFromConfig(config), weeks),
  'churn risk (key feature, tickets, north star)': (ctx) => riskReport(ctx),
  'leading indicators (signup and outcome names)': async (ctx) => {
    const report = await leadingReport(ctx, { minGroup: 1, exclude: NOT_CANDIDATES });
    return { ...report, excluded_events: [...report.excluded_events].sort() }; // the same names, listed in another order
  },
};

/** The split run's labels (`Signed Up or signup_completed`) read as the single name, so only the numbers can differ. */
/**
 * The split run's report with each list's label read as its first name. A listed name with no rows
 * (`page_viewed`) changes no number, only adds the warning that names it: that warning is checked
 * and dropped.
 */
function asSingleNames(report: unknown): unknown {
  let text = JSON.stringify(report);
  for (const [first, second] of Object.entries(SECOND_NAME)) text = text.replaceAll(eventsLabel([first, second]), first);
  const parsed = JSON.parse(text) as { warnings?: { name: string; rule: string }[] };
  if (Array.isArray(parsed.warnings)) {
    const unstored = parsed.warnings.filter((w) => w.name === 'page_viewed');
    expect(unstored.map((w) => w.rule)).toEqual(['unknown-event']);
    parsed.warnings = parsed.warnings.filter((w) => w.name !== 'page_viewed');
  }
  return parsed;
}

type Answers = Record<string, { duck: unknown; ch: unknown }>;
const answers: { merged: Answers; split: Answers } = { merged: {}, split: {} };
let signedUpUnderBothNames = 0;
const stored: { merged: Record<string, number>; split: Record<string, number> } = { merged: {}, split: {} };

async function answerAll(ch: ClickHouseStore, batches: Record<string, unknown>[][], split: boolean): Promise<void> {
  const { duck } = await loadBoth(ch, batches, { ledger: randomLedger(LOG) });
  try {
    const config = parseConfig(configText(split));
    const model = modelFromConfig(config);
    const weeks = rangeOfPeriods('2026-W36', '2026-W47', model.time);
    const rows = await duck.all<{ event: string; n: number }>('SELECT event, count(*)::INT AS n FROM events GROUP BY event');
    stored[split ? 'split' : 'merged'] = Object.fromEntries(rows.map((r) => [r.event, r.n]));
    if (split) {
      const both = await duck.all<{ n: number }>(`SELECT count(*)::INT AS n FROM (SELECT actor_id FROM actor_events
        WHERE event IN ('Signed Up', 'signup_completed') GROUP BY actor_id HAVING count(DISTINCT event) = 2)`);
      signedUpUnderBothNames = both[0].n;
    }
    const out = answers[split ? 'split' : 'merged'];
    for (const [name, run] of Object.entries(REPORTS)) {
      const on = async (engine: SqlEngine) => JSON.parse(JSON.stringify(await run(reportContext(engine, model, AS_OF), config, weeks))) as unknown;
      out[name] = { duck: await on(duck), ch: await on(ch) };
    }
  } finally {
    await duck.close();
  }
}

let cleanup: () => Promise<void>;
beforeAll(async () => {
  const opened = await openChdb();
  cleanup = opened.cleanup;
  const batches = signUpTwice(randomLog(LOG) as Record<string, unknown>[][]);
  await answerAll(opened.store, batches, false);
  await answerAll(opened.store, splitNames(batches), true);
}, 240_000);
afterAll(async () => {
  await cleanup?.();
});

describe('a list of names per step counts as one merged event', () => {
  it('the split log really holds both names of every renamed event, and no more events in all', () => {
    for (const [first, second] of Object.entries(SECOND_NAME)) {
      if (first === 'Page Viewed') continue;
      expect(stored.split[first], first).toBeGreaterThan(0);
      expect(stored.split[second], second).toBeGreaterThan(0);
      expect(stored.split[first] + stored.split[second]).toBe(stored.merged[first]);
    }
    expect(signedUpUnderBothNames).toBeGreaterThan(10);
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    expect(total(stored.split)).toBe(total(stored.merged));
  });

  for (const name of Object.keys(REPORTS)) {
    it(`${name}: the same answer, on DuckDB and on ClickHouse`, () => {
      const { merged, split } = { merged: answers.merged[name], split: answers.split[name] };
      // Non-vacuous: the report has numbers in it.
      expect(JSON.stringify(merged.duck)).toMatch(/[1-9]/);
      expectSameAnswers(merged.ch, merged.duck);
      expectSameAnswers(split.ch, split.duck);
      expect(asSingleNames(split.duck)).toEqual(merged.duck);
    });
  }
});
