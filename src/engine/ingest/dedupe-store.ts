import type { DuckDBVector } from '@duckdb/node-api';
import type { DuckDbStore } from '../duckdb/database.js';
import { DedupeIndex, fingerprintValue, type Fingerprint } from './dedupe-index.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TruenorthError } from '../../errors.js';
import { KeysBuilder } from './keys-builder.js';
import type { SortedKeys } from './sorted-keys.js';

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

/**
 * The top `bits` bits of each stored fingerprint's low 64 bits (its dedupe key), as `type`: the store
 * computes them, so only those bytes come out (shifted, then masked: a quarter cheaper than the other
 * way round, whose mask is a 128-bit constant).
 */
function prefixes(bits: number, type: 'UINTEGER' | 'UBIGINT'): string {
  const column = `CAST((id_hash >> ${64 - bits}) & ${(1n << BigInt(bits)) - 1n} AS ${type})`;
  return `SELECT ${column} AS prefix FROM events UNION ALL SELECT ${column} FROM identity_messages`;
}

/** Loads the index; again if the stored ids changed between the load's two passes. */
async function loadIndex(store: DuckDbStore): Promise<DedupeIndex> {
  for (let attempt = 1; ; attempt++) {
    const keys = await loadKeys(store);
    if (keys) return new DedupeIndex(keys, { stored: (candidates) => storedAmong(store, candidates) });
    if (attempt === LOAD_ATTEMPTS) throw new TruenorthError('store_unavailable', 'the stored message ids kept changing while the dedupe index loaded');
  }
}

const LOAD_ATTEMPTS = 3;

/**
 * The stored ids' keys, read twice (`KeysBuilder`): how many keys each part holds (counted by the
 * store), then each key's prefix of the builder's precision, streamed a chunk at a time, each chunk's
 * typed array read whole. Between steps the event loop turns, so that a server answers reads while a
 * large index loads.
 */
async function loadKeys(store: DuckDbStore): Promise<SortedKeys | undefined> {
  const [{ n }] = await store.all<{ n: number }>(
    'SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM identity_messages) AS n',
  );
  const builder = new KeysBuilder(n);
  const parts = await store.all<{ part: number; keys: number }>(
    `SELECT prefix AS part, count(*) AS keys FROM (${prefixes(builder.partBits, 'UINTEGER')}) GROUP BY part`,
  );
  for (const { part, keys } of parts) builder.count(part, keys);
  // A 16th spare: room for the first merges of new ids without a copy.
  builder.startPlacing(1 / 16);
  await eachChunk(store, prefixes(builder.precision, 'UBIGINT'), (column, rows) => builder.place(uint64Words(column, rows)));
  return builder.finish(() => nextTurn());
}

async function eachChunk(store: DuckDbStore, sql: string, visit: (column: DuckDBVector, rows: number) => void): Promise<void> {
  const result = await store.connection.stream(sql);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    visit(chunk.getColumnVector(0), chunk.rowCount);
  }
}

/**
 * A chunk's UBIGINT column (never null) as pairs of 32-bit words, [low, high] each: the vector's own
 * typed array when it exposes one (the client keeps it as `items`), else read value by value.
 */
export function uint64Words(column: DuckDBVector, rows: number): Uint32Array {
  const items = (column as unknown as { items?: unknown }).items;
  const values = items instanceof BigUint64Array && items.length === rows
    ? items
    : BigUint64Array.from({ length: rows }, (_, i) => column.getItem(i) as bigint);
  return new Uint32Array(values.buffer, values.byteOffset, rows * 2);
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
