/**
 * Bulk import without leaving ClickHouse, for the rows where that provably gives what the TypeScript
 * normaliser would store; every other row still goes through `normalizeMessage`. The rules are those
 * of the DuckDB Parquet fast path (`ingest/parquet-fast.ts`), written for ClickHouse and applied to
 * NDJSON lines as well:
 *
 * - a Segment `track` whose `event` and `messageId` are non-empty text of at most 512 bytes;
 *   `userId`, `anonymousId` and `context.groupId` absent, null, '' (absent) or such text, one of the
 *   two ids present; a group id that the CSV/Parquet reader would turn into a number or a boolean is
 *   left to the normaliser;
 * - `timestamp` is `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` in 1970–2199 naming a real date, and not more than
 *   FUTURE_LIMIT_MS after the import started;
 * - `properties` absent, null or a flat JSON object whose text, as ClickHouse prints it, is what
 *   `JSON.stringify` prints: no nested object or array, no backslash, no digit-only or repeated key,
 *   numbers of at most 15 digits without trailing zeros, not `-0`, not below 1e-4;
 *   `properties.account_id`, read when there is no group id, absent, null or such text;
 * - for NDJSON: the line is a JSON object without a backslash or a repeated key (nor in `context`),
 *   and its `context` is absent, null or an object.
 *
 * Each staged row is numbered by its line (`LINE_SLOTS` numbers a line), the normaliser's rows too, so
 * the first copy of an id in the file is the one kept whichever path read it. The rows left to the
 * normaliser go to a temporary file that keeps their line numbers: an NDJSON file where every row
 * staged here is a blank line, or a Parquet file with each row's position (`openParquetRest`).
 * ClickHouse reads the file itself, so this path is the embedded engine's (chdb): a server cannot
 * read the importing machine's files.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ImportOptions } from '../ingest/import-events.js';
import { detectHistorySource } from '../ingest/history.js';
import { FUTURE_LIMIT_MS, isObject } from '../ingest/normalize.js';
import { REST_LINE_COLUMN } from '../ingest/parquet-fast.js';
import { openParquetRest, openSource, type FileFormat, type Source } from '../ingest/sources.js';
import { ChdbConnection } from './chdb.js';
import { LINE_SLOTS, type StagedImport } from './staged-import.js';
import type { ClickHouseStore } from './store.js';

const PARQUET_COLUMNS = ['type', 'event', 'userId', 'anonymousId', 'timestamp', 'messageId', 'context.groupId', 'properties'];

export interface FastStage {
  /** Rows staged here. */
  rows: number;
  /** The rows left to the normaliser, at their lines (null: none). */
  rest: Source | null;
  cleanup(): void;
}

const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
const short = (expr: string) => `(${expr} IS NULL OR length(${expr}) <= 512)`;

/**
 * The guard over the fields of a row of one of `types` (f_type, f_event, f_id, f_user, f_anon, f_group, f_ts, f_props):
 * true when the row's stored form is determined by the rules above.
 */
const guard = (types: string) => `coalesce(f_type IN (${types}) AND f_event IS NOT NULL AND ${short('f_event')} AND f_id IS NOT NULL AND ${short('f_id')}
  AND (f_user IS NOT NULL OR f_anon IS NOT NULL) AND ${short('f_user')} AND ${short('f_anon')} AND ${short('f_group')}
  AND (f_group IS NULL OR (NOT match(f_group, '^-?(0|[1-9][0-9]{0,14})(\\\\.[0-9]+)?$') AND f_group NOT IN ('true', 'false')))
  AND f_ts IS NOT NULL AND match(f_ts, '^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\\\.[0-9]{1,3})?Z$')
  AND formatDateTime(parseDateTime64BestEffortOrNull(f_ts, 3, 'UTC'), '%Y-%m-%dT%H:%i:%S', 'UTC') = substring(f_ts, 1, 19)
  AND parseDateTime64BestEffortOrNull(f_ts, 3, 'UTC') <= fromUnixTimestamp64Milli({latest:Int64}, 'UTC')
  AND (f_props IS NULL OR (isValidJSON(f_json) AND JSONType(f_json) = 'Object' AND position(f_json, '\\\\') = 0
    AND JSONExtractRaw(f_json) = f_json
    AND NOT match(substring(f_bare, 2), '[\\\\[{]')
    AND match(replaceRegexpAll(f_bare, 'true|false|null', ''), '^[{}":,0-9.-]*$')
    AND NOT match(f_bare, '([0-9]\\\\.?){16}|\\\\.[0-9]*0([^0-9]|$)|-0([^.0-9]|$)|0\\\\.0000')
    AND NOT match(f_json, '"[0-9]+":')
    AND length(JSONExtractKeys(f_json)) = length(arrayDistinct(JSONExtractKeys(f_json)))))
  AND (f_group IS NOT NULL OR f_props IS NULL OR JSONType(f_json, 'account_id') = 'Null'
    OR (JSONType(f_json, 'account_id') = 'String' AND length(JSONExtractString(f_json, 'account_id')) <= 512)), false)`;

