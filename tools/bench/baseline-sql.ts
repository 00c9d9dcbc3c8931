/**
 * The hand-written baselines: plain SQL an analyst would write for the demo company, straight against
 * the tables (events, identity_links, users, accounts, subscriptions, manual_values), one dialect at a
 * time. DuckDB uses window functions; ClickHouse its own aggregate functions (`windowFunnel`,
 * `retention`, `-If` combinators, arrays). Nothing here goes through truenorth's metric compiler or
 * its `actor_events` view: the bench checks that both compute the same numbers.
 *
 * The demo's definitions are written in as literals, as a person writing SQL for this one company
 * would (`DEMO` below); `demoMatches` checks the generated truenorth.yaml still says the same.
 */
import type { MetricModel } from '../../src/model/from-config.js';
import { DAY_MS } from '../../src/model/time.js';

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

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const list = (xs: readonly string[]) => xs.map(lit).join(', ');
const int = (n: number) => {
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

// ------------------------------------------------------------------------------------------------
// DuckDB

const duckTs = (ms: number) => `epoch_ms(${int(ms)})`;
const duckWeek = (col: string) => `epoch_ms(date_trunc('week', ${col}))`;

/** Events with their actor: the linked user of the event's user or anonymous id, else that id. */
function duckActorEvents(where: string): string {
  return `SELECT coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor, e.event, e.ts, e.id, e.properties
    FROM events e LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)
    WHERE ${where}`;
}

const DUCK_IDEAL = `SELECT u.user_id AS actor FROM users u LEFT JOIN accounts a ON a.account_id = u.account_id
  WHERE coalesce(u.traits->>'role', a.traits->>'role') IN (${list(DEMO.idealRoles)})
    AND TRY_CAST(coalesce(u.traits->>'company_size', a.traits->>'company_size') AS DOUBLE) >= ${DEMO.idealMinCompanySize}`;

const JOURNEY_EVENTS = [DEMO.visit, DEMO.signup, DEMO.setup, DEMO.firstStrike, DEMO.upgrade];

/** firsts (actor, signup, setup, first_strike, upgrade) and kui (actor, kui): first-time reach of every stage. */
function duckReach(ev: string): string {
  return `firsts AS (SELECT actor,
      min(ts) FILTER (WHERE event = ${lit(DEMO.signup)}) AS signup,
      min(ts) FILTER (WHERE event = ${lit(DEMO.setup)}) AS setup,
      min(ts) FILTER (WHERE event = ${lit(DEMO.firstStrike)}) AS first_strike,
      min(ts) FILTER (WHERE event = ${lit(DEMO.upgrade)}) AS upgrade
    FROM ${ev} WHERE event <> ${lit(DEMO.visit)} GROUP BY actor),
  kui AS (SELECT actor, ts AS kui FROM (
      SELECT m.actor, m.ts, row_number() OVER (PARTITION BY m.actor ORDER BY m.ts, m.id) AS n
      FROM ${ev} m JOIN firsts f ON f.actor = m.actor
      WHERE m.event = ${lit(DEMO.kui.event)} AND m.ts >= f.signup AND m.ts <= f.signup + INTERVAL ${DEMO.kui.withinDays} DAY
    ) WHERE n = ${DEMO.kui.atLeast})`;
}

export const duckdbBaseline: BaselineSql = {
  northStar: (r) => `SELECT ${duckWeek('ts')} AS week, count(*) AS value FROM events
    WHERE event = ${lit(DEMO.northStar.event)} AND (properties->>'channel') IS DISTINCT FROM ${lit(DEMO.northStar.notChannel)}
      AND ts >= ${duckTs(r.from)} AND ts < ${duckTs(r.to)}
    GROUP BY ALL`,

  stageCounts: (r) => `WITH ev AS (${duckActorEvents(`e.event IN (${list(JOURNEY_EVENTS)})`)}),
  ideal AS (${DUCK_IDEAL}),
  ${duckReach('ev')},
  reach AS (
    SELECT 'signup' AS stage, actor, signup AS t FROM firsts UNION ALL
    SELECT 'setup', actor, setup FROM firsts UNION ALL
    SELECT 'first_strike', actor, first_strike FROM firsts UNION ALL
    SELECT 'upgrade', actor, upgrade FROM firsts UNION ALL
    SELECT 'kui', actor, kui FROM kui)
  SELECT r.stage, ${duckWeek('r.t')} AS week, count(*) AS actors, count(i.actor) AS ideal
  FROM reach r LEFT JOIN ideal i ON i.actor = r.actor
  WHERE r.t >= ${duckTs(r.from)} AND r.t < ${duckTs(r.to)} GROUP BY ALL
  UNION ALL
  SELECT 'visit', ${duckWeek('v.ts')}, count(DISTINCT v.actor), count(DISTINCT i.actor)
  FROM ev v LEFT JOIN ideal i ON i.actor = v.actor
  WHERE v.event = ${lit(DEMO.visit)} AND v.ts >= ${duckTs(r.from)} AND v.ts < ${duckTs(r.to)} GROUP BY ALL`,

  bridge: (bounds) => `WITH b AS (SELECT unnest([${bounds.map(duckTs).join(', ')}]) AS b),
  sub AS (SELECT b.b, s.account_id, s.subscription_id, arg_max(CAST(round(s.mrr * 100) AS BIGINT), s.effective_at) AS cents
    FROM b JOIN subscriptions s ON s.effective_at < b.b GROUP BY ALL),
  acct AS (SELECT b, account_id, sum(cents) AS cents FROM sub GROUP BY ALL HAVING sum(cents) > 0),
  fp AS (SELECT account_id, min(effective_at) AS fp FROM subscriptions WHERE round(mrr * 100) > 0 GROUP BY ALL),
  p AS (SELECT b AS p_from, lead(b) OVER (ORDER BY b) AS p_to FROM b),
  se AS (
    SELECT p.p_from, a.account_id, a.cents AS s, 0 AS e FROM p JOIN acct a ON a.b = p.p_from WHERE p.p_to IS NOT NULL
    UNION ALL
    SELECT p.p_from, a.account_id, 0, a.cents FROM p JOIN acct a ON a.b = p.p_to),
  m AS (SELECT p_from, account_id, sum(s) AS s, sum(e) AS e FROM se GROUP BY ALL)
  SELECT epoch_ms(m.p_from) AS period,
    sum(s) AS mrr_start, sum(e) AS mrr_end,
    count(*) FILTER (WHERE s > 0) AS customers_start, count(*) FILTER (WHERE e > 0) AS customers_end,
    coalesce(sum(e) FILTER (WHERE s = 0 AND e > 0 AND (fp.fp IS NULL OR fp.fp >= m.p_from)), 0) AS new,
    coalesce(sum(e) FILTER (WHERE s = 0 AND e > 0 AND fp.fp < m.p_from), 0) AS reactivation,
    coalesce(sum(e - s) FILTER (WHERE s > 0 AND e > s), 0) AS expansion,
    coalesce(sum(s - e) FILTER (WHERE e > 0 AND e < s), 0) AS contraction,
    coalesce(sum(s) FILTER (WHERE s > 0 AND e = 0), 0) AS churn
  FROM m LEFT JOIN fp ON fp.account_id = m.account_id GROUP BY m.p_from`,

  manual: (metric) => `SELECT period, arg_max(value, entered_at) AS value FROM manual_values WHERE metric = ${lit(metric)} GROUP BY period`,

  // A chain t1 ≤ t2 ≤ … of step events, greedy from each step-1 event. Reading rows backwards (latest
  // first), a running min of the step-k times gives, at every row, the first step-k event at or after
  // it; one window pass per step carries the rest of the chain back to the step before.
  funnel: (r) => {
    const w = int(DEMO.windowDays * DAY_MS);
    const frame = `(PARTITION BY actor ORDER BY t DESC, step DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
    return `WITH ev AS (${duckActorEvents(`e.event IN (${list(JOURNEY_EVENTS)})`)}),
  sf AS (SELECT actor, min(ts) AS s FROM ev WHERE event = ${lit(DEMO.signup)} GROUP BY actor),
  kui AS (SELECT actor, ts FROM (
      SELECT m.actor, m.ts, row_number() OVER (PARTITION BY m.actor ORDER BY m.ts, m.id) AS n
      FROM ev m JOIN sf ON sf.actor = m.actor
      WHERE m.event = ${lit(DEMO.kui.event)} AND m.ts >= sf.s AND m.ts <= sf.s + INTERVAL ${DEMO.kui.withinDays} DAY
    ) WHERE n = ${DEMO.kui.atLeast}),
  steps AS (
    SELECT actor, epoch_ms(ts) AS t,
      CASE event WHEN ${lit(DEMO.visit)} THEN 1 WHEN ${lit(DEMO.signup)} THEN 2 WHEN ${lit(DEMO.setup)} THEN 3
        WHEN ${lit(DEMO.firstStrike)} THEN 4 WHEN ${lit(DEMO.upgrade)} THEN 6 END AS step
    FROM ev
    WHERE CASE WHEN event = ${lit(DEMO.visit)} THEN ts >= ${duckTs(r.from)} AND ts < ${duckTs(r.to)}
      ELSE epoch_ms(ts) >= ${int(r.from)} AND epoch_ms(ts) <= ${int(r.to)} + ${w} END
    UNION ALL
    SELECT actor, epoch_ms(ts), 5 FROM kui WHERE epoch_ms(ts) >= ${int(r.from)} AND epoch_ms(ts) < ${int(r.to)} + ${w}),
  l6 AS (SELECT *, min(t) FILTER (WHERE step = 6) OVER f AS a6 FROM steps WINDOW f AS ${frame}),
  l5 AS (SELECT *, min(t) FILTER (WHERE step = 5) OVER f AS b5, min(a6) FILTER (WHERE step = 5) OVER f AS b6 FROM l6 WINDOW f AS ${frame}),
  l4 AS (SELECT *, min(t) FILTER (WHERE step = 4) OVER f AS c4, min(b5) FILTER (WHERE step = 4) OVER f AS c5,
      min(b6) FILTER (WHERE step = 4) OVER f AS c6 FROM l5 WINDOW f AS ${frame}),
  l3 AS (SELECT *, min(t) FILTER (WHERE step = 3) OVER f AS d3, min(c4) FILTER (WHERE step = 3) OVER f AS d4,
      min(c5) FILTER (WHERE step = 3) OVER f AS d5, min(c6) FILTER (WHERE step = 3) OVER f AS d6 FROM l4 WINDOW f AS ${frame}),
  l2 AS (SELECT *, min(t) FILTER (WHERE step = 2) OVER f AS e2, min(d3) FILTER (WHERE step = 2) OVER f AS e3,
      min(d4) FILTER (WHERE step = 2) OVER f AS e4, min(d5) FILTER (WHERE step = 2) OVER f AS e5,
      min(d6) FILTER (WHERE step = 2) OVER f AS e6 FROM l3 WINDOW f AS ${frame}),
  best AS (SELECT actor, max(CASE
      WHEN e2 IS NULL OR e2 - t > ${w} THEN 1 WHEN e3 IS NULL OR e3 - t > ${w} THEN 2
      WHEN e4 IS NULL OR e4 - t > ${w} THEN 3 WHEN e5 IS NULL OR e5 - t > ${w} THEN 4
      WHEN e6 IS NULL OR e6 - t > ${w} THEN 5 ELSE 6 END) AS level
    FROM l2 WHERE step = 1 GROUP BY actor)
  SELECT level, CASE WHEN actor IN (${DUCK_IDEAL}) THEN 1 ELSE 0 END AS ideal, count(*) AS actors FROM best GROUP BY ALL`;
  },

  retention: (r) => `WITH ev AS (${duckActorEvents(`e.event IN (${list([DEMO.signup, DEMO.northStar.event])})`)}),
  cohorts AS (SELECT actor, date_trunc('week', min(ts)) AS cw FROM ev WHERE event = ${lit(DEMO.signup)} GROUP BY actor
    HAVING min(ts) >= ${duckTs(r.from)} AND min(ts) < ${duckTs(r.to)}),
  active AS (SELECT DISTINCT actor, date_trunc('week', ts) AS w FROM ev
    WHERE event = ${lit(DEMO.northStar.event)} AND (properties->>'channel') IS DISTINCT FROM ${lit(DEMO.northStar.notChannel)} AND ts >= ${duckTs(r.from)})
  SELECT epoch_ms(cw) AS cohort, -1 AS k, count(*) AS actors FROM cohorts GROUP BY ALL
  UNION ALL
  SELECT epoch_ms(c.cw), date_diff('week', c.cw, a.w), count(*) FROM cohorts c JOIN active a ON a.actor = c.actor WHERE a.w >= c.cw GROUP BY ALL`,

  pql: (r) => `WITH ideal AS (${DUCK_IDEAL}),
  ev AS (${duckActorEvents(`e.event IN (${list(JOURNEY_EVENTS.filter((x) => x !== DEMO.visit))})`)} AND coalesce(l.user_id, e.user_id, e.anonymous_id) IN (SELECT actor FROM ideal)),
  ${duckReach('ev')},
  pqls AS (SELECT f.actor, greatest(f.setup, f.first_strike, k.kui) AS q, f.upgrade FROM firsts f JOIN kui k ON k.actor = f.actor
    WHERE f.setup IS NOT NULL AND f.first_strike IS NOT NULL),
  rows AS (
    SELECT q AS t, 'pql' AS what, upgrade IS NOT NULL AS up FROM pqls UNION ALL
    SELECT signup, 'signup', FALSE FROM firsts UNION ALL
    SELECT upgrade, 'upgrade', FALSE FROM firsts)
  SELECT ${duckWeek('t')} AS week,
    count(*) FILTER (WHERE what = 'signup') AS ideal_signups, count(*) FILTER (WHERE what = 'pql') AS pqls,
    count(*) FILTER (WHERE what = 'pql' AND up) AS pqls_upgraded, count(*) FILTER (WHERE what = 'upgrade') AS ideal_upgrades
  FROM rows WHERE t >= ${duckTs(r.from)} AND t < ${duckTs(r.to)} GROUP BY ALL`,

  leading: (eligibleUntil) => `WITH ev AS (${duckActorEvents('TRUE')}),
  cohort AS (SELECT actor, min(ts) AS t FROM ev WHERE event = ${lit(DEMO.signup)} GROUP BY actor HAVING min(ts) <= ${duckTs(eligibleUntil)}),
  outcome AS (SELECT DISTINCT e.actor FROM ev e JOIN cohort c ON c.actor = e.actor
    WHERE e.event = ${lit(DEMO.northStar.event)} AND (e.properties->>'channel') IS DISTINCT FROM ${lit(DEMO.northStar.notChannel)}
      AND e.ts >= c.t + INTERVAL 21 DAY AND e.ts < c.t + INTERVAL 28 DAY),
  counts AS (SELECT e.actor, e.event, count(*) AS n FROM ev e JOIN cohort c ON c.actor = e.actor
    WHERE e.ts >= c.t AND e.ts < c.t + INTERVAL 7 DAY AND e.event NOT IN (${list([DEMO.signup, DEMO.northStar.event])})
    GROUP BY ALL)
  SELECT c.event, k.k, count(*) AS did, count(o.actor) AS did_reached
  FROM counts c JOIN (VALUES (1), (2), (3), (5), (10)) k(k) ON c.n >= k.k LEFT JOIN outcome o ON o.actor = c.actor
  GROUP BY ALL
  UNION ALL
  SELECT '', 0, count(*), count(o.actor) FROM cohort c LEFT JOIN outcome o ON o.actor = c.actor`,
};

// ------------------------------------------------------------------------------------------------
// ClickHouse (the session sets join_use_nulls = 1: a LEFT JOIN miss is NULL, as in DuckDB)

const chTs = (ms: number) => `fromUnixTimestamp64Milli(toInt64(${int(ms)}), 'UTC')`;
/** Epoch ms of the Monday starting the week of an epoch-ms expression (1970-01-05 was a Monday). */
const chWeekOfMs = (ms: string) => `(intDiv(${ms} - 345600000, 604800000) * 604800000 + 345600000)`;
const chWeekMs = (col: string) => chWeekOfMs(`toInt64(toUnixTimestamp64Milli(${col}))`);
/** Weeks since 1970-01-05. */
const chWeekIndex = (col: string) => `intDiv(toInt64(toUnixTimestamp64Milli(${col})) - 345600000, 604800000)`;

/** Events with their actor, read from the storage table as loaded (no FINAL: a bulk load has no duplicates). */
function chActorEvents(where: string): string {
  return `SELECT coalesce(l.user_id, e.person) AS actor, e.event AS event, e.ts AS ts, e.id AS id, e.properties AS properties
    FROM tn_events AS e
    LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id FROM tn_identity_links GROUP BY anonymous_id) AS l ON l.anonymous_id = e.person
    WHERE ${where}`;
}

const chTrait = (key: string, extract: 'JSONExtractString' | 'JSONExtractRaw') =>
  `if(JSONHas(u.traits, ${lit(key)}), ${extract}(u.traits, ${lit(key)}), ${extract}(a.traits, ${lit(key)}))`;
const CH_IDEAL = `SELECT u.user_id FROM tn_users AS u FINAL LEFT JOIN tn_accounts AS a FINAL ON a.account_id = u.account_id
  WHERE ${chTrait('role', 'JSONExtractString')} IN (${list(DEMO.idealRoles)})
    AND toFloat64OrNull(${chTrait('company_size', 'JSONExtractRaw')}) >= ${DEMO.idealMinCompanySize}`;
const chNotChannel = (col: string) => `NOT (JSONType(${col}, 'channel') = 'String' AND JSONExtractString(${col}, 'channel') = ${lit(DEMO.northStar.notChannel)})`;

/**
 * One pass over the journey events grouped by actor: the first time of every stage, and the KUI as
 * the n-th message within the window after the first signup (from the sorted message times).
 */
function chPerActor(where: string, extra?: { expr: string; alias: string }): string {
  const days = int(DEMO.kui.withinDays * DAY_MS);
  return `SELECT actor, signup, setup, first_strike, upgrade${extra ? `, ${extra.alias}` : ''},
      if(signup IS NULL, 0, arrayFilter(x -> x >= assumeNotNull(signup) AND x <= assumeNotNull(signup) + ${days}, msgs)[${DEMO.kui.atLeast}]) AS kui_raw,
      if(kui_raw = 0, NULL, kui_raw) AS kui
    FROM (
      SELECT actor,
        minIfOrNull(t, event = ${lit(DEMO.signup)}) AS signup,
        minIfOrNull(t, event = ${lit(DEMO.setup)}) AS setup,
        minIfOrNull(t, event = ${lit(DEMO.firstStrike)}) AS first_strike,
        minIfOrNull(t, event = ${lit(DEMO.upgrade)}) AS upgrade,
        arraySort(groupArrayIf(t, event = ${lit(DEMO.kui.event)})) AS msgs${extra ? `,\n        ${extra.expr} AS ${extra.alias}` : ''}
      FROM (SELECT actor, event, toInt64(toUnixTimestamp64Milli(ts)) AS t FROM (${chActorEvents(where)}))
      GROUP BY actor)`;
}

export const clickhouseBaseline: BaselineSql = {
  northStar: (r) => `SELECT ${chWeekMs('ts')} AS week, count() AS value FROM tn_events
    WHERE event = ${lit(DEMO.northStar.event)} AND ${chNotChannel('properties')} AND ts >= ${chTs(r.from)} AND ts < ${chTs(r.to)}
    GROUP BY week`,

  stageCounts: (r) => {
    const visit = { expr: `groupUniqArrayIf(${chWeekOfMs('t')}, event = ${lit(DEMO.visit)} AND t >= ${int(r.from)} AND t < ${int(r.to)})`, alias: 'visit_weeks' };
    return `SELECT stage, week, count() AS actors, countIf(ideal) AS ideal FROM (
      SELECT actor, actor IN (${CH_IDEAL}) AS ideal, st.1 AS stage, st.2 AS t, if(stage = 'visit', t, ${chWeekOfMs('t')}) AS week
      FROM (${chPerActor(`e.event IN (${list(JOURNEY_EVENTS)})`, visit)})
      ARRAY JOIN arrayConcat(
        [('signup', signup), ('setup', setup), ('first_strike', first_strike), ('kui', kui), ('upgrade', upgrade)],
        arrayMap(w -> ('visit', toInt64(w)), visit_weeks)) AS st
      WHERE t IS NOT NULL AND (stage = 'visit' OR (t >= ${int(r.from)} AND t < ${int(r.to)})))
    GROUP BY stage, week`;
  },

  bridge: (bounds) => `SELECT toUnixTimestamp64Milli(p_from) AS period,
      sum(s) AS mrr_start, sum(e) AS mrr_end, countIf(s > 0) AS customers_start, countIf(e > 0) AS customers_end,
      sumIf(e, s = 0 AND e > 0 AND (fp IS NULL OR fp >= p_from)) AS new,
      sumIf(e, s = 0 AND e > 0 AND fp < p_from) AS reactivation,
      sumIf(e - s, s > 0 AND e > s) AS expansion,
      sumIf(s - e, e > 0 AND e < s) AS contraction,
      sumIf(s, s > 0 AND e = 0) AS churn
    FROM (
      SELECT p_from, account_id, sum(s) AS s, sum(e) AS e FROM (
        SELECT p.1 AS p_from, account_id, if(b = p.1, cents, 0) AS s, if(b = p.2, cents, 0) AS e
        FROM (
          SELECT b, account_id, sum(cents) AS cents FROM (
            SELECT b, account_id, subscription_id, argMax(toInt64(round(mrr * 100)), effective_at) AS cents
            FROM (SELECT arrayJoin([${bounds.map(chTs).join(', ')}]) AS b) AS bs
            CROSS JOIN (SELECT * FROM tn_subscriptions FINAL) AS s
            WHERE s.effective_at < bs.b GROUP BY b, account_id, subscription_id)
          GROUP BY b, account_id HAVING cents > 0)
        ARRAY JOIN arrayFilter(x -> x.1 = b OR x.2 = b, arrayZip([${bounds.slice(0, -1).map(chTs).join(', ')}], [${bounds.slice(1).map(chTs).join(', ')}])) AS p)
      GROUP BY p_from, account_id) AS m
    LEFT JOIN (SELECT account_id, min(effective_at) AS fp FROM tn_subscriptions FINAL WHERE round(mrr * 100) > 0 GROUP BY account_id) AS f
      ON f.account_id = m.account_id
    GROUP BY p_from`,

  manual: (metric) => `SELECT period, argMax(value, entered_at) AS value FROM tn_manual_values WHERE metric = ${lit(metric)} GROUP BY period`,

  funnel: (r) => {
    const w = int(DEMO.windowDays * DAY_MS);
    const days = int(DEMO.kui.withinDays * DAY_MS);
    return `SELECT level, actor IN (${CH_IDEAL}) AS ideal, count() AS actors FROM (
      SELECT actor, windowFunnel(${w})(t, step = 1, step = 2, step = 3, step = 4, step = 5, step = 6) AS level
      FROM (
        SELECT actor, toUInt64(t) AS t, step FROM (
          SELECT actor, toInt64(toUnixTimestamp64Milli(ts)) AS t,
            multiIf(event = ${lit(DEMO.visit)}, 1, event = ${lit(DEMO.signup)}, 2, event = ${lit(DEMO.setup)}, 3, event = ${lit(DEMO.firstStrike)}, 4, 6) AS step
          FROM (${chActorEvents(`e.event IN (${list(JOURNEY_EVENTS)}) AND e.ts >= ${chTs(r.from)} AND e.ts <= ${chTs(r.to + DEMO.windowDays * DAY_MS)}`)})
          WHERE step != 1 OR t < ${int(r.to)})
        UNION ALL
        SELECT actor, toUInt64(kui) AS t, 5 AS step FROM (
          SELECT actor, if(signup IS NULL, 0, arrayFilter(x -> x >= assumeNotNull(signup) AND x <= assumeNotNull(signup) + ${days}, msgs)[${DEMO.kui.atLeast}]) AS kui
          FROM (SELECT actor, minIfOrNull(t, event = ${lit(DEMO.signup)}) AS signup, arraySort(groupArrayIf(t, event = ${lit(DEMO.kui.event)})) AS msgs
            FROM (SELECT actor, event, toInt64(toUnixTimestamp64Milli(ts)) AS t FROM (${chActorEvents(`e.event IN (${list([DEMO.signup, DEMO.kui.event])})`)}))
            GROUP BY actor))
        WHERE kui >= ${int(r.from)} AND kui < ${int(r.to)} + ${w})
      GROUP BY actor)
    WHERE level > 0 GROUP BY level, ideal`;
  },

  retention: (r) => {
    const k = Array.from({ length: 17 }, (_, i) => `p = cw + ${i}`).join(', ');
    return `SELECT c * 604800000 + 345600000 AS cohort, count() AS size, sumForEach(r) AS retained FROM (
      SELECT actor, any(cw) AS c, retention(1, ${k}) AS r FROM (
        SELECT c.actor AS actor, c.c AS cw, ifNull(a.p, -1000) AS p FROM (
          SELECT actor, ${chWeekIndex('min(ts)')} AS c FROM (${chActorEvents(`e.event = ${lit(DEMO.signup)}`)}) GROUP BY actor
          HAVING min(ts) >= ${chTs(r.from)} AND min(ts) < ${chTs(r.to)}) AS c
        LEFT JOIN (
          SELECT DISTINCT actor, ${chWeekIndex('ts')} AS p FROM (${chActorEvents(`e.event = ${lit(DEMO.northStar.event)} AND ${chNotChannel('e.properties')} AND e.ts >= ${chTs(r.from)}`)})) AS a
        ON a.actor = c.actor)
      GROUP BY actor)
    GROUP BY c`;
  },

  pql: (r) => `SELECT week, countIf(what = 'signup') AS ideal_signups, countIf(what = 'pql') AS pqls,
      countIf(what = 'pql' AND up) AS pqls_upgraded, countIf(what = 'upgrade') AS ideal_upgrades
    FROM (
      SELECT st.1 AS what, st.2 AS t, st.3 AS up, ${chWeekOfMs('t')} AS week
      FROM (${chPerActor(`e.event IN (${list(JOURNEY_EVENTS.filter((x) => x !== DEMO.visit))}) AND coalesce(l.user_id, e.person) IN (${CH_IDEAL})`)})
      ARRAY JOIN [
        ('signup', signup, 0),
        ('upgrade', upgrade, 0),
        ('pql', if(setup IS NULL OR first_strike IS NULL OR kui IS NULL, NULL, greatest(setup, first_strike, kui)), upgrade IS NOT NULL)] AS st
      WHERE t IS NOT NULL AND t >= ${int(r.from)} AND t < ${int(r.to)})
    GROUP BY week`,

  leading: (eligibleUntil) => `SELECT name AS event, k, count() AS did, countIf(y) AS did_reached FROM (
    SELECT if(k = 0, '', event) AS name, k, y FROM (
      SELECT actor, event, n, max(y) OVER (PARTITION BY actor) AS y FROM (
        SELECT e.actor AS actor, e.event AS event,
          countIf(e.ts >= c.t AND e.ts < c.t + INTERVAL 7 DAY) AS n,
          countIf(e.event = ${lit(DEMO.northStar.event)} AND ${chNotChannel('e.properties')} AND e.ts >= c.t + INTERVAL 21 DAY AND e.ts < c.t + INTERVAL 28 DAY) > 0 AS y
        FROM (${chActorEvents('TRUE')}) AS e
        INNER JOIN (SELECT actor, min(ts) AS t FROM (${chActorEvents(`e.event = ${lit(DEMO.signup)}`)}) GROUP BY actor HAVING t <= ${chTs(eligibleUntil)}) AS c
          ON c.actor = e.actor
        GROUP BY actor, event))
    ARRAY JOIN if(event IN (${list([DEMO.signup, DEMO.northStar.event])}), [0], arrayFilter(x -> n >= x, [1, 2, 3, 5, 10])) AS k
    WHERE k > 0 OR event = ${lit(DEMO.signup)})
    GROUP BY name, k`,
};
