/**
 * The ClickHouse baseline: its own aggregate functions (`windowFunnel`, `retention`, `-If`
 * combinators, arrays). The session sets join_use_nulls = 1: a LEFT JOIN miss is NULL, as in DuckDB.
 */
import { DEMO, int, JOURNEY_EVENTS, lit, list, type BaselineSql } from './baseline-sql.js';
import { DAY_MS } from '../../src/model/time.js';

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
