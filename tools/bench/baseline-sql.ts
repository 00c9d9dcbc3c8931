/**
 * The hand-written baselines: plain SQL an analyst would write for the demo company, straight against
 * the tables (events, identity_links, users, accounts, subscriptions, manual_values), one dialect at a
 * time (baseline-duckdb.ts, baseline-clickhouse.ts; here what they share). DuckDB uses window functions; ClickHouse its own aggregate functions (`windowFunnel`,
 * `retention`, `-If` combinators, arrays). Nothing here goes through truenorth's metric compiler or
 * its `actor_events` view: the bench checks that both compute the same numbers.
 *
 * The demo's definitions are written in as literals, as a person writing SQL for this one company
 * would (`DEMO` below); `demoMatches` checks the generated truenorth.yaml still says the same.
 */
import { type MetricModel } from '../../src/model/metric-model.js';

export const DEMO = {
  visit: 'Page Viewed',
  signup: 'Signed Up',
  setup: 'Workspace Created',
  firstStrike: 'Message Sent',
  kui: { event: 'Message Sent', atLeast: 50, withinDays: 14 },
  upgrade: 'Subscription Started',
  northStar: { event: 'Message Sent', notChannel: 'self' },
  idealRoles: ['engineer', 'pm'],
  idealMinCompanySize: 10,
  windowDays: 14,
} as const;

/** Whether the config the data came with still has the definitions written into the baselines. */
export function demoMatches(model: MetricModel): string | null {
  const stage = (name: string) => model.journey.find((s) => s.stage === name);
  // The baselines name one event per stage: a list of names never matches.
  const names = (name: string) => stage(name)?.selector.events.join(' | ');
  const expect: [string, unknown, unknown][] = [
    ['journey.visit', names('visit'), DEMO.visit],
    ['journey.signup', names('signup'), DEMO.signup],
    ['journey.setup', names('setup'), DEMO.setup],
    ['journey.first_strike', names('first_strike'), DEMO.firstStrike],
    ['journey.kui', JSON.stringify([names('kui'), stage('kui')?.atLeast, stage('kui')?.withinDays]), JSON.stringify([DEMO.kui.event, DEMO.kui.atLeast, DEMO.kui.withinDays])],
    ['journey.upgrade', names('upgrade'), DEMO.upgrade],
    ['north_star', JSON.stringify([model.northStar.selector, model.northStar.measure.kind]), JSON.stringify([{ events: [DEMO.northStar.event], where: [{ property: 'channel', op: 'ne', value: DEMO.northStar.notChannel }] }, 'count'])],
    ['retention', JSON.stringify(model.retentionSelector), JSON.stringify(model.northStar.selector)],
    ['ideal_user', JSON.stringify(model.idealUser), JSON.stringify([{ property: 'role', op: 'in', value: DEMO.idealRoles }, { property: 'company_size', op: 'gte', value: DEMO.idealMinCompanySize }])],
    ['conversion_window', model.windowDays, DEMO.windowDays],
    ['timezone', `${model.time.timezone} ${model.time.weekStart}`, 'UTC monday'],
  ];
  const wrong = expect.filter(([, actual, wanted]) => actual !== wanted).map(([key]) => key);
  return wrong.length ? `the config differs from the baselines' definitions at ${wrong.join(', ')}` : null;
}

/** The baselines' own constants as SQL literals (they are the bench's, never config or event text). */
export const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
export const list = (xs: readonly string[]) => xs.map(lit).join(', ');
export const int = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
};

export interface Range {
  from: number;
  to: number;
}

/** One statement per figure group; every statement returns rows the report module turns into answers. */
export interface BaselineSql {
  /** Rows: week (ms), value. */
  northStar(r: Range): string;
  /** Rows: stage, week (ms), actors, ideal. */
  stageCounts(r: Range): string;
  /** Rows: period (ms of its start), mrr_start, new, reactivation, expansion, contraction, churn, mrr_end, customers_start, customers_end (cents and counts). */
  bridge(bounds: number[]): string;
  /** Rows: period (name), value. */
  manual(metric: string): string;
  /** Rows: level (furthest step), ideal (0/1), actors. */
  funnel(r: Range): string;
  /** Rows: cohort (ms), k (-1 = size), actors. */
  retention(r: Range): string;
  /** Rows: week (ms), ideal_signups, pqls, pqls_upgraded, ideal_upgrades. */
  pql(r: Range): string;
  /** Rows: event ('' = the cohort), k, did, did_reached. */
  leading(eligibleUntil: number): string;
}

/** The events the journey stages name. */
export const JOURNEY_EVENTS = [DEMO.visit, DEMO.signup, DEMO.setup, DEMO.firstStrike, DEMO.upgrade];