/** An object's (key, raw value) pairs as a map: empty for anything but an object. */
const asMap = (json: string) => `CAST(JSONExtractKeysAndValuesRaw(${json}), 'Map(String, String)')`;
/** The raw JSON of a key in a map of raw values ('' when absent). Lookups, not lambdas: those are costly per row. */
const rawOf = (pairs: string, key: string) => `${pairs}['${key}']`;
/** A raw value that is text, as text (the line holds no backslash, so nothing is escaped); else NULL. */
const textOf = (raw: string) => `if(startsWith(${raw}, '"'), substring(${raw}, 2, length(${raw}) - 2), NULL)`;
/** Absent, null or text: not a number, which the normaliser turns into text itself. */
const textOrAbsent = (raw: string) => `(${raw} IN ('', 'null') OR startsWith(${raw}, '"'))`;
const distinctKeys = (pairs: string) => `length(arrayDistinct(mapKeys(${pairs}))) = length(mapKeys(${pairs}))`;
/** A key the page call adds to the properties: `"key":"text"`, or '' when it adds none. */
const added = (key: string, text: string, when = 'true') => `if(${text} IS NOT NULL AND ${when}, [concat('"${key}":"', assumeNotNull(${text}), '"')], [])`;

/**
 * Per line: its (key, raw value) pairs parsed once, and those of `context`, `context.page` and
 * `properties`. A Segment `page` call is the event 'Page Viewed' whose properties gain `name` and
 * `category` (when text) and `url` and `path` from `context.page` when they lack them, appended in
 * that order (the row is left to the normaliser when its properties already name one it would set).
 * A PostHog event (no `type`, a text `distinct_id`; not `$identify`, `$set`, `$create_alias`,
 * `$groupidentify` or `$screen`, no `$set`/`$set_once`/`$unset`, no `$groups`) is the person's when
 * `properties.$is_identified` is true, else the anonymous id's; `$pageview` is 'Page Viewed' and its
 * properties gain `url` and `path` from `$current_url` and `$pathname` when they lack them.
 */
