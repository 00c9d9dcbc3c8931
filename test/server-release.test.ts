/**
 * A server over a DuckDB file leaves nothing of the file open once it and its store are closed. While
 * it starts, the write queue streams the stored ids (the dedupe index) on the writing connection; a
 * statement run on that connection meanwhile cuts the stream short, and the stream's result then holds
 * the database open until it is garbage-collected. A store opened on the same file before that happened
 * would meet the old one's checkpoint: a corrupted file or lost commits. So the queue holds the writing
 * connection, and a statement from outside its work is refused.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import { WriteQueue } from '../src/engine/duckdb/write-queue.js';
import { TruenorthServer } from '../src/server/app.js';
import { normalizeAll } from './helpers/engines.js';
import { SMALL_JOURNEY_YAML } from './helpers/small-journey.js';
import { readBeside } from './helpers/read-beside.js';

const dir = mkdtempSync(join(tmpdir(), 'tn-release-'));
const db = join(dir, 'release.duckdb');
const configPath = join(dir, 'truenorth.yaml');

/** The files under `dir` this process holds open. */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(dir));
}

beforeAll(async () => {
  writeFileSync(configPath, SMALL_JOURNEY_YAML);
  // Enough ids that the index streams in many chunks (DuckDB's are 2,048 rows).
  const events = Array.from({ length: 90_000 }, (_, i) => ({
    type: 'track', messageId: `r${i}`, event: ['V', 'S', 'M'][i % 3], userId: `u${i % 500}`,
    timestamp: new Date(Date.UTC(2026, 9, 1) + i * 60_000).toISOString(), properties: {},
  }));
  const store = await DuckDbStore.open(db);
  await store.transaction(() => new IngestWriter(store, 'test').write(normalizeAll(events)));
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a closed server releases its DuckDB file', () => {
  it('holds no handle on the file once closed, however early it is closed', async () => {
    for (let round = 0; round < 12; round++) {
      const store = await DuckDbStore.open(db);
      const server = await TruenorthServer.create({ store, host: '127.0.0.1', port: 0, configPath, logger: false });
      // Closed at once (the index still loading) or after a report.
      if (round % 2 === 1) expect((await server.app.inject({ method: 'GET', url: '/api/v1/north-star' })).statusCode).toBe(200);
      await server.close();
      await store.close();
      expect(openFiles(), `round ${round}`).toEqual([]);
    }
  }, 120_000);

  it('refuses a statement on the writing connection from outside the write queue while the queue holds it', async () => {
    const store = await DuckDbStore.open(':memory:');
    try {
      const queue = new WriteQueue(store);
      await expect(store.all('SELECT 1 AS one')).rejects.toThrow('the writing connection of :memory: is its write queue\'s');
      await expect(store.transaction(async () => undefined)).rejects.toThrow('write queue');
      expect(() => new WriteQueue(store)).toThrow('held already');
      // The queue's own work, and a reader beside it, are served.
      expect(await queue.run((s) => s.all('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
      expect(await readBeside(store, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
      await queue.close();
      expect(await store.all('SELECT 3 AS three')).toEqual([{ three: 3 }]);
    } finally {
      await store.close();
    }
  });
});
