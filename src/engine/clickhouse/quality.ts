import type { QualityTally } from '../ingest/quality.js';
import type { ClickHouseStore } from './store.js';

/**
 * Adds a tally to `tn_quality_counts` in one insert: a SummingMergeTree, so rows of one
 * (day, source, kind, reason) add up in merges, and the `quality_counts` view sums what is not merged yet.
 */
export async function insertQualityToClickHouse(store: ClickHouseStore, tally: QualityTally | undefined): Promise<void> {
  if (!tally || tally.empty) return;
  await store.connection.insert('tn_quality_counts', tally.take().map((row) => ({ ...row })));
}
