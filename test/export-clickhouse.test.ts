import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyClickHouseEvents } from '../src/engine/clickhouse/export.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { exportEvents } from '../src/engine/ingest/export-events.js';
import { loadBoth, openChdb } from './helpers/engines.js';

/**
 * `export events` on ClickHouse writes the same files as on DuckDB for the same stored events:
 * NDJSON and CSV byte for byte, Parquet row for row; a duplicate stored twice is exported once.
 */
let dir: string;
let ch: ClickHouseStore;
let duck: DuckDbStore;
let cleanupCh: () => Promise<void>;

const at = '2026-02-10T10:00:00.250Z';
const BATCHES = [
  [
    { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'e1', timestamp: at, properties: { plan: 'pro', seats: 3, nested: { ok: true, list: [1, 2.5, null] } } },
    { type: 'track', event: 'Page', anonymousId: 'a1', messageId: 'e2', timestamp: at, properties: {} },
    { type: 'track', event: 'Message Sent', userId: 'u2', messageId: 'e3', timestamp: '2026-02-09T23:59:59.999Z', context: { groupId: 'acct-9' }, properties: { text: 'naïve "quoted", comma\nline' } },
  ],
  [
    // e1 again: stored once by both engines; e0 sorts before e1 at the same instant.
    { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'e1', timestamp: at, properties: { plan: 'pro', seats: 3, nested: { ok: true, list: [1, 2.5, null] } } },
    { type: 'track', event: 'Invited', userId: 'u1', messageId: 'e0', timestamp: at, properties: { n: -0.125 } },
  ],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-export-ch-'));
  ({ store: ch, cleanup: cleanupCh } = await openChdb());
  ({ duck } = await loadBoth(ch, BATCHES));
}, 30_000);

afterAll(async () => {
  await duck?.close();
  await cleanupCh?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('export events on ClickHouse', () => {
  it.each(['ndjson', 'csv'] as const)('%s: the same file as DuckDB writes', async (format) => {
    const [fromDuck, fromCh] = [join(dir, `duck.${format}`), join(dir, `ch.${format}`)];
    expect(await exportEvents(duck, fromDuck, format)).toBe(4);
    expect(await exportEvents(ch, fromCh, format)).toBe(4);
    expect(readFileSync(fromCh, 'utf8')).toBe(readFileSync(fromDuck, 'utf8'));
    const text = readFileSync(fromCh, 'utf8');
    for (const id of ['e0', 'e1', 'e2', 'e3']) expect(text.split(id).length - 1, id).toBe(1);
  });

  it('parquet: the same rows as DuckDB writes', async () => {
    const [fromDuck, fromCh] = [join(dir, 'duck.parquet'), join(dir, 'ch.parquet')];
    expect(await exportEvents(duck, fromDuck, 'parquet')).toBe(4);
    expect(await exportEvents(ch, fromCh, 'parquet')).toBe(4);
    const read = (path: string) => duck.all(`SELECT * FROM read_parquet('${path}')`);
    const rows = await read(fromCh);
    expect(rows).toEqual(await read(fromDuck));
    expect(rows.map((r) => r.messageId)).toEqual(['e3', 'e0', 'e1', 'e2']);
  });

  it('pages in (ts, id) order: ties on one instant cross a page boundary without a row lost or repeated', async () => {
    for (const pageSize of [1, 2, 3]) {
      const scratch = await DuckDbStore.open(':memory:');
      try {
        expect(await copyClickHouseEvents(ch, scratch, pageSize), `page of ${pageSize}`).toBe(4);
        const ids = await scratch.all<{ id: string }>('SELECT id FROM events ORDER BY ts, id');
        expect(ids.map((r) => r.id), `page of ${pageSize}`).toEqual(['e3', 'e0', 'e1', 'e2']);
      } finally {
        await scratch.close();
      }
    }
  });
});
