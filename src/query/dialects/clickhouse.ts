import type { Frequency, WeekStart } from '../../model/metrics.js';
import type { Params, ParamType, SqlDialect } from '../dialect.js';

/**
 * ClickHouse fragments, the sibling of `duckdb.ts`. Every fragment returns the same value as its
 * DuckDB twin for the same data; `test/conformance/` checks it report by report.
 *
 * - Parameters are ClickHouse query parameters (`{p0:String}`), bound by the server, never spliced.
 * - Events keep their properties as JSON text in a String column. `jsonText` reads a top-level key
 *   like DuckDB's `json_extract_string`: a string's unescaped value, the JSON text of a number,
 *   boolean, object or array, and NULL for a JSON null or a missing key (JSONExtractString alone
 *   returns '' for both, and older servers return '' for non-strings too).
 * - Time: `toTimeZone` keeps the instant and attaches the zone, and every date function below reads
 *   the wall clock in that zone, which is DuckDB's `timezone(tz, …)` wall-clock timestamp.
 */
const TYPES: Record<ParamType, string> = { string: 'String', number: 'Float64', integer: 'Int64', timestamp: "DateTime64(3, 'UTC')" };

/** Days from 1970-01-01 to the Monday (1970-01-05) and Sunday (1970-01-04) that week indexes count from. */
const WEEK_EPOCH_DAY: Record<WeekStart, number> = { monday: 4, sunday: 3 };

export const clickhouseDialect: SqlDialect = {
  name: 'clickhouse',
  placeholder: (name, type) => `{${name}:${TYPES[type]}}`,
  // One parse of the document (the engine computes the repeated JSONExtractRaw once per row): the
  // value's raw text, unescaped when it is a string; missing ('') and JSON null are NULL.
  jsonText(column: string, key: string, params: Params) {
    const raw = `JSONExtractRaw(${column}, ${params.bind(key)})`;
    return `multiIf(${raw} IN ('', 'null'), NULL, startsWith(${raw}, '"'), JSONExtractString(${raw}), ${raw})`;
  },
  // DuckDB's cast trims ASCII whitespace and reads inf/nan spellings; toFloat64OrNull reads the same
  // spellings but not the surrounding whitespace.
  toNumber: (text) => `toFloat64OrNull(trimBoth(${text}, ' \\t\\n\\r\\v\\f'))`,
  localTime: (column, tz) => `toTimeZone(${column}, ${tz})`,
  periodStart(local: string, frequency: Frequency, weekStart: WeekStart) {
    return clickhouseDialect.formatDay(clickhouseDialect.periodTrunc(local, frequency, weekStart));
  },
  periodTrunc(local: string, frequency: Frequency, weekStart: WeekStart) {
    if (frequency === 'day') return `toDate32(${local})`;
    if (frequency === 'month') return `toStartOfMonth(toDate32(${local}))`;
    // Mode 1: weeks start on Monday; mode 0: on Sunday.
    return `toStartOfWeek(toDate32(${local}), ${weekStart === 'sunday' ? 0 : 1})`;
  },
  formatDay: (expr) => `toString(${expr})`,
  periodIndex(local: string, frequency: 'week' | 'month', weekStart: WeekStart) {
    if (frequency === 'month') return `(toInt64(toYear(${local})) * 12 + toInt64(toMonth(${local})) - 1)`;
    return `toInt64(floor((toInt64(toRelativeDayNum(${local})) - ${WEEK_EPOCH_DAY[weekStart]}) / 7))`;
  },
  epochMs: (expr) => `toUnixTimestamp64Milli(${expr})`,
  contains: (haystack, needle) => `(position(${haystack}, ${needle}) > 0)`,
  // Outer and ASOF joins must give NULL, not the type's default, where nothing matches.
  joinSettings: () => ' SETTINGS join_use_nulls = 1',
  timestampFromMs: (placeholder) => `fromUnixTimestamp64Milli(${placeholder}, 'UTC')`,
  intDiv: (a, b) => `toInt64(floor((${a}) / (${b})))`,
  // The actor_events view (engine/clickhouse/schema.ts) minus its users join.
  actorEventsWithoutAccount: () => `(SELECT e.id AS id, e.event AS event, e.ts AS ts, e.user_id AS user_id, e.anonymous_id AS anonymous_id,
      e.properties AS properties, if(ifNull(l.linked, 0) = 1, assumeNotNull(l.user_id), e.person) AS actor_id
    FROM tn_events AS e FINAL
    LEFT JOIN (SELECT anonymous_id, argMinMerge(user_id) AS user_id, toUInt8(1) AS linked FROM tn_identity_links GROUP BY anonymous_id) AS l
      ON l.anonymous_id = e.person)`,
  orderedList: (value, cond) => `arraySort(groupArrayIf(${value}, ${cond}))`,
  // Elements made Nullable, so an index past the end gives NULL rather than 0.
  nthInRange: (list, n, range) => range
    ? `if(${range.lo} IS NULL, NULL, arrayElement(arrayMap(x -> toNullable(x), arrayFilter(x -> x >= assumeNotNull(${range.lo}) AND x <= assumeNotNull(${range.hi}), ${list})), ${n}))`
    : `arrayElement(arrayMap(x -> toNullable(x), ${list}), ${n})`,
  windowFunnel: (windowMs, timestampMs, conditions) =>
    `windowFunnel(${windowMs})(toUInt64(${timestampMs}), ${conditions.map((c) => `${c} = 1`).join(', ')})`,
  unnestRows: (from, keep, arrays) =>
    `SELECT ${[...keep, ...arrays.map((a) => a.alias)].join(', ')} FROM ${from} ARRAY JOIN ${arrays.map((a) => `[${a.items.join(', ')}] AS ${a.alias}`).join(', ')}`,
  jsonKeyRows: (column) => `arrayJoin(JSONExtractKeys(${column}))`,
  // The first four bytes of the id's MD5, little-endian: the low 32 bits of DuckDB's `id_hash`, so
  // both engines sample the same events.
  idHash: (alias) => `reinterpretAsUInt32(substring(MD5(${alias}.id), 1, 4))`,
  sortedDistinct: (expr) => `arraySort(groupUniqArray(${expr}))`,
  approxDistinct: (expr) => `uniq(${expr})`,
  storedEventNames: () => '(SELECT DISTINCT event FROM events)',
};
