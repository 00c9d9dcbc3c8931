/**
 * The server's write queue folds the catalogue summary and the live state in transactions of their
 * own, beside the groups that acknowledge requests: every read still counts every acknowledged event
 * exactly, and the folds move the watermarks. It checkpoints when no request waits, and loads its
 * write path ahead of the first write when asked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { FOLD_EVERY, readCatalogueSummary } from '../src/engine/duckdb/catalogue-summary.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { IDLE_CHECKPOINT_BYTES, IDLE_MS, logBytes } from '../src/engine/duckdb/idle-checkpoint.js';
import { ensureLiveState } from '../src/engine/duckdb/live-state.js';
import { WriteQueue } from '../src/engine/duckdb/write-queue.js';
import type { NormalizedMessage } from '../src/model/message.js';
import { readBeside } from './helpers/read-beside.js';

const MODEL = modelFromConfig(parseConfig(`
product: P
journey:
  visit: { event: V }
  signup: { event: S }
north_star: { name: n, event: S, measure: count, frequency: week }
`));
const BATCH = 5_000;
const BATCHES = Math.ceil((FOLD_EVERY + 1) / BATCH) + 1;

function batch(b: number): NormalizedMessage[] {
  return Array.from({ length: BATCH }, (_, i) => ({
    kind: 'event' as const, id: `e-${b}-${i}`, event: i % 10 === 0 ? 'S' : 'V', timestamp: Date.UTC(2026, 2, 2) + i * 1000,
    userId: `u-${i % 50}`, anonymousId: null, accountId: null, properties: { k: i % 3 },
  }));
}

const watermarks = (store: DuckDbStore) => store.all<{ catalogue: number; live: number }>(
  'SELECT (SELECT events FROM catalogue_watermark) AS catalogue, (SELECT min(watermark) FROM live_state_defs) AS live');

describe('the write queue folds beside its groups', () => {
  it('reads count every acknowledged event while the folds run, and the watermarks move', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tn-folds-'));
    const store = await DuckDbStore.open(join(dir, 'folds.duckdb'));
    const queue = new WriteQueue(store);
    try {
      await ensureLiveState((work) => queue.run(work), MODEL.journey);
      const reader = await store.reader();
      for (let b = 0; b < BATCHES; b++) {
        // Two requests in flight at once: they share groups.
        await Promise.all([queue.write(batch(b).slice(0, BATCH / 2), 'test'), queue.write(batch(b).slice(BATCH / 2), 'test')]);
        const summary = await readCatalogueSummary(reader);
        expect(summary.events.reduce((n, e) => n + e.n, 0)).toBe((b + 1) * BATCH);
      }
      await reader.close();
      await queue.close();
      const [{ catalogue, live }] = await watermarks(store);
      expect(catalogue).toBeGreaterThanOrEqual(FOLD_EVERY);
      expect(live).toBeGreaterThanOrEqual(FOLD_EVERY);
      const summary = await readCatalogueSummary(store);
      expect(summary.events.map((e) => [e.event, e.n]).sort()).toEqual([['S', BATCHES * BATCH / 10], ['V', BATCHES * BATCH * 0.9]]);
    } finally {
      await queue.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('checkpoints once idle, not at a commit: DuckDB\'s own threshold is raised', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tn-checkpoint-'));
    const store = await DuckDbStore.open(join(dir, 'checkpoint.duckdb'));
    const queue = new WriteQueue(store);
    try {
      let b = 0;
      while (logBytes(store) < IDLE_CHECKPOINT_BYTES) {
        // Requests back to back: the log grows past what DuckDB would checkpoint at on its own.
        await Promise.all([queue.write(batch(b), 'test'), queue.write(batch(b + 1), 'test')]);
        b += 2;
      }
      expect(await readBeside(store, "SELECT current_setting('checkpoint_threshold') AS t")).toEqual([{ t: '64.0 MiB' }]);
      const deadline = Date.now() + 10_000;
      while (logBytes(store) >= IDLE_CHECKPOINT_BYTES && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, IDLE_MS));
      expect(logBytes(store)).toBeLessThan(IDLE_CHECKPOINT_BYTES);
      await queue.write(batch(b), 'test');
      expect(await readBeside(store, 'SELECT count(*) AS n FROM events')).toEqual([{ n: (b + 1) * BATCH }]);
    } finally {
      await queue.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('loads the write path before the first write when warmed', async () => {
    const store = await DuckDbStore.open(':memory:');
    try {
      // The writing connection's temporary tables, read before the queue holds it and after it is closed.
      const staging = () => store.all("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'stage_%' ORDER BY 1");
      expect(await staging()).toEqual([]);
      const queue = new WriteQueue(store);
      queue.warm();
      await queue.close();
      expect(await staging()).toEqual([{ table_name: 'stage_identity' }, { table_name: 'stage_links' }]);
    } finally {
      await store.close();
    }
  });
});
