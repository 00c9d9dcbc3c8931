import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageInEngine } from '../src/engine/clickhouse/fast-stage.js';
import { importEventsToClickHouse } from '../src/engine/clickhouse/import.js';
import { StagedImport } from '../src/engine/clickhouse/staged-import.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { openChdb, truncateClickHouse } from './helpers/engines.js';

const MIXED = join(import.meta.dirname, 'fixtures/clickhouse/mixed.ndjson');
const EVENTS = join(import.meta.dirname, 'fixtures/events.ndjson');

/**
 * Every stored column but the instant of receipt, and what the identity work derived. A timestamp from
 * the future is replaced by the instant the import started, which differs between two imports.
 */
const STORED = {
  events: `SELECT id, event, if(JSONHas(properties, '$original_timestamp'), NULL, ts) AS ts, user_id, anonymous_id, account_id, properties, source, person FROM tn_events FINAL ORDER BY id`,
  identities: 'SELECT id, kind, ts, user_id, anonymous_id, account_id, traits, set_once, unset, person FROM tn_identity_messages FINAL ORDER BY id',
  links: 'SELECT anonymous_id, user_id, linked_at FROM identity_links ORDER BY anonymous_id',
  users: 'SELECT user_id, account_id, traits, updated_at FROM users ORDER BY user_id',
  accounts: 'SELECT person, account_id, ts FROM user_event_accounts ORDER BY person',
  quality: 'SELECT source, kind, reason, count FROM quality_counts ORDER BY kind, reason',
};
const SAME_AS_DUCKDB = [
  `SELECT id, event, CASE WHEN properties LIKE '%$original_timestamp%' THEN NULL ELSE ts END AS ts, user_id, anonymous_id, account_id, properties, actor_id
   FROM actor_events ORDER BY id`,
  'SELECT user_id, account_id, traits FROM users ORDER BY user_id',
];

let ch: { store: ClickHouseStore; cleanup: () => Promise<void> };
let dir: string;
beforeAll(async () => {
  ch = await openChdb();
  dir = mkdtempSync(join(tmpdir(), 'tn-ch-fast-'));
}, 60_000);
afterAll(async () => {
  await ch?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function snapshot(store: ClickHouseStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(STORED)) out[name] = await store.all(sql);
  return out;
}

/** Imports the files (twice each: the second time adds nothing) one way; the reports and the stored rows. */
async function importAll(files: string[], inEngine: boolean) {
  await truncateClickHouse(ch.store);
  const reports = [];
  for (const file of [...files, ...files]) reports.push(await importEventsToClickHouse(ch.store, file, {}, { inEngine }));
  return { reports, stored: await snapshot(ch.store) };
}

/** A Parquet file in the shape `truenorth export events` writes, with rows for both paths. */
async function parquetFile(): Promise<string> {
  const path = join(dir, 'events.parquet');
  const duck = await DuckDbStore.open(':memory:');
  try {
    await duck.run(`COPY (SELECT * FROM (VALUES
      ('track', 'Signed Up', 'u1', 'a1', '2026-01-05T09:00:00.250Z', 'e1', 'acme', '{"plan":"pro","seats":3}'),
      ('track', 'Clicked', 'u1', '', '2026-01-05T09:01:00Z', 'e2', '', '{"account_id":"globex","r":0.25}'),
      ('track', 'Clicked', 'u1', '', '2026-01-05T09:02:00Z', 'e1', '', '{"again":true}'),
      ('track', 'Clicked', 'u2', '', '2026-01-05T09:03:00Z', 'e4', '123', ''),
      ('track', 'Clicked', 'u2', '', '2026-01-05T09:04:00Z', '', '', '{"nested":{"a":1}}'),
      ('page', 'Page Viewed', '', 'a2', '2026-01-05T09:05:00Z', 'e6', '', ''),
      ('track', 'Clicked', '', '', '2026-01-05T09:06:00Z', 'e7', '', '')
    ) AS t("type", "event", "userId", "anonymousId", "timestamp", "messageId", "context.groupId", "properties")) TO '${path}' (FORMAT parquet)`);
  } finally {
    await duck.close();
  }
  return path;
}

describe('bulk import into ClickHouse: rows normalised inside the engine', () => {
  it('stages exactly the rows that need no JavaScript (hand-counted: 12 of the 32 lines, 2 of the 7 Parquet rows; the first record is always the normaliser’s)', async () => {
    const counted = async (file: string, format: 'ndjson' | 'parquet') => {
      const staging = await StagedImport.open(ch.store);
      try {
        const fast = await stageInEngine(ch.store, staging, file, format, {}, Date.UTC(2026, 0, 6));
        fast?.cleanup();
        return fast?.rows;
      } finally {
        await staging.drop();
      }
    };
    expect(await counted(MIXED, 'ndjson')).toBe(12);
    expect(await counted(await parquetFile(), 'parquet')).toBe(2);
  });

  it.each([
    ['mixed NDJSON', () => [MIXED]],
    ['the NDJSON fixture', () => [EVENTS]],
    ['Parquet', async () => [await parquetFile()]],
  ])('%s: the same counts, errors and stored rows as the normaliser alone, and what DuckDB stores', async (_name, files) => {
    const paths = await files();
    const normaliser = await importAll(paths, false);
    const inEngine = await importAll(paths, true);
    expect(inEngine.reports).toEqual(normaliser.reports);
    expect(inEngine.stored).toEqual(normaliser.stored);
    expect(inEngine.stored.events.length).toBeGreaterThan(0);
    for (const report of inEngine.reports.slice(paths.length)) expect(report.imported).toBe(0);

    const duck = await DuckDbStore.open(':memory:');
    try {
      for (const path of paths) await importEvents(duck, path);
      for (const sql of SAME_AS_DUCKDB) expect(await ch.store.all(sql)).toEqual(await duck.all(sql));
    } finally {
      await duck.close();
    }
  });

  it('the first copy of an id is kept whichever path read it (a batch body before a plain line of the same id)', async () => {
    await truncateClickHouse(ch.store);
    expect(await importEventsToClickHouse(ch.store, MIXED)).toMatchObject({ rejected: 1, errors: [{ line: 13 }] });
    const rows = await ch.store.all<{ id: string; properties: string }>("SELECT id, properties FROM events WHERE id IN ('t1', 't6') ORDER BY id");
    expect(rows).toEqual([
      { id: 't1', properties: '{"plan":"pro","n":3,"r":1.5,"ok":true,"x":null,"note":"café/✓"}' },
      { id: 't6', properties: '{"from":"batch"}' },
    ]);
  });
});
