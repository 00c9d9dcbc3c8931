/**
 * The normaliser's rules for the common NDJSON messages, as one DuckDB statement over a stage file of
 * lines: `read_json` reads the fields both shapes use as typed columns (each value as JSON text, so a
 * number is told from a string), and the rules decide per row. A row comes out `ok` only when every
 * field it reads is in a form whose normalised value is determined by plain rules, so that it stores
 * the bytes `normalizeMessage` would; every other row is left to the normaliser (ndjson-fast.ts).
 *
 * What the typed read cannot see is checked before a line is staged (ndjson-guard.ts): JSON that
 * `JSON.parse` refuses but DuckDB's reader takes (NaN, Infinity, trailing commas), and a JSON null
 * where the normaliser tells null from absent (the typed read gives NULL for both). A key twice in the
 * message or in `context` (the normaliser keeps the last), a `context` or `context.page` that is not an
 * object, and broken lines stop the read with the line's number: that line is left to the normaliser
 * and the read runs again (ndjson-fast.ts). The rules, beyond those the Parquet path states
 * (parquet-fast.ts):
 *
 * - Segment `track`, `page` and `screen` (type given, or absent with a string `event`), and PostHog
 *   events other than `$identify`, `$set`, `$create_alias` and `$groupidentify` that carry no person
 *   update (`$set`, `$set_once`, `$unset`) and whose `$groups` is absent, null, empty or names a
 *   `company`; the message has an id (`messageId` / `uuid`), so no content hash is needed;
 * - ids are strings without escapes of at most 512 bytes ('' meaning absent), or integers of at most
 *   15 digits (printed as JavaScript prints them);
 * - the timestamp field the normaliser would read is `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` in 1970–2199 or
 *   epoch milliseconds of at most 15 digits, not later than the import's start + FUTURE_LIMIT_MS;
 *   PostHog needs `timestamp` (and a valid `sent_at` when one is given);
 * - `properties` as DuckDB prints it back (minified) matches the Parquet path's pattern of plain JSON
 *   (plain-json.ts), without a key twice; the keys a page or screen adds (`name`, `category`, `url`,
 *   `path`) are appended when the properties lack them, and a name that would replace one already
 *   there is left to the normaliser.
 */
import { keysDistinct, PLAIN_OBJECT } from './plain-json.js';

/** The key the stage file adds first to every line: its line number in the file. */
export const LINE_KEY = '__truenorth_line';

/** Top-level fields the rules read, each as JSON text. */
const MESSAGE_FIELDS = [
  'type', 'event', 'messageId', 'uuid', 'userId', 'anonymousId', 'distinct_id', 'timestamp', 'originalTimestamp',
  'receivedAt', 'sentAt', 'sent_at', 'properties', 'name', 'category', 'batch', '$set', '$set_once', '$unset',
];
const PROPERTY_FIELDS = ['distinct_id', '$groups', 'account_id', '$is_identified', '$current_url', '$pathname', '$screen_name'];

const structOf = (fields: string[]) => `'{${fields.map((f) => `"${f}":"JSON"`).join(',')}}'`;
const q = (name: string) => `"${name}"`;
/** The column of a field: a prefix and its name without `$`. */
const column = (prefix: string, field: string) => `${prefix}${field.replace('$', '')}`;
const PLAIN = `'${PLAIN_OBJECT.replaceAll("'", "''")}'`;

/** The typed read of a stage file (`$file`): every message field as JSON, `context` as the two keys the rules read. */
const READ = `read_json($file, format = 'newline_delimited', records = true, auto_detect = false, maximum_object_size = 16777216,
  columns = {'${LINE_KEY}': 'INTEGER', ${MESSAGE_FIELDS.map((f) => `'${f}': 'JSON'`).join(', ')},
    'context': 'STRUCT(groupId JSON, page STRUCT(url JSON, path JSON))'})`;

