import type { CatalogueSummary, SummaryEventRow, SummaryKeyRow } from '../duckdb/catalogue-summary.js';
import type { SqlEngine } from '../sql-engine.js';
import type { ClickHouseStore } from './store.js';

/**
 * The event catalogue's summary on ClickHouse (schema version 8): materialized views add every
 * insert into `tn_events` to `tn_catalogue_events` and `tn_catalogue_property_keys`, and a read
 * merges their partial aggregates, a few rows per event name whatever the number of events.
 * Distinct senders are estimated by `uniqCombined64` (the report counts them exactly up to a
 * million events). Trait keys are left to the report, counted from the users and accounts.
 *
 * The views count what is inserted: the writers store an id once (they skip ids already stored).
 * Two writers that store the same new message at once both insert it; the one that inserted last
 * finds the copies and records them (`recordCopies`), and a read takes them off the counts.
 */
export async function readClickHouseCatalogueSummary(engine: SqlEngine): Promise<CatalogueSummary> {
  const ms = (column: string) => `toFloat64(toUnixTimestamp64Milli(${column}))`;
  const rows = await engine.all<SummaryEventRow & { senders: number }>(
    `SELECT event, sum(n) AS n, ${ms('min(first_ts)')} AS first_ms, ${ms('max(last_ts)')} AS last_ms,
       arraySort(groupUniqArrayArray(sources)) AS sources, uniqCombined64Merge(senders) AS senders
     FROM tn_catalogue_events GROUP BY event ORDER BY n DESC, event`);
  const keys = await engine.all<SummaryKeyRow>('SELECT event, key, sum(n) AS n FROM tn_catalogue_property_keys GROUP BY event, key');
  const copies = new Map((await engine.all<{ event: string; extra: number }>(
    'SELECT event, sum(extra) AS extra FROM tn_catalogue_copies FINAL GROUP BY event')).map((r) => [r.event, Number(r.extra)]));
  const keyCopies = new Map((await engine.all<{ event: string; key: string; extra: number }>(
    'SELECT event, key, sum(extra) AS extra FROM tn_catalogue_copies FINAL ARRAY JOIN keys AS key GROUP BY event, key'))
    .map((r) => [`${r.event}\u0000${r.key}`, Number(r.extra)]));
  const events = rows.map(({ senders: _, ...event }) => ({ ...event, n: Number(event.n) - (copies.get(event.event) ?? 0) }))
    .sort((a, b) => b.n - a.n || (a.event < b.event ? -1 : a.event > b.event ? 1 : 0));
  return {
    total: events.reduce((sum, r) => sum + r.n, 0),
    events,
    senders: new Map(rows.map((r) => [r.event, Number(r.senders)])),
    keys: keys.map((k) => ({ ...k, n: Number(k.n) - (keyCopies.get(`${k.event}\u0000${k.key}`) ?? 0) })),
  };
}

/** Messages stored more than once (`extra` copies beyond the first), for the counts to take off. */
export async function recordCopies(store: ClickHouseStore, copies: readonly { id: unknown; event: unknown; keys: unknown; extra: unknown }[]): Promise<void> {
  if (copies.length > 0) await store.connection.insert('tn_catalogue_copies', copies);
}
