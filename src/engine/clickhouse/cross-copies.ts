import { recordCopies } from './catalogue-summary.js';
import type { ClickHouseStore } from './store.js';
import { idChunks } from './values.js';

/**
 * Two servers that store the same message at once (each checked before the other inserted) keep
 * two rows. When the message's instant came from the receiving server's clock (Segment's clock-skew
 * correction, PostHog's offset, no timestamp at all) the copies' instants differ, so they differ in
 * the sorting key and `FINAL` keeps both. After each insert the writer looks for such copies of the
 * ids it stored and deletes all but the one received first (ties: the earlier instant); whichever
 * server inserted last finds them. Answers how many ids had copies. The insert itself succeeded, so
 * a delete ClickHouse refuses (on a cluster's Distributed table) leaves the copies and fails nothing.
 * Copies of either kind are recorded for the kept catalogue, which counted each (catalogue-summary.ts).
 */
export async function dropLaterCopies(store: ClickHouseStore, ids: readonly string[]): Promise<number> {
  let found = 0;
  for (const chunk of idChunks(ids)) {
    const stored = await store.connection.query(
      `SELECT id, uniqExact(ts) AS instants, toUInt32(count() - 1) AS extra, any(event) AS event, JSONExtractKeys(any(properties)) AS keys
       FROM tn_events WHERE id IN {ids:Array(String)} GROUP BY id HAVING count() > 1`,
      { ids: chunk },
    );
    await recordCopies(store, stored.map(({ id, event, keys, extra }) => ({ id, event, keys, extra })));
    const rows = stored.filter((r) => Number(r.instants) > 1);
    if (rows.length === 0) continue;
    found += rows.length;
    await store.connection.command(
      `DELETE FROM tn_events WHERE id IN {copied:Array(String)}
         AND (id, ts) NOT IN (SELECT id, argMin(ts, (received_at, ts)) FROM tn_events WHERE id IN {copied:Array(String)} GROUP BY id)`,
      { copied: rows.map((r) => r.id as string) },
    ).catch(() => undefined);
  }
  return found;
}
