import type { SqlEngine } from '../sql-engine.js';
import type { DuckDbStore } from './database.js';

/**
 * The period cache a server kept, saved when it stops and read when the next one starts on the same
 * store (its results are judged again there: events stored since, who is who, the statement). Only a
 * snapshot saved by the same release is read.
 */
export async function saveKeptPeriods(store: DuckDbStore, release: string, snapshot: unknown): Promise<void> {
  await store.run('DELETE FROM kept_periods');
  await store.run('INSERT INTO kept_periods VALUES ($release, $snapshot, now()::TIMESTAMP)', { release, snapshot: JSON.stringify(snapshot) });
}

export async function loadKeptPeriods<T>(engine: Pick<SqlEngine, 'all'>, release: string): Promise<T | undefined> {
  const [row] = await engine.all<{ snapshot: string }>('SELECT snapshot FROM kept_periods WHERE release = $release', { release });
  return row ? (JSON.parse(row.snapshot) as T) : undefined;
}
