import type { FastifyBaseLogger } from 'fastify';
import { packageVersion } from '../app/version.js';
import type { DuckDbStore } from '../engine/duckdb/database.js';
import { onReader } from '../engine/sql-engine.js';
import { loadKeptPeriods, saveKeptPeriods } from '../engine/duckdb/kept-periods.js';
import type { WriteQueue } from '../engine/duckdb/write-queue.js';
import type { FunnelSnapshot } from '../reports/funnel-cache.js';
import type { PeriodSnapshot } from '../reports/period-cache.js';
import type { QueryCache } from '../reports/query-cache.js';

/** What a server's reports kept: the period cache's weeks and the kept funnels. */
type KeptSnapshot = PeriodSnapshot & { funnels?: FunnelSnapshot };

/**
 * A server on a DuckDB store starts with the weeks and funnels the previous one kept (saved when it
 * stopped), so its first answers after a restart compute only what changed since. A snapshot that cannot be read
 * is ignored: the weeks are computed again.
 */
export async function restoreKeptPeriods(store: DuckDbStore, cache: QueryCache, log: FastifyBaseLogger): Promise<void> {
  try {
    // On a reader: the writing connection is the write queue's alone (it may be loading the dedupe index).
    const snapshot = await onReader(store, (reader) => loadKeptPeriods<KeptSnapshot>(reader, packageVersion()));
    if (snapshot) cache.periods.restore(snapshot);
    if (snapshot?.funnels) cache.funnels.restore(snapshot.funnels);
  } catch (e) {
    log.warn({ detail: (e as Error).message }, 'could not read the weeks kept by the previous server; they are computed again');
  }
}

/** Saves what the cache kept for the next server (nothing when it kept nothing: a ClickHouse server). */
export async function saveKeptPeriodsOnStop(queue: WriteQueue, cache: QueryCache, log: FastifyBaseLogger): Promise<void> {
  const snapshot: KeptSnapshot = { ...cache.periods.snapshot(), funnels: cache.funnels.snapshot() };
  if (snapshot.periods.length === 0 && snapshot.counts.length === 0 && snapshot.funnels!.length === 0) return;
  try {
    await queue.run((store) => saveKeptPeriods(store, packageVersion(), snapshot));
  } catch (e) {
    log.warn({ detail: (e as Error).message }, 'could not save the kept weeks; the next server computes them again');
  }
}
