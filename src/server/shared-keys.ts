import type { KeyTable } from '../engine/control.js';
import type { KeyRing } from './keys.js';

/** How often a server sharing its keys with others re-reads them: the bound on a key change made elsewhere taking effect here. */
export const KEY_REFRESH_MS = 2_000;

/**
 * Re-reads `table` into `ring` every `ms`, one read at a time; a failed read keeps the keys last
 * read and is reported to `onError`. Answers the function that stops it.
 */
export function refreshKeysEvery(ring: KeyRing, table: KeyTable, ms: number, onError: (e: Error) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    ring.load(table).catch(onError).finally(() => { running = false; });
  }, ms).unref();
  return () => clearInterval(timer);
}

/**
 * Keys a ClickHouse server's DuckDB file holds (where keys lived before they moved to ClickHouse, and
 * where `truenorth keys` without `--engine clickhouse` still writes): copied at start-up with their
 * revocations, so an upgraded server keeps honouring them and a key revoked in the file stays revoked.
 */
export async function carryKeysOver(from: KeyTable, to: KeyTable): Promise<void> {
  const known = new Map((await to.list()).map((k) => [k.id, k]));
  for (const key of await from.list()) {
    const { revoked_at, ...stored } = key;
    if (!known.has(key.id)) await to.insert(stored);
    if (revoked_at !== null && known.get(key.id)?.revoked_at == null) await to.revoke(key.id, revoked_at);
  }
}
