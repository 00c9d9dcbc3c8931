/**
 * The engine conformance table (docs/clickhouse.md): every report, with the option combinations that
 * take different SQL paths, run on each engine over the same messages (see `run.ts`). In the spirit
 * of Hono's shared router tests: one table of cases. An engine lacking a capability the case's read
 * needs (ENGINE_CAPABILITIES) skips the case, with the reason; no gap is kept by hand.
 *
 * To add a report: append a case to CASES (a name, the catalogue read it answers and a function from
 * a report context to its JSON). Writes have their own table (`write-cases.ts`).
 */
import type { Config } from '../../src/config/schema/index.js';
import { parseBreakdown, type Segment, type TimeRange } from '../../src/model/metrics.js';
import type { ReportContext } from '../../src/reports/context.js';
import { funnelReport, timeToValueReport, weeklyStagesReport } from '../../src/reports/funnel.js';
import { seriesReport } from '../../src/reports/north-star.js';
import { pqlReport, signupToFirstStrike } from '../../src/reports/pql.js';
import { retentionReport } from '../../src/reports/retention.js';
import { scorecardReport } from '../../src/reports/scorecard-report.js';
import { healthWeekly, manualWeekly } from '../../src/reports/providers.js';
import { revenueReport } from '../../src/reports/revenue.js';
import { surveysReport } from '../../src/reports/surveys.js';
import { heartReport } from '../../src/reports/heart.js';
import { guardrailsReport } from '../../src/reports/guardrails.js';
import { benchmarksReport } from '../../src/reports/benchmarks.js';
import { leadingReport } from '../../src/reports/leading.js';
import { treeReport } from '../../src/reports/tree.js';
import { riskReport } from '../../src/reports/risk.js';
import { predictiveReport } from '../../src/reports/predictive.js';
import { eventCatalogue } from '../../src/reports/catalogue.js';
import { retentionDefinition } from '../../src/model/metric-model.js';
import { healthModelFromConfig, modelFromConfig, scorecardModelFromConfig } from '../../src/config/model.js';
import { SCORECARD_SECTIONS, unknownEventWarnings } from '../../src/app/config-check.js';
import { findRead } from '../../src/app/catalogue.js';
import { prepareRead } from '../../src/app/run.js';
import { PEOPLE_CASES } from './people-cases.js';
import { whyOfScorecardRow } from '../../src/reports/why.js';
import { alertInputs } from '../../src/app/alert-inputs.js';
import { evaluateAlerts } from '../../src/reports/alerts.js';

export type EngineName = 'duckdb' | 'clickhouse';

export interface Env {
  config: Config;
  /** The weeks (or months) the reports cover. */
  weeks: TimeRange;
  months: TimeRange;
}

export interface Case {
  name: string;
  /** The catalogue's read (src/app/catalogue.ts) the case answers, by name. */
  read: string;
  run: (ctx: ReportContext, env: Env) => Promise<unknown>;
  /** Many statements: run under the data set's first calendar only, to keep the suite near 90 s on 2 cores. */
  heavy?: boolean;
}

const SEGMENTS: Segment[] = ['all', 'ideal', 'not_ideal'];

/** A catalogue read with its default parameters, run as every entrance runs it. */
function catalogueRead(name: string, ctx: ReportContext, env: Env): Promise<unknown> {
  return prepareRead(findRead(name)!, { asOf: new Date(ctx.asOf).toISOString() }, 'cli').run(ctx.engine, env.config, ctx.model);
}

