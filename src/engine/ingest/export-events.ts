import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlEngine } from '../sql-engine.js';
import { InputError } from '../../errors.js';
import { copyClickHouseEvents } from '../clickhouse/export.js';
import { DuckDbStore } from '../duckdb/database.js';
import type { FileFormat } from './sources.js';

/**
 * Writes the stored events as Segment `track` messages, in a shape `import events` reads back
 * exactly: NDJSON, CSV (properties as a JSON column) or Parquet.
 */
export async function exportEvents(store: SqlEngine, path: string, format: FileFormat): Promise<number> {
  if (store.dialect === 'clickhouse') return exportThroughDuckDb(store, path, format);
  const select = `
    SELECT 'track' AS type, event, user_id AS "userId", anonymous_id AS "anonymousId",
           strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS timestamp, id AS "messageId",
           account_id AS "context.groupId", properties::VARCHAR AS properties
    FROM events ORDER BY ts, id`;
  const options: Record<FileFormat, string> = {
    csv: "(FORMAT csv, HEADER true)",
    parquet: "(FORMAT parquet)",
    ndjson: "(FORMAT json)",
  };
  if (format === 'ndjson') {
    // JSON export must nest properties as an object, not a string.
    const json = select.replace('properties::VARCHAR AS properties', 'properties').replace('account_id AS "context.groupId"', "CASE WHEN account_id IS NULL THEN NULL ELSE json_object('groupId', account_id) END AS context");
    return copy(store, json, path, options.ndjson);
  }
  return copy(store, select, path, options[format]);
}

/**
 * ClickHouse's events are copied into a scratch DuckDB file beside the system's temporary files (on
 * disk, so memory stays bounded), and written from there: the same file, byte for byte, as DuckDB
 * writes for the same events.
 */
async function exportThroughDuckDb(engine: SqlEngine, path: string, format: FileFormat): Promise<number> {
  checkExportPath(path);
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-export-'));
  try {
    const scratch = await DuckDbStore.open(join(dir, 'events.duckdb'));
    try {
      await copyClickHouseEvents(engine, scratch);
      return await exportEvents(scratch, path, format);
    } finally {
      await scratch.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A file the export can write: a path, not stdout. */
export function checkExportPath(path: string): void {
  if (path === '-' || path.length === 0) throw new InputError('export needs a file path');
}

/** One statement: the count is of the rows written, whatever is committed meanwhile. */
async function copy(store: SqlEngine, select: string, path: string, options: string): Promise<number> {
  checkExportPath(path);
  // COPY takes no bound parameter for its target, so the path is quoted as a SQL string literal.
  const target = `'${path.replaceAll("'", "''")}'`;
  const [written] = await store.all<{ Count: number | bigint }>(`COPY (${select}) TO ${target} ${options}`);
  return Number(written.Count);
}
