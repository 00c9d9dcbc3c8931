/**
 * The normaliser's rules for the common NDJSON messages, as one DuckDB SELECT over a staged batch of
 * lines (`nd_lines(line, text)`). A row comes out `ok` only when every field it reads is in a form
 * whose normalised value is determined by plain rules, so that it stores the bytes `normalizeMessage`
 * would; every other row is left to the normaliser (ndjson-fast.ts). The rules, beyond those the
 * Parquet path states (parquet-fast.ts):
 *
 * - the line is JSON as `JSON.parse` reads it: DuckDB's reader also takes NaN, Infinity and trailing
 *   commas, so a line holding any of them outside its strings is left to the normaliser;
 * - Segment `track`, `page` and `screen` (type given, or absent with a string `event`), and PostHog
 *   events other than `$identify`, `$set`, `$create_alias` and `$groupidentify` that carry no person
 *   update (`$set`, `$set_once`, `$unset`) and whose `$groups` is absent, null, empty or names a
 *   `company`; the message has an id (`messageId` / `uuid`), so no content hash is needed;
 * - ids are strings without escapes of at most 512 bytes ('' meaning absent), or integers of at most
 *   15 digits (printed as JavaScript prints them);
 * - the timestamp field the normaliser would read is `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` in 1970–2199 or
 *   epoch milliseconds of at most 15 digits, not later than the import's start + FUTURE_LIMIT_MS;
 *   PostHog needs `timestamp` (and a valid `sent_at` when one is given);
 * - `properties` (with any nesting) prints back as JavaScript prints it: no escapes, no digit-only
 *   key, no key twice anywhere in it, numbers in the forms JavaScript keeps; the keys a page or
 *   screen adds (`name`, `category`, `url`, `path`) are appended when the properties lack them, and a
 *   name that would replace one already there is left to the normaliser;
 * - no top-level key, nor `groupId`/`page` in `context`, appears twice (the normaliser reads the last).
 */

/** Top-level fields the rules read, each as raw JSON. */
const MESSAGE_FIELDS = [
  'type', 'event', 'messageId', 'uuid', 'userId', 'anonymousId', 'distinct_id', 'timestamp', 'originalTimestamp',
  'receivedAt', 'sentAt', 'sent_at', 'properties', 'context', 'name', 'category',
];
const PROPERTY_FIELDS = ['distinct_id', '$groups', 'account_id', '$is_identified', '$current_url', '$pathname', '$screen_name'];

const structOf = (fields: string[]) => `'{${fields.map((f) => `"${f}":"JSON"`).join(',')}}'`;
const q = (name: string) => `"${name}"`;
/** The column of a property field: `p_` and its name without `$`. */
const propertyColumn = (field: string) => `p_${field.replace('$', '')}`;

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
  `CREATE OR REPLACE TEMP MACRO tn_distinct(l) AS len(l) = len(list_distinct(l))`,
  // Properties that print back unchanged: DuckDB prints strings without escapes, integers and the
  // shortest digits of a double as JavaScript does, except doubles with a whole value ("2.0"), an
  // exponent, or more than 15 digits (which may round differently), and -0; digit-only keys
  // (JavaScript puts them first) and a key twice (it keeps the last) are left to the normaliser too.
  // (CASE, not AND: DuckDB evaluates every operand of AND over the whole batch, CASE only where needed.)
  `CREATE OR REPLACE TEMP MACRO tn_props_ok(p) AS CASE WHEN p IS NULL THEN TRUE
     WHEN p[1] <> '{' OR contains(p, '\\') OR contains(p, '0.0000') THEN FALSE
     WHEN NOT regexp_full_match(p, '(?:"[^"]*"|[{}\\[\\]:,]|true|false|null|(?:0|-?[1-9][0-9]{0,14})(?:\\.[0-9]{0,14}[1-9])?|-0\\.[0-9]{0,14}[1-9])*') THEN FALSE
     WHEN regexp_matches(p, '[0-9.]{17}|"[0-9]+":') THEN FALSE
     WHEN contains(p[2:], '{') THEN tn_distinct(regexp_extract_all(p, '"([^"]*)":', 1))
     ELSE tn_distinct(json_keys(p)) END`,
  // A line JSON.parse reads as DuckDB does: nothing but JSON's own tokens outside the strings (the
  // cheap test first: most lines hold nothing like NaN, Infinity or a trailing comma anywhere).
  `CREATE OR REPLACE TEMP MACRO tn_strict_json(t) AS CASE WHEN NOT regexp_matches(t, '[nN][aA][nN]|[iI][nN][fF]|,[ \\t]*[\\]}]') THEN TRUE
     ELSE NOT regexp_matches(regexp_replace(regexp_replace(t, '"(?:[^"\\\\]|\\\\.)*"', '', 'g'), 'true|false|null', '', 'g'),
       '[^ \\t{}\\[\\]:,0-9.eE+-]|,[ \\t]*[\\]}]') END`,
  // One key appended to a JSON object's text.
  `CREATE OR REPLACE TEMP MACRO tn_append(obj, pairs) AS CASE WHEN pairs = '' THEN obj WHEN obj = '{}' THEN '{' || pairs || '}'
     ELSE obj[1:-2] || ',' || pairs || '}' END`,
];

