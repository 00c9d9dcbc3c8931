/**
 * The compiled SQL of a few representative plans, per dialect, as inline snapshots: a change in one
 * emitter shows up here as a readable diff (the conformance suite says whether answers still agree).
 */
import { describe, expect, it } from 'vitest';
import type { Predicate, StageDefinition } from '../src/model/metrics.js';
import type { QueryContext } from '../src/query/context.js';
import type { SqlDialect } from '../src/query/dialect.js';
import { clickhouseDialect } from '../src/query/dialects/clickhouse.js';
import { duckdbDialect } from '../src/query/dialects/duckdb.js';
import { compileFunnel } from '../src/query/plans/funnel.js';
import { compileRetention } from '../src/query/plans/retention.js';
import { compileSeries } from '../src/query/plans/series.js';
import { compileStageCounts } from '../src/query/plans/stages.js';

const ideal: Predicate = [{ property: 'role', op: 'in', value: ['engineer', 'pm'] }];
const ctx = (dialect: SqlDialect): QueryContext => ({ dialect, time: { timezone: 'America/New_York', weekStart: 'sunday' }, idealUser: ideal });
const range = { from: Date.parse('2026-11-01T04:00:00Z'), to: Date.parse('2026-11-15T05:00:00Z') };
const stage = (name: StageDefinition['stage'], event: string, extra: Partial<StageDefinition> = {}): StageDefinition =>
  ({ stage: name, selector: { events: [event], where: [] }, ...extra });

/** One statement per line of output, whitespace runs collapsed, so snapshots stay short and stable. */
function show(q: { sql: string; params: Record<string, unknown> }): string {
  return `${q.sql.replace(/\s+/g, ' ').trim()}\n-- ${JSON.stringify(q.params)}`;
}

const plans = {
  'North Star: count with a filter, per account, weekly (Sunday weeks, New York)': (d: SqlDialect) => compileSeries(ctx(d), {
    metric: {
      id: 'north_star', name: 'Messages', frequency: 'week', measure: { kind: 'count' }, per: 'account',
      selector: { events: ['Message Sent'], where: [{ property: 'channel', op: 'ne', value: 'self' }, { property: 'size', op: 'gte', value: 10 }] },
    },
    range, segment: 'ideal',
  }),
  'weekly stage counts with a KUI threshold': (d: SqlDialect) => compileStageCounts(ctx(d), {
    stages: [stage('visit', 'Page Viewed'), stage('signup', 'Signed Up'), stage('kui', 'Message Sent', { atLeast: 3, withinDays: 7 })],
    range, segment: 'all',
  }),
  'cohort funnel, three steps, split by a user trait': (d: SqlDialect) => compileFunnel(ctx(d), {
    steps: [stage('visit', 'Page Viewed'), stage('signup', 'Signed Up'), stage('setup', 'Workspace Created')],
    range, windowDays: 14, segment: 'all', breakdown: { kind: 'user_trait', key: 'role' },
  }),
  'unique users of a step with two names, one filter for both (daily)': (d: SqlDialect) => compileSeries(ctx(d), {
    metric: {
      id: 'messagers', name: 'Messagers', frequency: 'day', measure: { kind: 'unique_users' },
      selector: { events: ['Message Sent', 'message_sent'], where: [{ property: 'channel', op: 'ne', value: 'self' }] },
    },
    range, segment: 'all',
  }),
  'monthly retention, on or after': (d: SqlDialect) => compileRetention(ctx(d), {
    definition: { cohortSelector: { events: ['Signed Up'], where: [] }, activitySelector: { events: ['Message Sent'], where: [] }, period: 'month', mode: 'on_or_after' },
    range, segment: 'all',
  }),
};