/** Helpers over one JSON value (SQL NULL for an absent key or a JSON null): macros of the connection. */
export const NDJSON_MACROS = [
  // An id as the normaliser reads it: NULL for absent, null or ''.
  `CREATE OR REPLACE TEMP MACRO tn_id_ok(v) AS CASE WHEN v IS NULL THEN TRUE
     WHEN v[1] = '"' THEN NOT contains(v, '\\') AND strlen(v) <= 514 ELSE regexp_full_match(v, '-?[1-9][0-9]{0,14}|0') END`,
  `CREATE OR REPLACE TEMP MACRO tn_id(v) AS CASE WHEN v[1] = '"' THEN nullif(v[2:-2], '') ELSE v END`,
  // Epoch milliseconds of a timestamp in a form both engines read alike (NULL otherwise).
  `CREATE OR REPLACE TEMP MACRO tn_ms(v) AS CASE
     WHEN v[1] = '"' AND regexp_full_match(v, '"(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?Z"')
       THEN epoch_ms(TRY_CAST(replace(replace(v[2:-2], 'T', ' '), 'Z', '') AS TIMESTAMP))
     WHEN regexp_full_match(v, '[1-9][0-9]{0,14}|0') THEN CAST(v AS BIGINT) END`,
  `CREATE OR REPLACE TEMP MACRO tn_ms_ok(ms, latest) AS ms IS NOT NULL AND ms < 7258118400000 AND ms <= latest`,
  // A string without escapes: JSON.stringify prints it as it stands.
  `CREATE OR REPLACE TEMP MACRO tn_plain_string(v) AS v[1] = '"' AND NOT contains(v, '\\')`,
  // One key appended to a JSON object's text.
  `CREATE OR REPLACE TEMP MACRO tn_append(obj, pairs) AS CASE WHEN pairs = '' THEN obj WHEN obj = '{}' THEN '{' || pairs || '}'
     ELSE obj[1:-2] || ',' || pairs || '}' END`,
];

/**
 * Each row's fields: the message's columns, the properties' keys and the fields read from them
 * (only in properties that print back unchanged: `props_ok`), and the PostHog/Segment split.
 */
function fields(): string {
  const m = MESSAGE_FIELDS.map((f) => `CAST(${q(f)} AS VARCHAR) AS ${column('m_', f)}`).join(', ');
  const p = PROPERTY_FIELDS.map((f) => `CAST(pf.${q(f)} AS VARCHAR) AS ${column('p_', f)}`).join(', ');
  return `
  read AS (
    SELECT ${q(LINE_KEY)} AS line, ${m}, CAST(context.groupId AS VARCHAR) AS c_group,
      CAST(context.page.url AS VARCHAR) AS pg_url, CAST(context.page.path AS VARCHAR) AS pg_path
    FROM ${READ}),
  keyed AS (
    SELECT *, coalesce(${keysDistinct('pk')}, FALSE) AS plain FROM (
      SELECT *, CASE WHEN regexp_full_match(m_properties, ${PLAIN}) THEN json_keys(m_properties) END AS pk FROM read)),
  nd_fields AS (
    SELECT * EXCLUDE (pf), ${p} FROM (
      SELECT * REPLACE (coalesce(pk, []) AS pk), (m_properties IS NULL OR plain) AS props_ok,
        CASE WHEN plain THEN from_json(m_properties, ${structOf(PROPERTY_FIELDS)}) END AS pf,
        coalesce(m_type IS NULL AND (m_distinct_id IS NOT NULL OR list_contains(pk, 'distinct_id')), FALSE) AS posthog
      FROM keyed))`;
}

/** The normalised columns of a row, each an expression over its fields; `ok` the verdict. */
interface Normalised {
  ok: string;
  id: string;
  event: string;
  user_id: string;
  anonymous_id: string;
  account_id: string;
  properties: string;
}

/** The Segment kind (track/page/screen) of a row that is not PostHog's; NULL for other types. */
const SEGMENT_KIND = `CASE WHEN m_type IS NULL AND m_event[1] = '"' THEN 'track'
    WHEN m_type IN ('"track"', '"page"', '"screen"') THEN m_type[2:-2] END`;