/** The fields of each line (one parse), and the PostHog/Segment split: the rows of `nd_fields`. */
function parsedLines(): string {
  const m = MESSAGE_FIELDS.map((f) => `CAST(m.${q(f)} AS VARCHAR) AS ${q(`m_${f}`)}`).join(', ');
  const p = PROPERTY_FIELDS.map((f) => `CAST(pf.${q(f)} AS VARCHAR) AS ${propertyColumn(f)}`).join(', ');
  return `
  WITH lines AS (
    SELECT line, try(from_json(text, ${structOf(MESSAGE_FIELDS)})) AS m, try(json_keys(text)) AS keys, tn_strict_json(text) AS strict
    FROM nd_lines),
  cols AS (SELECT line, strict, keys, ${m} FROM lines),
  fields AS (
    SELECT *,
      CASE WHEN m_properties[1] = '{' THEN json_keys(m_properties) ELSE [] END AS pk,
      CASE WHEN m_context[1] = '{' THEN json_keys(m_context) ELSE [] END AS ck,
      CASE WHEN m_context[1] = '{' THEN from_json(m_context, '{"groupId":"JSON","page":"JSON"}') END AS cf,
      CASE WHEN m_properties[1] = '{' THEN from_json(m_properties, ${structOf(PROPERTY_FIELDS)}) END AS pf
    FROM cols),
  pages AS (
    SELECT * EXCLUDE (pf, cf), ${p}, CAST(cf.groupId AS VARCHAR) AS c_group, CAST(cf.page AS VARCHAR) AS c_page FROM fields)
  SELECT * EXCLUDE (c_page, pg), CAST(pg.url AS VARCHAR) AS pg_url, CAST(pg.path AS VARCHAR) AS pg_path FROM (
    SELECT *, CASE WHEN c_page[1] = '{' THEN json_keys(c_page) ELSE [] END AS pgk,
      CASE WHEN c_page[1] = '{' THEN from_json(c_page, '{"url":"JSON","path":"JSON"}') END AS pg,
      coalesce(NOT list_contains(keys, 'type') AND (list_contains(keys, 'distinct_id') OR list_contains(pk, 'distinct_id')), FALSE) AS posthog
    FROM pages)`;
}

/** Segment track/page/screen: the verdict and the normalised columns. */
function segmentRows(): string {
  const tsField = `CASE WHEN list_contains(keys, 'timestamp') THEN m_timestamp WHEN list_contains(keys, 'originalTimestamp') THEN m_originalTimestamp
    WHEN list_contains(keys, 'receivedAt') THEN m_receivedAt WHEN list_contains(keys, 'sentAt') THEN m_sentAt END`;
  const kind = `CASE WHEN m_type IS NULL AND NOT list_contains(keys, 'type') AND m_event[1] = '"' THEN 'track'
    WHEN m_type IN ('"track"', '"page"', '"screen"') THEN m_type[2:-2] END`;
  const added = (key: string, value: string, when: string) => `CASE WHEN ${when} THEN '"${key}":' || ${value} END`;
  const pageAdds = `concat_ws(',',
      ${added('name', 'm_name', `kind <> 'track' AND tn_plain_string(m_name)`)},
      ${added('category', 'm_category', `kind <> 'track' AND tn_plain_string(m_category)`)},
      ${added('url', `coalesce(pg_url, 'null')`, `kind = 'page' AND NOT list_contains(pk, 'url') AND list_contains(pgk, 'url')`)},
      ${added('path', `coalesce(pg_path, 'null')`, `kind = 'page' AND NOT list_contains(pk, 'path') AND list_contains(pgk, 'path')`)})`;
  const pageOk = `(kind = 'track' OR (
      (coalesce(m_name[1], '') <> '"' OR (tn_plain_string(m_name) AND NOT list_contains(pk, 'name')))
      AND (coalesce(m_category[1], '') <> '"' OR (tn_plain_string(m_category) AND NOT list_contains(pk, 'category')))
      AND (kind = 'screen' OR ((list_contains(pk, 'url') OR NOT list_contains(pgk, 'url') OR pg_url IS NULL OR tn_plain_string(pg_url))
        AND (list_contains(pk, 'path') OR NOT list_contains(pgk, 'path') OR pg_path IS NULL OR tn_plain_string(pg_path))
        AND tn_distinct(pgk)))))`;
  const accountOk = `tn_id_ok(c_group) AND (tn_id(c_group) IS NOT NULL OR tn_id_ok(p_account_id))`;
  return `
segment AS (
    SELECT *, tn_ms(${tsField}) AS ms FROM (SELECT *, ${kind} AS kind FROM nd_fields WHERE NOT posthog)),
  segment_rows AS (
    SELECT line,
      coalesce(strict AND tn_distinct(keys) AND tn_distinct(list_filter(ck, k -> k IN ('groupId', 'page')))
        AND kind IS NOT NULL AND NOT list_contains(keys, 'batch')
        AND (kind <> 'track' OR (tn_plain_string(m_event) AND strlen(m_event) BETWEEN 3 AND 514))
        AND m_messageId IS NOT NULL AND tn_id_ok(m_messageId) AND tn_id(m_messageId) IS NOT NULL
        AND tn_id_ok(m_userId) AND tn_id_ok(m_anonymousId) AND coalesce(tn_id(m_userId), tn_id(m_anonymousId)) IS NOT NULL
        AND tn_ms_ok(ms, $latest) AND tn_props_ok(m_properties) AND ${accountOk} AND ${pageOk}, FALSE) AS ok,
      tn_id(m_messageId) AS id,
      CASE kind WHEN 'page' THEN 'Page Viewed' WHEN 'screen' THEN 'Screen Viewed' ELSE m_event[2:-2] END AS event,
      ms, tn_id(m_userId) AS user_id, tn_id(m_anonymousId) AS anonymous_id,
      coalesce(tn_id(c_group), tn_id(p_account_id)) AS account_id,
      tn_append(coalesce(m_properties, '{}'), ${pageAdds}) AS properties
    FROM segment)`;
}

