/**
 * Bulk import: truenorth's import of a file into each engine, and the engine's own bulk load of the
 * same file into a plain table, the ceiling it is compared with.
 */
import { readFileSync } from 'node:fs';
import { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { importEventsToClickHouse, importLedgerToClickHouse, recordManualValuesToClickHouse } from '../../src/engine/clickhouse/import.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { importEvents } from '../../src/engine/ingest/import-events.js';
import { importLedger } from '../../src/engine/ingest/import-ledger.js';
import { importManualCsv, parseManualPeriod, parseManualValue } from '../../src/engine/ingest/import-manual.js';
import { fresh, seconds, type ImportResult, type PhaseSpec } from './phase-protocol.js';

export async function importPhase(spec: Extract<PhaseSpec, { kind: 'import' }>): Promise<ImportResult> {
  fresh(spec.db);
  if (spec.engine === 'duckdb') {
    const store = await DuckDbStore.open(spec.db);
    try {
      const start = performance.now();
      // TRUENORTH_BENCH_NDJSON_IN_ENGINE=0 times every NDJSON line read by the normaliser (the typed read in DuckDB is the default).
      const inEngine = process.env.TRUENORTH_BENCH_NDJSON_IN_ENGINE !== '0';
      const report = await importEvents(store, spec.file, { format: spec.format, inEngine });
      const s = seconds(start);
      if (spec.subscriptions) await importLedger(store, spec.subscriptions);
      if (spec.manual) await importManualCsv(store, spec.manual);
      return { seconds: s, rows: report.imported, rows_per_second: report.imported / s, rejected: report.rejected };
    } finally {
      await store.close();
    }
  }
  const store = await ClickHouseStore.open({ path: spec.db });
  try {
    const start = performance.now();
    const report = await importEventsToClickHouse(store, spec.file, { format: spec.format });
    const s = seconds(start);
    if (spec.subscriptions) await importLedgerToClickHouse(store, spec.subscriptions);
    if (spec.manual) await recordManualValuesToClickHouse(store, readManualCsv(spec.manual));
    return { seconds: s, rows: report.imported, rows_per_second: report.imported / s, rejected: report.rejected };
  } finally {
    await store.close();
  }
}

/** The demo's manual.csv (metric,week,value,entered_by,note; no quoted fields) as entries. */
function readManualCsv(path: string) {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [metric, week, value, by, note] = line.split(',');
    return { metric, period: parseManualPeriod(week), value: parseManualValue(value), enteredBy: by || 'import', note: note || null };
  });
}

/**
 * The engine's own bulk load of the same file into a plain table: DuckDB `read_json` / `read_parquet`,
 * ClickHouse `file()`; the Segment fields are extracted, nothing is normalised, deduplicated or linked.
 * The ceiling truenorth's import is compared with.
 */
export async function importBaseline(spec: Extract<PhaseSpec, { kind: 'import-baseline' }>): Promise<ImportResult> {
  fresh(spec.db);
  const path = spec.file.replaceAll("'", "''");
  if (spec.engine === 'duckdb') {
    const store = await DuckDbStore.open(spec.db);
    try {
      const start = performance.now();
      if (spec.format === 'parquet') {
        await store.run(`CREATE TABLE raw_events AS SELECT * FROM read_parquet('${path}')`);
      } else {
        await store.run(`CREATE TABLE raw_events AS
          SELECT coalesce(messageId, uuid) AS id, coalesce(event, type) AS event, TRY_CAST(timestamp AS TIMESTAMP) AS ts,
            userId AS user_id, coalesce(anonymousId, distinct_id) AS anonymous_id, context->>'groupId' AS account_id,
            coalesce(properties, traits) AS properties
          FROM read_json('${path}', format = 'newline_delimited', columns = {
            type: 'VARCHAR', event: 'VARCHAR', messageId: 'VARCHAR', uuid: 'VARCHAR', timestamp: 'VARCHAR', userId: 'VARCHAR',
            anonymousId: 'VARCHAR', distinct_id: 'VARCHAR', context: 'JSON', properties: 'JSON', traits: 'JSON'})`);
      }
      const s = seconds(start);
      const [{ n }] = await store.all<{ n: number }>('SELECT count(*) AS n FROM raw_events');
      return { seconds: s, rows: n, rows_per_second: n / s };
    } finally {
      await store.close();
    }
  }
  const store = await ClickHouseStore.open({ path: spec.db });
  try {
    const c = store.connection;
    const start = performance.now();
    if (spec.format === 'parquet') {
      await c.command(`CREATE TABLE raw_events ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM file('${path}', 'Parquet')`);
    } else {
      await c.command(`CREATE TABLE raw_events ENGINE = MergeTree ORDER BY tuple() AS
        SELECT coalesce(messageId, uuid) AS id, coalesce(event, type) AS event, parseDateTime64BestEffortOrNull(timestamp, 3, 'UTC') AS ts,
          userId AS user_id, coalesce(anonymousId, distinct_id) AS anonymous_id, JSONExtractString(coalesce(context, ''), 'groupId') AS account_id,
          coalesce(properties, traits) AS properties
        FROM file('${path}', 'JSONEachRow', 'type Nullable(String), event Nullable(String), messageId Nullable(String), uuid Nullable(String),
          timestamp Nullable(String), userId Nullable(String), anonymousId Nullable(String), distinct_id Nullable(String),
          context Nullable(String), properties Nullable(String), traits Nullable(String)')
        SETTINGS input_format_json_read_objects_as_strings = 1, input_format_skip_unknown_fields = 1`);
    }
    const s = seconds(start);
    const [{ n }] = await store.all<{ n: number }>('SELECT count() AS n FROM raw_events');
    return { seconds: s, rows: n, rows_per_second: n / s };
  } finally {
    await store.close();
  }
}
