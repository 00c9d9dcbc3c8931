import type { Frequency, WeekStart } from '../../model/metrics.js';
import type { Params, ParamType, SqlDialect } from '../dialect.js';
import { LINK_OF_EVENT, LINKED_ACTOR } from '../sql.js';

/** JSON Pointer for a top-level key (RFC 6901 escaping), so any key text is safe as a bound path. */
function pointer(key: string): string {
  return '/' + key.replaceAll('~', '~0').replaceAll('/', '~1');
}

const CASTS: Record<ParamType, string> = { string: 'VARCHAR', number: 'DOUBLE', integer: 'BIGINT', timestamp: 'TIMESTAMP' };

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  placeholder: (name, type) => `CAST($${name} AS ${CASTS[type]})`,
  jsonText: (column: string, key: string, params: Params) => `json_extract_string(${column}, ${params.bind(pointer(key))})`,
  toNumber: (text) => `TRY_CAST(${text} AS DOUBLE)`,
  localTime: (column, tz) => `timezone(${tz}, timezone('UTC', ${column}))`,
  periodStart(local: string, frequency: Frequency, weekStart: WeekStart) {
    return duckdbDialect.formatDay(duckdbDialect.periodTrunc(local, frequency, weekStart));
  },
  periodTrunc(local: string, frequency: Frequency, weekStart: WeekStart) {
    if (frequency === 'week' && weekStart === 'sunday') return `date_trunc('week', ${local} + INTERVAL 1 DAY) - INTERVAL 1 DAY`;
    return `date_trunc('${frequency}', ${local})`;
  },
  formatDay: (expr) => `strftime(${expr}, '%Y-%m-%d')`,
  periodIndex(local: string, frequency: 'week' | 'month', weekStart: WeekStart) {
    if (frequency === 'month') return `(year(${local}) * 12 + month(${local}) - 1)`;
    // Days since 1970-01-05 (a Monday), or 1970-01-04 (a Sunday), floored to weeks.
    const epoch = weekStart === 'sunday' ? '1970-01-04' : '1970-01-05';
    return `CAST(floor(date_diff('day', DATE '${epoch}', CAST(${local} AS DATE)) / 7) AS BIGINT)`;
  },
  epochMs: (expr) => `epoch_ms(${expr})`,
  contains: (haystack, needle) => `contains(${haystack}, ${needle})`,
  joinSettings: () => '',
  timestampFromMs: (placeholder) => `epoch_ms(${placeholder})`,
  intDiv: (a, b) => `(${a} // ${b})`,
  // The actor_events view (migrations.ts) minus its users join.
  actorEventsWithoutAccount: () => `(SELECT e.id, e.event, e.ts, e.user_id, e.anonymous_id, e.properties,
      ${LINKED_ACTOR} AS actor_id
    FROM events e ${LINK_OF_EVENT})`,
  orderedList: (value, cond) => `list(${value} ORDER BY ${value}) FILTER (WHERE ${cond})`,
  nthInRange: (list, n, range) => range
    ? `list_filter(${list}, lambda x: x >= ${range.lo} AND x <= ${range.hi})[${n}]`
    : `${list}[${n}]`,
  unnestRows: (from, keep, arrays) =>
    `SELECT ${[...keep, ...arrays.map((a) => `unnest([${a.items.join(', ')}]) AS ${a.alias}`)].join(', ')} FROM ${from}`,
  jsonKeyRows: (column) => `unnest(json_keys(${column}))`,
  // The low 32 bits of the MD5 of the id the writer stores for deduplication (a UHUGEINT modulo a
  // BIGINT parameter gives wrong answers, so the value is narrowed first).
  idHash: (alias) => `CAST(${alias}.id_hash & CAST(4294967295 AS UHUGEINT) AS BIGINT)`,
  sortedDistinct: (expr) => `list_sort(list(DISTINCT ${expr}))`,
  approxDistinct: (expr) => `approx_count_distinct(${expr})`,
  // The summary's names, and those of the rows stored past its watermark (engine/duckdb/catalogue-summary.ts).
  storedEventNames: () => `(SELECT event FROM catalogue_events
    UNION SELECT DISTINCT event FROM events WHERE rowid >= (SELECT events FROM catalogue_watermark))`,
};