const NDJSON_FIELDS = `SELECT n, f_type, f_id, f_user, f_anon, f_group, f_ts, f_shape, f_cr,
    if(f_type = 'page' OR (f_type = 'posthog' AND f_event0 = '$pageview'), 'Page Viewed', f_event0) AS f_event,
    if(notEmpty(f_adds), concat(if(ifNull(f_props0, '{}') = '{}', '{', concat(substring(f_props0, 1, length(f_props0) - 1), ',')),
      arrayStringConcat(f_adds, ','), '}'), f_props0) AS f_props
  FROM (
    SELECT *, ${rawOf('kv', 'type')} = '' AND ${rawOf('kv', 'distinct_id')} != '' AS posthog,
      if(posthog, 'posthog', ${textOf(rawOf('kv', 'type'))}) AS f_type, ${textOf(rawOf('kv', 'event'))} AS f_event0,
      nullIf(${textOf(`if(posthog, ${rawOf('kv', 'uuid')}, ${rawOf('kv', 'messageId')})`)}, '') AS f_id,
      nullIf(${textOf(rawOf('kv', 'distinct_id'))}, '') AS distinct, ${rawOf('pv', '$is_identified')} = 'true' AS identified,
      if(posthog, if(identified, distinct, NULL), nullIf(${textOf(rawOf('kv', 'userId'))}, '')) AS f_user,
      if(posthog, if(identified, NULL, distinct), nullIf(${textOf(rawOf('kv', 'anonymousId'))}, '')) AS f_anon,
      if(posthog, NULL, nullIf(${textOf(rawOf('cv', 'groupId'))}, '')) AS f_group, ${textOf(rawOf('kv', 'timestamp'))} AS f_ts,
      if(startsWith(${rawOf('kv', 'properties')}, '{'), ${rawOf('kv', 'properties')}, NULL) AS f_props0,
      mapKeys(pv) AS prop_keys, position(line, '\\r') > 0 AS f_cr,
      ${textOf(rawOf('kv', 'name'))} AS page_name, ${textOf(rawOf('kv', 'category'))} AS page_category,
      if(posthog, ${textOf(rawOf('pv', '$current_url'))}, ${textOf(rawOf('pagev', 'url'))}) AS page_url,
      if(posthog, ${textOf(rawOf('pv', '$pathname'))}, ${textOf(rawOf('pagev', 'path'))}) AS page_path,
      arrayConcat(
        ${added('name', 'page_name', "f_type = 'page'")}, ${added('category', 'page_category', "f_type = 'page'")},
        ${added('url', 'page_url', "(f_type = 'page' OR (posthog AND f_event0 = '$pageview')) AND NOT has(prop_keys, 'url')")},
        ${added('path', 'page_path', "(f_type = 'page' OR (posthog AND f_event0 = '$pageview')) AND NOT has(prop_keys, 'path')")}) AS f_adds,
      isValidJSON(line) AND startsWith(line, '{') AND position(line, '\\\\') = 0 AND ${distinctKeys('kv')}
        AND ${textOrAbsent(rawOf('kv', 'userId'))} AND ${textOrAbsent(rawOf('kv', 'anonymousId'))}
        AND (${rawOf('kv', 'properties')} IN ('', 'null') OR (startsWith(${rawOf('kv', 'properties')}, '{') AND ${distinctKeys('pv')}))
        AND (${rawOf('kv', 'context')} IN ('', 'null') OR (startsWith(${rawOf('kv', 'context')}, '{') AND ${distinctKeys('cv')}
          AND ${textOrAbsent(rawOf('cv', 'groupId'))}))
        AND (f_type != 'page' OR (${textOrAbsent(rawOf('kv', 'name'))} AND ${textOrAbsent(rawOf('kv', 'category'))}
          AND (${rawOf('cv', 'page')} IN ('', 'null') OR (startsWith(${rawOf('cv', 'page')}, '{') AND ${distinctKeys('pagev')}))
          AND (${rawOf('pagev', 'url')} = '' OR startsWith(${rawOf('pagev', 'url')}, '"'))
          AND (${rawOf('pagev', 'path')} = '' OR startsWith(${rawOf('pagev', 'path')}, '"'))
          AND NOT (page_name IS NOT NULL AND has(prop_keys, 'name')) AND NOT (page_category IS NOT NULL AND has(prop_keys, 'category'))))
        AND (NOT posthog OR (startsWith(${rawOf('kv', 'distinct_id')}, '"') AND ${textOrAbsent(rawOf('kv', 'uuid'))}
          AND f_event0 NOT IN ('$identify', '$set', '$create_alias', '$groupidentify', '$screen')
          AND NOT hasAny(mapKeys(kv), ['$set', '$set_once', '$unset']) AND NOT hasAny(prop_keys, ['$set', '$set_once', '$unset'])
          AND ${rawOf('pv', '$groups')} IN ('', 'null')
          AND (f_event0 != '$pageview' OR ((${rawOf('pv', '$current_url')} = '' OR startsWith(${rawOf('pv', '$current_url')}, '"'))
            AND (${rawOf('pv', '$pathname')} = '' OR startsWith(${rawOf('pv', '$pathname')}, '"')))))) AS f_shape
    FROM (
      SELECT *, ${asMap(rawOf('cv', 'page'))} AS pagev
      FROM (
        SELECT *, ${asMap(rawOf('kv', 'context'))} AS cv, ${asMap(rawOf('kv', 'properties'))} AS pv
        FROM (SELECT assumeNotNull(_row_number) AS n, line, ${asMap('line')} AS kv FROM file({path:String}, 'LineAsString')))))`;

function parquetFields(columns: string[]): string {
  const col = (name: string) => (columns.includes(name) ? `nullIf(${q(name)}, '')` : 'CAST(NULL AS Nullable(String))');
  return `SELECT assumeNotNull(_row_number) AS n, ${columns.map(q).join(', ')}, ${col('type')} AS f_type, ${col('event')} AS f_event, ${col('messageId')} AS f_id,
      ${col('userId')} AS f_user, ${col('anonymousId')} AS f_anon, ${col('context.groupId')} AS f_group, ${col('timestamp')} AS f_ts,
      ${col('properties')} AS f_props, true AS f_shape, false AS f_cr
    FROM file({path:String}, 'Parquet')`;
}