describe('compiled SQL per dialect', () => {
  it('binds every value: nothing from the definitions is spliced into the text; both bind as many', () => {
    for (const plan of Object.values(plans)) {
      for (const d of [duckdbDialect, clickhouseDialect]) {
        const q = plan(d);
        for (const v of ['Message Sent', 'message_sent', 'Signed Up', 'self', 'engineer', 'America/New_York', 'role']) expect(q.sql).not.toContain(v);
      }
      expect(Object.keys(plan(clickhouseDialect).params)).toEqual(Object.keys(plan(duckdbDialect).params));
    }
  });

  const NS = 'North Star: count with a filter, per account, weekly (Sunday weeks, New York)';
  it('north star, DuckDB', () => {
    expect(show(plans[NS](duckdbDialect))).toMatchInlineSnapshot(`
      "WITH ideal_actors AS ( SELECT u.user_id AS actor_id, coalesce(((coalesce(json_extract_string(u.traits, CAST($p8 AS VARCHAR)), json_extract_string(a.traits, CAST($p9 AS VARCHAR))) = CAST($p10 AS VARCHAR)) OR (coalesce(json_extract_string(u.traits, CAST($p8 AS VARCHAR)), json_extract_string(a.traits, CAST($p9 AS VARCHAR))) = CAST($p11 AS VARCHAR))), FALSE) AS ideal FROM users u LEFT JOIN accounts a ON a.account_id = u.account_id), base AS ( SELECT e.actor_id, e.account_id, NULL AS v, date_trunc('week', timezone(CAST($p0 AS VARCHAR), timezone('UTC', e.ts)) + INTERVAL 1 DAY) - INTERVAL 1 DAY AS p FROM actor_events e WHERE e.event = CAST($p5 AS VARCHAR) AND (NOT coalesce(json_extract_string(e.properties, CAST($p1 AS VARCHAR)) = CAST($p2 AS VARCHAR), FALSE)) AND (TRY_CAST(json_extract_string(e.properties, CAST($p3 AS VARCHAR)) AS DOUBLE) >= CAST($p4 AS DOUBLE)) AND e.ts >= epoch_ms(CAST($p6 AS BIGINT)) AND e.ts < epoch_ms(CAST($p7 AS BIGINT)) AND e.actor_id IN (SELECT actor_id FROM ideal_actors WHERE ideal)) SELECT strftime(p, '%Y-%m-%d') AS period, CAST(count(*) AS DOUBLE) / nullif(count(DISTINCT account_id), 0) AS value FROM base GROUP BY p ORDER BY period
      -- {"p0":"America/New_York","p1":"/channel","p2":"self","p3":"/size","p4":10,"p5":"Message Sent","p6":1793505600000,"p7":1794718800000,"p8":"/role","p9":"/role","p10":"engineer","p11":"pm"}"
    `);
  });
  it('north star, ClickHouse', () => {
    expect(show(plans[NS](clickhouseDialect))).toMatchInlineSnapshot(`
      "WITH ideal_actors AS ( SELECT u.user_id AS actor_id, coalesce(((coalesce(multiIf(JSONExtractRaw(u.traits, {p8:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(u.traits, {p8:String}), '"'), JSONExtractString(JSONExtractRaw(u.traits, {p8:String})), JSONExtractRaw(u.traits, {p8:String})), multiIf(JSONExtractRaw(a.traits, {p9:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(a.traits, {p9:String}), '"'), JSONExtractString(JSONExtractRaw(a.traits, {p9:String})), JSONExtractRaw(a.traits, {p9:String}))) = {p10:String}) OR (coalesce(multiIf(JSONExtractRaw(u.traits, {p8:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(u.traits, {p8:String}), '"'), JSONExtractString(JSONExtractRaw(u.traits, {p8:String})), JSONExtractRaw(u.traits, {p8:String})), multiIf(JSONExtractRaw(a.traits, {p9:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(a.traits, {p9:String}), '"'), JSONExtractString(JSONExtractRaw(a.traits, {p9:String})), JSONExtractRaw(a.traits, {p9:String}))) = {p11:String})), FALSE) AS ideal FROM users u LEFT JOIN accounts a ON a.account_id = u.account_id), base AS ( SELECT e.actor_id, e.account_id, NULL AS v, toStartOfWeek(toDate32(toTimeZone(e.ts, {p0:String})), 0) AS p FROM actor_events e WHERE e.event = {p5:String} AND (NOT coalesce(multiIf(JSONExtractRaw(e.properties, {p1:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(e.properties, {p1:String}), '"'), JSONExtractString(JSONExtractRaw(e.properties, {p1:String})), JSONExtractRaw(e.properties, {p1:String})) = {p2:String}, FALSE)) AND (toFloat64OrNull(trimBoth(multiIf(JSONExtractRaw(e.properties, {p3:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(e.properties, {p3:String}), '"'), JSONExtractString(JSONExtractRaw(e.properties, {p3:String})), JSONExtractRaw(e.properties, {p3:String})), ' \\t\\n\\r\\v\\f')) >= {p4:Float64}) AND e.ts >= fromUnixTimestamp64Milli({p6:Int64}, 'UTC') AND e.ts < fromUnixTimestamp64Milli({p7:Int64}, 'UTC') AND e.actor_id IN (SELECT actor_id FROM ideal_actors WHERE ideal)) SELECT toString(p) AS period, CAST(count(*) AS DOUBLE) / nullif(count(DISTINCT account_id), 0) AS value FROM base GROUP BY p ORDER BY period
      -- {"p0":"America/New_York","p1":"channel","p2":"self","p3":"size","p4":10,"p5":"Message Sent","p6":1793505600000,"p7":1794718800000,"p8":"role","p9":"role","p10":"engineer","p11":"pm"}"
    `);
  });
  const ST = 'weekly stage counts with a KUI threshold';
  it('weekly stages, DuckDB', () => {
    expect(show(plans[ST](duckdbDialect))).toMatchInlineSnapshot(`
      "WITH reach AS (SELECT * FROM ( SELECT actor_id, "s$signup" AS signup, list_filter("s$kui", lambda x: x >= "s$signup_first" AND x <= "s$signup_first" + CAST($p9 AS BIGINT))[CAST($p8 AS BIGINT)] AS kui FROM ( SELECT e.actor_id, min(CASE WHEN e.event = CAST($p5 AS VARCHAR) THEN epoch_ms(e.ts) END) AS "s$signup_first", min(CASE WHEN e.event = CAST($p6 AS VARCHAR) THEN epoch_ms(e.ts) END) AS "s$signup", list(epoch_ms(e.ts) ORDER BY epoch_ms(e.ts)) FILTER (WHERE e.event = CAST($p7 AS VARCHAR)) AS "s$kui" FROM (SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties, coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor_id FROM events e LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)) e WHERE ((e.event = CAST($p5 AS VARCHAR)) OR (e.event = CAST($p6 AS VARCHAR)) OR (e.event = CAST($p7 AS VARCHAR))) AND TRUE GROUP BY e.actor_id ) per_actor ) reach WHERE signup IS NOT NULL OR kui IS NOT NULL) SELECT stage, period, actors FROM ( SELECT CAST($p0 AS VARCHAR) AS stage, strftime(p, '%Y-%m-%d') AS period, count(DISTINCT e.actor_id) AS actors FROM (SELECT e.actor_id, date_trunc('week', timezone(CAST($p1 AS VARCHAR), timezone('UTC', e.ts)) + INTERVAL 1 DAY) - INTERVAL 1 DAY AS p FROM (SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties, coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor_id FROM events e LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)) e WHERE e.event = CAST($p2 AS VARCHAR) AND e.ts >= epoch_ms(CAST($p3 AS BIGINT)) AND e.ts < epoch_ms(CAST($p4 AS BIGINT)) AND TRUE) e GROUP BY p UNION ALL SELECT x.stage, strftime(p, '%Y-%m-%d') AS period, count(*) AS actors FROM (SELECT y.actor_id, y.stage, date_trunc('week', timezone(CAST($p1 AS VARCHAR), timezone('UTC', epoch_ms(y.t))) + INTERVAL 1 DAY) - INTERVAL 1 DAY AS p FROM (SELECT r.actor_id AS actor_id, unnest([CAST($p10 AS VARCHAR), CAST($p11 AS VARCHAR)]) AS stage, unnest([r.signup, r.kui]) AS t FROM reach r) y WHERE y.t >= CAST($p12 AS BIGINT) AND y.t < CAST($p13 AS BIGINT)) x GROUP BY x.stage, p ) counts ORDER BY stage, period
      -- {"p0":"visit","p1":"America/New_York","p2":"Page Viewed","p3":1793505600000,"p4":1794718800000,"p5":"Signed Up","p6":"Signed Up","p7":"Message Sent","p8":3,"p9":604800000,"p10":"signup","p11":"kui","p12":1793505600000,"p13":1794718800000}"
    `);
  });
  it('weekly stages, ClickHouse', () => {
    expect(show(plans[ST](clickhouseDialect))).toMatchInlineSnapshot(`
      "WITH reach AS (SELECT * FROM ( SELECT actor_id, "s$signup" AS signup, if("s$signup_first" IS NULL, NULL, arrayElement(arrayMap(x -> toNullable(x), arrayFilter(x -> x >= assumeNotNull("s$signup_first") AND x <= assumeNotNull("s$signup_first" + {p9:Int64}), "s$kui")), {p8:Int64})) AS kui FROM ( SELECT e.actor_id, min(CASE WHEN e.event = {p5:String} THEN toUnixTimestamp64Milli(e.ts) END) AS "s$signup_first", min(CASE WHEN e.event = {p6:String} THEN toUnixTimestamp64Milli(e.ts) END) AS "s$signup", arraySort(groupArrayIf(toUnixTimestamp64Milli(e.ts), e.event = {p7:String})) AS "s$kui" FROM (SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id, e.properties AS properties, if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id FROM tn_events AS e FINAL LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM tn_identity_links GROUP BY anonymous_id) AS l ON l.anonymous_id = e.person) e WHERE ((e.event = {p5:String}) OR (e.event = {p6:String}) OR (e.event = {p7:String})) AND TRUE GROUP BY e.actor_id ) per_actor ) reach WHERE signup IS NOT NULL OR kui IS NOT NULL) SELECT stage, period, actors FROM ( SELECT {p0:String} AS stage, toString(p) AS period, count(DISTINCT e.actor_id) AS actors FROM (SELECT e.actor_id, toStartOfWeek(toDate32(toTimeZone(e.ts, {p1:String})), 0) AS p FROM (SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id, e.properties AS properties, if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id FROM tn_events AS e FINAL LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM tn_identity_links GROUP BY anonymous_id) AS l ON l.anonymous_id = e.person) e WHERE e.event = {p2:String} AND e.ts >= fromUnixTimestamp64Milli({p3:Int64}, 'UTC') AND e.ts < fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND TRUE) e GROUP BY p UNION ALL SELECT x.stage, toString(p) AS period, count(*) AS actors FROM (SELECT y.actor_id, y.stage, toStartOfWeek(toDate32(toTimeZone(fromUnixTimestamp64Milli(y.t, 'UTC'), {p1:String})), 0) AS p FROM (SELECT r.actor_id AS actor_id, stage, t FROM reach r ARRAY JOIN [{p10:String}, {p11:String}] AS stage, [r.signup, r.kui] AS t) y WHERE y.t >= {p12:Int64} AND y.t < {p13:Int64}) x GROUP BY x.stage, p ) counts ORDER BY stage, period
      -- {"p0":"visit","p1":"America/New_York","p2":"Page Viewed","p3":1793505600000,"p4":1794718800000,"p5":"Signed Up","p6":"Signed Up","p7":"Message Sent","p8":3,"p9":604800000,"p10":"signup","p11":"kui","p12":1793505600000,"p13":1794718800000}"
    `);
  });
  const FU = 'cohort funnel, three steps, split by a user trait';
  it('funnel, DuckDB', () => {
    expect(show(plans[FU](duckdbDialect))).toMatchInlineSnapshot(`
      "WITH step_events AS (SELECT e.actor_id, epoch_ms(e.ts) AS t, e.event = CAST($p3 AS VARCHAR) AND e.ts >= epoch_ms(CAST($p6 AS BIGINT)) AND e.ts < epoch_ms(CAST($p7 AS BIGINT)) AND TRUE AS m1, e.event = CAST($p4 AS VARCHAR) AND epoch_ms(e.ts) >= CAST($p1 AS BIGINT) AND epoch_ms(e.ts) <= CAST($p2 AS BIGINT) + CAST($p0 AS BIGINT) AS m2, e.event = CAST($p5 AS VARCHAR) AND epoch_ms(e.ts) >= CAST($p1 AS BIGINT) AND epoch_ms(e.ts) <= CAST($p2 AS BIGINT) + CAST($p0 AS BIGINT) AS m3 FROM (SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties, coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor_id FROM events e LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)) e WHERE e.event IN (CAST($p3 AS VARCHAR), CAST($p4 AS VARCHAR), CAST($p5 AS VARCHAR))), s1 AS (SELECT actor_id, t FROM step_events WHERE m1), s2 AS (SELECT actor_id, t FROM step_events WHERE m2), s3 AS (SELECT actor_id, t FROM step_events WHERE m3), c2 AS (SELECT s.actor_id, a.t AS t1, s.t AS t2 FROM s2 s ASOF JOIN (SELECT * FROM s1 WHERE actor_id IN (SELECT actor_id FROM s2)) a ON s.actor_id = a.actor_id AND s.t >= a.t WHERE s.t - a.t <= CAST($p0 AS BIGINT)), c3 AS (SELECT c.actor_id, c.t1, c.t2, min(s.t) AS t3 FROM c2 c LEFT JOIN s3 s ON s.actor_id = c.actor_id AND s.t >= c.t2 AND s.t <= c.t1 + CAST($p0 AS BIGINT) GROUP BY c.actor_id, c.t1, c.t2), best AS (SELECT actor_id, max(level) AS level FROM ( SELECT actor_id, 1 AS level FROM s1 UNION ALL SELECT actor_id, CASE WHEN t2 IS NULL OR t2 - t1 > CAST($p0 AS BIGINT) THEN 1 WHEN t3 IS NULL OR t3 - t1 > CAST($p0 AS BIGINT) THEN 2 ELSE 3 END AS level FROM c3 ) levels GROUP BY actor_id) SELECT level, breakdown, count(*) AS actors FROM (SELECT x.level, coalesce(json_extract_string(bu.traits, CAST($p8 AS VARCHAR)), '(none)') AS breakdown FROM best x LEFT JOIN users bu ON bu.user_id = x.actor_id LEFT JOIN accounts ba ON ba.account_id = bu.account_id) per_actor GROUP BY level, breakdown ORDER BY level, breakdown
      -- {"p0":1209600000,"p1":1793505600000,"p2":1794718800000,"p3":"Page Viewed","p4":"Signed Up","p5":"Workspace Created","p6":1793505600000,"p7":1794718800000,"p8":"/role"}"
    `);
  });
  it('funnel, ClickHouse', () => {
    expect(show(plans[FU](clickhouseDialect))).toMatchInlineSnapshot(`
      "WITH best AS (SELECT * FROM ( SELECT actor_id, windowFunnel({p0:Int64})(toUInt64(t), f1 = 1, f2 = 1, f3 = 1) AS level FROM (SELECT e.actor_id, toUnixTimestamp64Milli(e.ts) AS t, CASE WHEN e.event = {p3:String} AND e.ts >= fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND e.ts < fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND TRUE THEN 1 ELSE 0 END AS f1, CASE WHEN e.event = {p6:String} AND toUnixTimestamp64Milli(e.ts) >= {p1:Int64} AND toUnixTimestamp64Milli(e.ts) <= {p2:Int64} + {p0:Int64} THEN 1 ELSE 0 END AS f2, CASE WHEN e.event = {p7:String} AND toUnixTimestamp64Milli(e.ts) >= {p1:Int64} AND toUnixTimestamp64Milli(e.ts) <= {p2:Int64} + {p0:Int64} THEN 1 ELSE 0 END AS f3 FROM (SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id, e.properties AS properties, if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id FROM tn_events AS e FINAL LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM tn_identity_links GROUP BY anonymous_id) AS l ON l.anonymous_id = e.person) e WHERE (e.event = {p3:String} AND e.ts >= fromUnixTimestamp64Milli({p4:Int64}, 'UTC') AND e.ts < fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND TRUE) OR (e.event = {p6:String} AND toUnixTimestamp64Milli(e.ts) >= {p1:Int64} AND toUnixTimestamp64Milli(e.ts) <= {p2:Int64} + {p0:Int64}) OR (e.event = {p7:String} AND toUnixTimestamp64Milli(e.ts) >= {p1:Int64} AND toUnixTimestamp64Milli(e.ts) <= {p2:Int64} + {p0:Int64})) flagged GROUP BY actor_id ) levels WHERE level > 0) SELECT level, breakdown, count(*) AS actors FROM (SELECT x.level, coalesce(multiIf(JSONExtractRaw(bu.traits, {p8:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(bu.traits, {p8:String}), '"'), JSONExtractString(JSONExtractRaw(bu.traits, {p8:String})), JSONExtractRaw(bu.traits, {p8:String})), '(none)') AS breakdown FROM best x LEFT JOIN users bu ON bu.user_id = x.actor_id LEFT JOIN accounts ba ON ba.account_id = bu.account_id) per_actor GROUP BY level, breakdown ORDER BY level, breakdown SETTINGS join_use_nulls = 1
      -- {"p0":1209600000,"p1":1793505600000,"p2":1794718800000,"p3":"Page Viewed","p4":1793505600000,"p5":1794718800000,"p6":"Signed Up","p7":"Workspace Created","p8":"role"}"
    `);
  });
  const RE = 'monthly retention, on or after';
  it('retention, DuckDB', () => {
    expect(show(plans[RE](duckdbDialect))).toMatchInlineSnapshot(`
      "WITH first_seen AS (SELECT e.actor_id, min(e.ts) AS t0 FROM (SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties, coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor_id FROM events e LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)) e WHERE e.event = CAST($p0 AS VARCHAR) AND TRUE GROUP BY e.actor_id), cohorts AS (SELECT actor_id, strftime(date_trunc('month', timezone(CAST($p1 AS VARCHAR), timezone('UTC', t0))), '%Y-%m-%d') AS cohort, (year(timezone(CAST($p1 AS VARCHAR), timezone('UTC', t0))) * 12 + month(timezone(CAST($p1 AS VARCHAR), timezone('UTC', t0))) - 1) AS c FROM first_seen WHERE t0 >= epoch_ms(CAST($p2 AS BIGINT)) AND t0 < epoch_ms(CAST($p3 AS BIGINT))), activity AS (SELECT DISTINCT e.actor_id, (year(timezone(CAST($p1 AS VARCHAR), timezone('UTC', e.ts))) * 12 + month(timezone(CAST($p1 AS VARCHAR), timezone('UTC', e.ts))) - 1) AS p FROM (SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties, coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor_id FROM events e LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)) e WHERE e.event = CAST($p4 AS VARCHAR) AND e.ts >= epoch_ms(CAST($p5 AS BIGINT)) AND e.actor_id IN (SELECT actor_id FROM cohorts)), retained AS (SELECT c.actor_id, c.cohort, c.c AS cohort_index, max(a.p) - c.c AS k FROM cohorts c JOIN activity a ON a.actor_id = c.actor_id WHERE a.p >= c.c GROUP BY c.actor_id, c.cohort, c.c) SELECT cohort, cohort_index, k AS "offset", actors FROM ( SELECT cohort, c AS cohort_index, -1 AS k, count(*) AS actors FROM cohorts GROUP BY cohort, c UNION ALL SELECT cohort, cohort_index, k, count(*) AS actors FROM retained GROUP BY cohort, cohort_index, k ) r ORDER BY cohort, "offset"
      -- {"p0":"Signed Up","p1":"America/New_York","p2":1793505600000,"p3":1794718800000,"p4":"Message Sent","p5":1793505600000}"
    `);
  });
  it('retention, ClickHouse', () => {
    expect(show(plans[RE](clickhouseDialect))).toMatchInlineSnapshot(`
      "WITH first_seen AS (SELECT e.actor_id, min(e.ts) AS t0 FROM (SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id, e.properties AS properties, if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id FROM tn_events AS e FINAL LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM tn_identity_links GROUP BY anonymous_id) AS l ON l.anonymous_id = e.person) e WHERE e.event = {p0:String} AND TRUE GROUP BY e.actor_id), cohorts AS (SELECT actor_id, toString(toStartOfMonth(toDate32(toTimeZone(t0, {p1:String})))) AS cohort, (toInt64(toYear(toTimeZone(t0, {p1:String}))) * 12 + toInt64(toMonth(toTimeZone(t0, {p1:String}))) - 1) AS c FROM first_seen WHERE t0 >= fromUnixTimestamp64Milli({p2:Int64}, 'UTC') AND t0 < fromUnixTimestamp64Milli({p3:Int64}, 'UTC')), activity AS (SELECT DISTINCT e.actor_id, (toInt64(toYear(toTimeZone(e.ts, {p1:String}))) * 12 + toInt64(toMonth(toTimeZone(e.ts, {p1:String}))) - 1) AS p FROM (SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id, e.properties AS properties, if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id FROM tn_events AS e FINAL LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM tn_identity_links GROUP BY anonymous_id) AS l ON l.anonymous_id = e.person) e WHERE e.event = {p4:String} AND e.ts >= fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND e.actor_id IN (SELECT actor_id FROM cohorts)), retained AS (SELECT c.actor_id, c.cohort, c.c AS cohort_index, max(a.p) - c.c AS k FROM cohorts c JOIN activity a ON a.actor_id = c.actor_id WHERE a.p >= c.c GROUP BY c.actor_id, c.cohort, c.c) SELECT cohort, cohort_index, k AS "offset", actors FROM ( SELECT cohort, c AS cohort_index, -1 AS k, count(*) AS actors FROM cohorts GROUP BY cohort, c UNION ALL SELECT cohort, cohort_index, k, count(*) AS actors FROM retained GROUP BY cohort, cohort_index, k ) r ORDER BY cohort, "offset"
      -- {"p0":"Signed Up","p1":"America/New_York","p2":1793505600000,"p3":1794718800000,"p4":"Message Sent","p5":1793505600000}"
    `);
  });
  const LIST = 'unique users of a step with two names, one filter for both (daily)';
  it('a step with two names, DuckDB', () => {
    expect(show(plans[LIST](duckdbDialect))).toMatchInlineSnapshot(`
      "WITH base AS ( SELECT e.actor_id, NULL AS account_id, NULL AS v, date_trunc('day', timezone(CAST($p0 AS VARCHAR), timezone('UTC', e.ts))) AS p FROM (SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties, coalesce(l.user_id, e.user_id, e.anonymous_id) AS actor_id FROM events e LEFT JOIN identity_links l ON l.anonymous_id = coalesce(e.user_id, e.anonymous_id)) e WHERE e.event IN (CAST($p3 AS VARCHAR), CAST($p4 AS VARCHAR)) AND (NOT coalesce(json_extract_string(e.properties, CAST($p1 AS VARCHAR)) = CAST($p2 AS VARCHAR), FALSE)) AND e.ts >= epoch_ms(CAST($p5 AS BIGINT)) AND e.ts < epoch_ms(CAST($p6 AS BIGINT)) AND TRUE) SELECT strftime(p, '%Y-%m-%d') AS period, CAST(count(DISTINCT actor_id) AS DOUBLE) AS value FROM base GROUP BY p ORDER BY period
      -- {"p0":"America/New_York","p1":"/channel","p2":"self","p3":"Message Sent","p4":"message_sent","p5":1793505600000,"p6":1794718800000}"
    `);
  });
  it('a step with two names, ClickHouse', () => {
    expect(show(plans[LIST](clickhouseDialect))).toMatchInlineSnapshot(`
      "WITH base AS ( SELECT e.actor_id, NULL AS account_id, NULL AS v, toDate32(toTimeZone(e.ts, {p0:String})) AS p FROM (SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id, e.properties AS properties, if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id FROM tn_events AS e FINAL LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM tn_identity_links GROUP BY anonymous_id) AS l ON l.anonymous_id = e.person) e WHERE e.event IN ({p3:String}, {p4:String}) AND (NOT coalesce(multiIf(JSONExtractRaw(e.properties, {p1:String}) IN ('', 'null'), NULL, startsWith(JSONExtractRaw(e.properties, {p1:String}), '"'), JSONExtractString(JSONExtractRaw(e.properties, {p1:String})), JSONExtractRaw(e.properties, {p1:String})) = {p2:String}, FALSE)) AND e.ts >= fromUnixTimestamp64Milli({p5:Int64}, 'UTC') AND e.ts < fromUnixTimestamp64Milli({p6:Int64}, 'UTC') AND TRUE) SELECT toString(p) AS period, CAST(count(DISTINCT actor_id) AS DOUBLE) AS value FROM base GROUP BY p ORDER BY period
      -- {"p0":"America/New_York","p1":"channel","p2":"self","p3":"Message Sent","p4":"message_sent","p5":1793505600000,"p6":1794718800000}"
    `);
  });
});
