import type { CatalogueSummary, SummaryEventRow, SummaryKeyRow } from '../duckdb/catalogue-summary.js';
import type { SqlEngine } from '../sql-engine.js';

/**
 * The event catalogue's summary on ClickHouse (schema version 8): materialized views add every
 * insert into `tn_events` to `tn_catalogue_events` and `tn_catalogue_property_keys`, and a read
 * merges their partial aggregates, a few rows per event name whatever the number of events.
 * Distinct senders are estimated by `uniqCombined64` (the report counts them exactly up to a
 * million events). Trait keys are left to the report, counted from the users and accounts.
 *
 * The views count what is inserted: the writers store an id once (they skip ids already stored), so
 * the counts equal the deduplicated events' unless two writers store the same new message at the same
 * instant, which the summary then counts twice (docs/clickhouse.md).
 */
export async function readClickHouseCatalogueSummary(engine: SqlEngine): Promise<CatalogueSummary> {
  const ms = (column: string) => `toFloat64(toUnixTimestamp64Milli(${column}))`;
  const rows = await engine.all<SummaryEventRow & { senders: number }>(
    `SELECT event, sum(n) AS n, ${ms('min(first_ts)')} AS first_ms, ${ms('max(last_ts)')} AS last_ms,
       arraySort(groupUniqArrayArray(sources)) AS sources, uniqCombined64Merge(senders) AS senders
     FROM tn_catalogue_events GROUP BY event ORDER BY n DESC, event`);
  const keys = await engine.all<SummaryKeyRow>('SELECT event, key, sum(n) AS n FROM tn_catalogue_property_keys GROUP BY event, key');
  return {
    total: rows.reduce((sum, r) => sum + Number(r.n), 0),
    events: rows.map(({ senders: _, ...event }) => event),
    senders: new Map(rows.map((r) => [r.event, Number(r.senders)])),
    keys,
  };
}
