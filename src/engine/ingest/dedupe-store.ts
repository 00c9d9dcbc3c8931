import type { DuckDBVector } from '@duckdb/node-api';
import type { DuckDbStore } from '../duckdb/database.js';
import { DedupeIndex, fingerprintValue, type Fingerprint } from './dedupe-index.js';
import { sortInParts } from './sort-in-parts.js';

const indexes = new WeakMap<DuckDbStore, Promise<DedupeIndex>>();
/** Stores whose rollbacks already drop their index. */
const watched = new WeakSet<DuckDbStore>();

/**
 * The store's dedupe index, for a writer that claims ids itself (file order across two paths): each
 * id its `claim` answers true for was first seen, and must then be stored in the same transaction.
 */
export function claimIds(store: DuckDbStore): Promise<DedupeIndex> {
  return dedupeIndex(store);
}

/** Drops the store's cached dedupe index after rows were stored without it: the next write reloads it. */
export function forgetDedupeIndex(store: DuckDbStore): void {
  indexes.delete(store);
}

/**
 * The store's dedupe index, loaded once from the stored fingerprints and kept current by every
 * writer of that store. A rollback drops it (it may hold ids that were never committed); the next
 * write reloads it from what is really stored.
 */
function dedupeIndex(store: DuckDbStore): Promise<DedupeIndex> {
  let index = indexes.get(store);
  if (!index) {
    const loading = loadIndex(store);
    index = loading;
    indexes.set(store, loading);
    if (!watched.has(store)) {
      watched.add(store);
      store.onRollback(() => indexes.delete(store));
    }
    // A load that failed (the store was failing too) is not kept: the next write loads again.
    loading.catch(() => {
      if (indexes.get(store) === loading) indexes.delete(store);
    });
  }
  return index;
}

const KEYS = (table: string) => `SELECT CAST(id_hash & 18446744073709551615 AS UBIGINT) FROM ${table}`;

/** Reads the stored fingerprints' low 64 bits, streamed, a chunk at a time. */
async function loadIndex(store: DuckDbStore): Promise<DedupeIndex> {
  const [{ n }] = await store.all<{ n: number }>(
    'SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM identity_messages) AS n',
  );
  // A 16th spare: room for the first merges of new ids without a copy.
  let keys = new BigUint64Array(Math.ceil(n * 1.0625) + 1);
  let count = 0;
  const result = await store.connection.stream(`${KEYS('events')} UNION ALL ${KEYS('identity_messages')}`);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    if (count + chunk.rowCount > keys.length) {
      const larger = new BigUint64Array(Math.ceil((count + chunk.rowCount) * 1.125));
      larger.set(keys);
      keys = larger;
    }
    copyKeys(chunk.getColumnVector(0), chunk.rowCount, keys, count);
    count += chunk.rowCount;
  }
  // Sorted in steps, so that a server answers reads while a large index loads.
  await sortInParts(keys.subarray(0, count));
  return new DedupeIndex(keys, count, { sorted: true, stored: (candidates) => storedAmong(store, candidates) });
}

/**
 * Copies a chunk's keys (UBIGINT, never null) into `keys` from `at`: the vector's own typed array in
 * one copy when it exposes one (the client keeps it as `items`; twice as fast a load at 10M), else
 * value by value.
 */
export function copyKeys(column: DuckDBVector, rows: number, keys: BigUint64Array, at: number): void {
  const items = (column as unknown as { items?: unknown }).items;
  if (items instanceof BigUint64Array && items.length === rows) {
    keys.set(items, at);
    return;
  }
  for (let i = 0; i < rows; i++) keys[at + i] = column.getItem(i) as bigint;
}

/** For each candidate, whether its whole fingerprint is stored: one statement for the lot. */
async function storedAmong(store: DuckDbStore, candidates: readonly Fingerprint[]): Promise<boolean[]> {
  const values = candidates.map((f) => fingerprintValue(f).toString());
  const rows = await store.all<{ h: string }>(`
    WITH c AS (SELECT CAST(unnest(string_split($values, ',')) AS UHUGEINT) AS h)
    SELECT CAST(id_hash AS VARCHAR) AS h FROM events WHERE id_hash IN (SELECT h FROM c)
    UNION ALL SELECT CAST(id_hash AS VARCHAR) FROM identity_messages WHERE id_hash IN (SELECT h FROM c)`,
  { values: values.join(',') });
  const stored = new Set(rows.map((r) => r.h));
  return values.map((v) => stored.has(v));
}
