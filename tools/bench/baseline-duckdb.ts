/** The DuckDB baseline: window functions and FILTER clauses over the plain tables. */
import { DEMO, int, JOURNEY_EVENTS, lit, list, type BaselineSql } from './baseline-sql.js';
import { DAY_MS } from '../../src/model/time.js';

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