const SEGMENT_TS = `coalesce(m_timestamp, m_originalTimestamp, m_receivedAt, m_sentAt)`;

/** Segment track/page/screen (`kind`, `ms` computed before): the verdict and the normalised columns. */
function segmentRows(): Normalised {
  const added = (key: string, value: string, when: string) => `CASE WHEN ${when} THEN '"${key}":' || ${value} END`;
  const pageAdds = `concat_ws(',',
      ${added('name', 'm_name', `kind <> 'track' AND tn_plain_string(m_name)`)},
      ${added('category', 'm_category', `kind <> 'track' AND tn_plain_string(m_category)`)},
      ${added('url', 'pg_url', `kind = 'page' AND NOT list_contains(pk, 'url') AND pg_url IS NOT NULL`)},
      ${added('path', 'pg_path', `kind = 'page' AND NOT list_contains(pk, 'path') AND pg_path IS NOT NULL`)})`;
  const pageOk = `(kind = 'track' OR (
      (coalesce(m_name[1], '') <> '"' OR (tn_plain_string(m_name) AND NOT list_contains(pk, 'name')))
      AND (coalesce(m_category[1], '') <> '"' OR (tn_plain_string(m_category) AND NOT list_contains(pk, 'category')))
      AND (kind = 'screen' OR ((list_contains(pk, 'url') OR pg_url IS NULL OR tn_plain_string(pg_url))
        AND (list_contains(pk, 'path') OR pg_path IS NULL OR tn_plain_string(pg_path))))))`;
  const accountOk = `tn_id_ok(c_group) AND (tn_id(c_group) IS NOT NULL OR tn_id_ok(p_account_id))`;
  return {
    ok: `coalesce(kind IS NOT NULL AND m_batch IS NULL AND props_ok
        AND (kind <> 'track' OR (tn_plain_string(m_event) AND strlen(m_event) BETWEEN 3 AND 514))
        AND m_messageId IS NOT NULL AND tn_id_ok(m_messageId) AND tn_id(m_messageId) IS NOT NULL
        AND tn_id_ok(m_userId) AND tn_id_ok(m_anonymousId) AND coalesce(tn_id(m_userId), tn_id(m_anonymousId)) IS NOT NULL
        AND tn_ms_ok(ms, $latest) AND ${accountOk} AND ${pageOk}, FALSE)`,
    id: `tn_id(m_messageId)`,
    event: `CASE kind WHEN 'page' THEN 'Page Viewed' WHEN 'screen' THEN 'Screen Viewed' ELSE m_event[2:-2] END`,
    user_id: `tn_id(m_userId)`,
    anonymous_id: `tn_id(m_anonymousId)`,
    account_id: `coalesce(tn_id(c_group), tn_id(p_account_id))`,
    properties: `tn_append(coalesce(m_properties, '{}'), ${pageAdds})`,
  };
}

const POSTHOG_IDENTITY_EVENTS = `('"$identify"', '"$set"', '"$create_alias"', '"$groupidentify"')`;
/** The `company` of a PostHog row's `$groups` object. */
const POSTHOG_COMPANY = `CASE WHEN p_groups[1] = '{' THEN CAST(from_json(p_groups, '{"company":"JSON"}').company AS VARCHAR) END`;