/** The file's rows that need no JavaScript, staged in ClickHouse; null when the file cannot take this path. */
export async function stageInEngine(
  store: ClickHouseStore, staging: StagedImport, file: string, format: FileFormat, options: ImportOptions, importedAt: number,
): Promise<FastStage | null> {
  const path = resolve(file);
  if (!(store.connection instanceof ChdbConnection) || file === '-' || options.from) return null;
  let fields: string;
  let types = "'track'";
  // The normaliser tells another tool's export by the first record: that record stays its own.
  let firstRow = 0;
  let columns: string[] = [];
  if (format === 'ndjson') {
    const first = firstPlainLine(path);
    if (first === null) return null;
    firstRow = first;
    fields = NDJSON_FIELDS;
    types = "'track', 'page', 'posthog'";
  } else if (format === 'parquet') {
    const described = await store.connection.query("DESCRIBE TABLE file({path:String}, 'Parquet')", { path }).catch(() => []);
    columns = described.map((c) => String(c.name));
    const text = described.every((c) => /^(Nullable\()?String\)?$/.test(String(c.type)) && PARQUET_COLUMNS.includes(String(c.name)));
    if (described.length === 0 || !text || !['type', 'event', 'messageId', 'timestamp'].every((c) => columns.includes(c))) return null;
    fields = parquetFields(columns);
  } else {
    return null;
  }
  const raw = `tn_stage_raw_${process.pid}_${randomBytes(4).toString('hex')}`;
  const c = store.connection;
  const cleanups: (() => void)[] = [];
  try {
    await c.command(`CREATE TABLE ${raw} ENGINE = MergeTree ORDER BY tuple() AS
      SELECT *, n > {first:UInt64} AND f_shape AND ${guard(types)} AS ok FROM (SELECT *, ifNull(f_props, '{}') AS f_json, replaceRegexpAll(f_json, '"[^"]*"', '""') AS f_bare FROM (${fields}))`,
    { path, latest: importedAt + FUTURE_LIMIT_MS, first: firstRow });
    const [count] = await c.query(`SELECT countIf(ok) AS fast, count() AS rows, countIf(f_cr) AS cr FROM ${raw}`);
    // A carriage return splits lines for the normaliser but not for ClickHouse: the line numbers would differ.
    if (Number(count.fast) === 0 || Number(count.cr) > 0) return null;
    await staging.stageEvents(`SELECT (n + 1) * ${LINE_SLOTS}, f_id, parseDateTime64BestEffort(f_ts, 3, 'UTC'), f_user, f_anon,
        coalesce(f_group, nullIf(JSONExtractString(f_json, 'account_id'), '')), f_event, f_json
      FROM ${raw} WHERE ok`);
    const restRows = Number(count.rows) - Number(count.fast);
    let rest: Source | null = null;
    if (restRows > 0) {
      const file = join(tmpdir(), `truenorth-rest-${process.pid}-${randomBytes(4).toString('hex')}.${format === 'ndjson' ? 'ndjson' : 'parquet'}`);
      cleanups.push(() => rmSync(file, { force: true }));
      if (format === 'ndjson') {
        await c.command(`INSERT INTO FUNCTION file({file:String}, 'LineAsString')
          SELECT if(assumeNotNull(_row_number) IN (SELECT n FROM ${raw} WHERE ok), '', line) FROM file({path:String}, 'LineAsString')
          ORDER BY _row_number`, { file, path });
        rest = await openSource(file, 'ndjson');
      } else {
        await c.command(`INSERT INTO FUNCTION file({file:String}, 'Parquet') SELECT ${columns.map(q).join(', ')}, n AS ${REST_LINE_COLUMN}
          FROM ${raw} WHERE NOT ok ORDER BY n`, { file });
        rest = await openParquetRest(file, REST_LINE_COLUMN);
      }
    }
    return { rows: Number(count.fast), rest, cleanup: () => cleanups.forEach((f) => f()) };
  } catch (e) {
    cleanups.forEach((f) => f());
    throw e;
  } finally {
    await c.command(`DROP TABLE IF EXISTS ${raw}`);
  }
}

/**
 * The 0-based line of the first record of a plain NDJSON file (not compressed, not a zip), when that
 * record is one message of a shape the normaliser reads directly (not a batch body, not another
 * tool's export, which is converted first); else null.
 */
function firstPlainLine(path: string): number | null {
  if (!/\.(ndjson|jsonl|json)$/i.test(path)) return null;
  const head = Buffer.alloc(64 * 1024);
  let size: number;
  try {
    const fd = openSync(path, 'r');
    try {
      size = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (size >= 2 && ((head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0x50 && head[1] === 0x4b))) return null;
  const lines = head.subarray(0, size).toString('utf8').split('\n');
  const index = lines.findIndex((l) => l.trim() !== '');
  if (index < 0 || index === lines.length - 1) return null;
  try {
    const value: unknown = JSON.parse(lines[index]);
    return isObject(value) && !Array.isArray(value.batch) && detectHistorySource(value) === undefined ? index : null;
  } catch {
    return null;
  }
}