const POSTHOG_IDENTITY_EVENTS = `('"$identify"', '"$set"', '"$create_alias"', '"$groupidentify"')`;

/** PostHog events: the verdict and the normalised columns. */
function postHogRows(): string {
  const person = `list_has_any(keys, ['$set', '$set_once', '$unset']) OR list_has_any(pk, ['$set', '$set_once', '$unset'])`;
  const groups = `CASE WHEN p_groups[1] = '{' THEN CAST(from_json(p_groups, '{"company":"JSON"}').company AS VARCHAR) END`;
  const groupsOk = `(p_groups IS NULL OR p_groups[1] <> '{' OR p_groups = '{}' OR list_contains(json_keys(p_groups), 'company'))`;
  const accountOk = `${groupsOk} AND tn_id_ok(g_company) AND (tn_id(g_company) IS NOT NULL OR tn_id_ok(p_account_id))`;
  const adds = `concat_ws(',',
      ${`CASE WHEN m_event = '"$pageview"' AND NOT list_contains(pk, 'url') AND list_contains(pk, '$current_url') THEN '"url":' || coalesce(p_current_url, 'null') END`},
      ${`CASE WHEN m_event = '"$pageview"' AND NOT list_contains(pk, 'path') AND list_contains(pk, '$pathname') THEN '"path":' || coalesce(p_pathname, 'null') END`},
      ${`CASE WHEN m_event = '"$screen"' AND list_contains(pk, '$screen_name') THEN '"name":' || coalesce(p_screen_name, 'null') END`})`;
  const distinct = `coalesce(m_distinct_id, p_distinct_id)`;
  return `
  posthog AS (
    SELECT *, ${groups} AS g_company, tn_ms(m_timestamp) AS ms FROM nd_fields WHERE posthog),
  posthog_rows AS (
    SELECT line,
      coalesce(strict AND tn_distinct(keys) AND NOT list_contains(keys, 'batch')
        AND tn_plain_string(m_event) AND strlen(m_event) BETWEEN 3 AND 514 AND m_event NOT IN ${POSTHOG_IDENTITY_EVENTS}
        AND NOT (m_event = '"$screen"' AND list_contains(pk, '$screen_name') AND list_contains(pk, 'name'))
        AND m_uuid IS NOT NULL AND tn_id_ok(m_uuid) AND tn_id(m_uuid) IS NOT NULL
        AND tn_id_ok(${distinct}) AND tn_id(${distinct}) IS NOT NULL
        AND tn_props_ok(m_properties)
        AND NOT (${person}) AND tn_ms_ok(ms, $latest)
        AND (NOT list_contains(keys, 'sent_at') OR tn_ms_ok(tn_ms(m_sent_at), 9e15)) AND ${accountOk}, FALSE) AS ok,
      tn_id(m_uuid) AS id,
      CASE m_event WHEN '"$pageview"' THEN 'Page Viewed' WHEN '"$screen"' THEN 'Screen Viewed' ELSE m_event[2:-2] END AS event,
      ms, CASE WHEN p_is_identified = 'true' THEN tn_id(${distinct}) END AS user_id,
      CASE WHEN p_is_identified = 'true' THEN NULL ELSE tn_id(${distinct}) END AS anonymous_id,
      coalesce(tn_id(g_company), tn_id(p_account_id)) AS account_id,
      tn_append(coalesce(m_properties, '{}'), ${adds}) AS properties
    FROM posthog)`;
}

/** The staged lines' fields: `nd_lines(line, text)` read into `nd_fields`, one parse of each line. */
export const PARSE_LINES = `CREATE OR REPLACE TEMP TABLE nd_fields AS ${parsedLines()}`;

/**
 * The parsed batch normalised: one row per line, `ok` when the columns are exactly the normaliser's
 * (`ms` epoch milliseconds). `$latest`: the latest timestamp kept as it is (import start + 23 h, ms).
 */
export const NORMALISE_LINES = `
  WITH ${segmentRows()}, ${postHogRows()}
  SELECT * FROM segment_rows UNION ALL SELECT * FROM posthog_rows`;