/** PostHog events (`g_company`, `ms` computed before): the verdict and the normalised columns. */
function postHogRows(): Normalised {
  const person = `m_set IS NOT NULL OR m_set_once IS NOT NULL OR m_unset IS NOT NULL OR list_has_any(pk, ['$set', '$set_once', '$unset'])`;
  const groupsOk = `(p_groups IS NULL OR p_groups[1] <> '{' OR p_groups = '{}' OR list_contains(json_keys(p_groups), 'company'))`;
  const accountOk = `${groupsOk} AND tn_id_ok(g_company) AND (tn_id(g_company) IS NOT NULL OR tn_id_ok(p_account_id))`;
  const adds = `concat_ws(',',
      ${`CASE WHEN m_event = '"$pageview"' AND NOT list_contains(pk, 'url') AND list_contains(pk, '$current_url') THEN '"url":' || coalesce(p_current_url, 'null') END`},
      ${`CASE WHEN m_event = '"$pageview"' AND NOT list_contains(pk, 'path') AND list_contains(pk, '$pathname') THEN '"path":' || coalesce(p_pathname, 'null') END`},
      ${`CASE WHEN m_event = '"$screen"' AND list_contains(pk, '$screen_name') THEN '"name":' || coalesce(p_screen_name, 'null') END`})`;
  const distinct = `coalesce(m_distinct_id, p_distinct_id)`;
  return {
    ok: `coalesce(m_batch IS NULL AND props_ok
        AND tn_plain_string(m_event) AND strlen(m_event) BETWEEN 3 AND 514 AND m_event NOT IN ${POSTHOG_IDENTITY_EVENTS}
        AND NOT (m_event = '"$screen"' AND list_contains(pk, '$screen_name') AND list_contains(pk, 'name'))
        AND m_uuid IS NOT NULL AND tn_id_ok(m_uuid) AND tn_id(m_uuid) IS NOT NULL
        AND tn_id_ok(${distinct}) AND tn_id(${distinct}) IS NOT NULL
        AND NOT (${person}) AND tn_ms_ok(ms, $latest)
        AND (m_sent_at IS NULL OR tn_ms_ok(tn_ms(m_sent_at), 9e15)) AND ${accountOk}, FALSE)`,
    id: `tn_id(m_uuid)`,
    event: `CASE m_event WHEN '"$pageview"' THEN 'Page Viewed' WHEN '"$screen"' THEN 'Screen Viewed' ELSE m_event[2:-2] END`,
    user_id: `CASE WHEN p_is_identified = 'true' THEN tn_id(${distinct}) END`,
    anonymous_id: `CASE WHEN p_is_identified = 'true' THEN NULL ELSE tn_id(${distinct}) END`,
    account_id: `coalesce(tn_id(g_company), tn_id(p_account_id))`,
    properties: `tn_append(coalesce(m_properties, '{}'), ${adds})`,
  };
}

/**
 * Every row in one pass, in the stage file's order: each column is the PostHog rule's on PostHog rows
 * and the Segment rule's on the others (a CASE evaluates each branch on its rows only). One pass, not
 * a union of two: the two branches read a materialised copy of the fields, and the planner pushed
 * their filters into it, evaluating the properties' pattern and keys a second time.
 */
function normalisedRows(): string {
  const segment = segmentRows();
  const posthog = postHogRows();
  const columns = (Object.keys(segment) as (keyof Normalised)[])
    .map((name) => `CASE WHEN posthog THEN ${posthog[name]} ELSE ${segment[name]} END AS ${name}`);
  const [ok, ...rest] = columns;
  return `
  kinds AS (
    SELECT *, CASE WHEN posthog THEN tn_ms(m_timestamp) ELSE tn_ms(${SEGMENT_TS}) END AS ms FROM (
      SELECT *, CASE WHEN NOT posthog THEN ${SEGMENT_KIND} END AS kind, CASE WHEN posthog THEN ${POSTHOG_COMPANY} END AS g_company
      FROM nd_fields))
  SELECT line, ${ok}, ${rest[0]}, ${rest[1]}, ms, ${rest.slice(2).join(', ')} FROM kinds`;
}

/**
 * The stage file (`$file`) read and normalised into `nd_norm`: one row per line read, `ok` when the
 * columns are exactly the normaliser's (`ms` epoch milliseconds). `$latest`: the latest timestamp kept
 * as it is (import start + 23 h, ms).
 */
export const NORMALISE_STAGE = `CREATE OR REPLACE TEMP TABLE nd_norm AS
  WITH ${fields()}, ${normalisedRows()}`;