/** Every report, with the option combinations that take different SQL paths. */
export const CASES: Case[] = [
  ...SEGMENTS.map((segment): Case => ({ name: `north star, ${segment}`, read: 'north-star', run: (ctx, env) => seriesReport(ctx, ctx.model.northStar, env.weeks, segment) })),
  ...['channel', 'user.role', 'account.plan', 'odd'].map((key): Case => ({
    name: `north star by ${key}`, read: 'north-star', run: (ctx, env) => seriesReport(ctx, ctx.model.northStar, env.weeks, 'all', parseBreakdown(key), key),
  })),
  {
    name: 'every metric, weekly, daily and monthly', read: 'north-star', heavy: true,
    run: async (ctx, env) => {
      const out: unknown[] = [];
      for (const metric of ctx.model.metrics) {
        out.push(await seriesReport(ctx, metric, metric.frequency === 'month' ? env.months : env.weeks));
        if (metric.frequency === 'week') out.push(await seriesReport(ctx, { ...metric, frequency: 'day' }, env.weeks, 'ideal'));
      }
      return out;
    },
  },
  { name: 'north star monthly by user.role', read: 'north-star', run: (ctx, env) => seriesReport(ctx, { ...ctx.model.northStar, frequency: 'month' }, env.months, 'all', parseBreakdown('user.role')) },
  ...SEGMENTS.map((segment): Case => ({ name: `weekly stages, ${segment}`, read: 'funnel', run: (ctx, env) => weeklyStagesReport(ctx, env.weeks, segment) })),
  ...SEGMENTS.map((segment): Case => ({ name: `cohort funnel, ${segment}`, read: 'funnel', run: (ctx, env) => funnelReport(ctx, env.weeks, segment) })),
  ...['user.role', 'account.plan'].map((key): Case => ({ name: `cohort funnel by ${key}`, read: 'funnel', run: (ctx, env) => funnelReport(ctx, env.weeks, 'all', parseBreakdown(key)) })),
  {
    name: 'cohort funnel of a shorter journey (signup → first strike → upgrade)', read: 'funnel',
    run: (ctx, env) => funnelReport(ctx, env.weeks, 'all', undefined, ctx.model.journey.filter((s) => ['signup', 'first_strike', 'upgrade'].includes(s.stage))),
  },
  { name: 'cohort funnel signup → KUI → upgrade', read: 'funnel', run: (ctx, env) => funnelReport(ctx, env.weeks, 'ideal', undefined, ctx.model.journey.filter((s) => ['signup', 'kui', 'upgrade'].includes(s.stage))) },
  ...(['all', 'ideal'] as Segment[]).map((segment): Case => ({ name: `time to value, ${segment}`, read: 'funnel', run: (ctx, env) => timeToValueReport(ctx, env.weeks, segment) })),
  { name: 'signup → first strike', read: 'pql', run: (ctx, env) => signupToFirstStrike(ctx, env.weeks) },
  { name: 'PQLs', read: 'pql', run: (ctx, env) => pqlReport(ctx, env.weeks) },
  ...(['week', 'month'] as const).flatMap((period) => (['on', 'on_or_after'] as const).flatMap((mode) => SEGMENTS.map((segment): Case => ({
    name: `retention ${period} ${mode}, ${segment}`, read: 'retention',
    // Period 0 as the action, which the engine counts (as the whole cohort it would only repeat the size).
    run: (ctx, env) => retentionReport(ctx, retentionDefinition(ctx.model, period, mode), period === 'week' ? env.weeks : env.months, segment, 'action'),
  })))),
  {
    name: 'scorecard with health and hand-entered rows', read: 'scorecard', heavy: true,
    run: (ctx, env) => scorecardReport(ctx, scorecardModelFromConfig(env.config), { weeks: 8 }, {
      warnings: () => unknownEventWarnings(ctx, env.config, SCORECARD_SECTIONS),
      health: (names, weeks) => healthWeekly(ctx, healthModelFromConfig(env.config), names, weeks),
      manual: (keys, weeks) => manualWeekly(ctx, keys, weeks),
    }),
  },
  { name: 'pace of every scorecard row in the unfinished week', read: 'pace', run: (ctx, env) => catalogueRead('pace', ctx, env) },
  ...(['week', 'month'] as const).map((frequency): Case => ({
    name: `revenue, ${frequency}ly`, read: 'revenue',
    run: (ctx, env) => revenueReport(ctx, healthModelFromConfig(env.config), frequency, frequency === 'week' ? env.weeks : env.months, { trimLeading: frequency === 'month' }),
  })),
  ...(['all', 'ideal'] as Segment[]).map((segment): Case => ({
    name: `surveys, ${segment}`, read: 'surveys',
    // The thresholds it reports are settings, the same on every engine and every data set: not an answer.
    run: async (ctx, env) => ({ ...(await surveysReport(ctx, healthModelFromConfig(env.config), env.weeks, segment)), min_responses: undefined, rolling_weeks: undefined }),
  })),
  { name: 'HEART', read: 'heart', run: (ctx, env) => heartReport(ctx, healthModelFromConfig(env.config), env.weeks) },
  { name: 'guardrails', read: 'guardrails', heavy: true, run: (ctx, env) => guardrailsReport(ctx, healthModelFromConfig(env.config), env.weeks) },
  { name: 'stage benchmarks', read: 'benchmarks', run: (ctx, env) => benchmarksReport(ctx, healthModelFromConfig(env.config), env.weeks) },
  ...(['retained', 'upgraded'] as const).map((outcome): Case => ({ name: `leading indicators, ${outcome}`, read: 'leading', heavy: true, run: (ctx) => leadingReport(ctx, { outcome, minGroup: 1 }) })),
  { name: 'leading indicators, ideal users, 3 days', read: 'leading', heavy: true, run: (ctx) => leadingReport(ctx, { segment: 'ideal', withinDays: 3, minGroup: 1 }) },
  { name: 'metric tree', read: 'tree', run: (ctx, env) => treeReport(ctx, env.weeks) },
  { name: 'churn risk', read: 'risk', run: (ctx) => riskReport(ctx) },
  { name: 'predictive (dashboard data)', read: 'predictive', heavy: true, run: (ctx, env) => predictiveReport(ctx, env.weeks) },
  { name: 'event catalogue', read: 'events', run: (ctx) => eventCatalogue(ctx) },
  {
    // Rows explained with a breakdown trait: the North Star, stages standing for the rest (the first,
    // one reached once, one reached at the n-th event) and a metric of each measure the split reads.
    name: 'why it moved, row by row', read: 'why', heavy: true,
    run: async (ctx, env) => {
      const config = { ...env.config, why: { breakdown: 'user.role' } };
      const model = modelFromConfig(config);
      const card = await scorecardReport({ ...ctx, model }, scorecardModelFromConfig(config), { weeks: 2 });
      const ids = ['north_star', 'journey.visit', 'journey.setup', 'journey.kui', 'messagers', 'amount', 'per_user', 'heavy', 'filtered'];
      const out: unknown[] = [];
      for (const row of card.rows.filter((r) => ids.includes(r.id))) out.push(await whyOfScorecardRow({ ...ctx, model }, card.weeks[1], row));
      return out;
    },
  },
  {
    // The numbers the alerts are judged on (daily counts, step rates, cohorts) and what they raise.
    name: 'alerts: their inputs and what they raise', read: 'alerts', heavy: true,
    run: async (ctx, env) => {
      const inputs = await alertInputs(ctx, env.config);
      return { inputs, alerts: evaluateAlerts(inputs, env.config.alerts) };
    },
  },
  // Reads with no report function of their own, through the catalogue as the server and the CLI run them.
  { name: 'lint (catalogue)', read: 'lint', run: (ctx, env) => catalogueRead('lint', ctx, env) },
  {
    // Which engine it is and what it cannot do differ by design (ENGINE_CAPABILITIES); nothing else may.
    name: "dashboard's context (catalogue)", read: 'dashboard',
    run: async (ctx, env) => ({ ...(await catalogueRead('dashboard', ctx, env) as object), engine: undefined, gaps: undefined }),
  },
  ...PEOPLE_CASES,
];

/** The suite's config: every measure, filter operator and journey shape the compiler handles. */
export function suiteConfig(timezone: string, weekStart: 'monday' | 'sunday'): string {
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
