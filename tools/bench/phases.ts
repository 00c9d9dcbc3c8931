/**
 * One bench phase, run in a child process of its own (`… phase '<json>'`), so the peak
 * RSS it reports (`process.resourceUsage().maxRSS`) belongs to that phase alone: imports, HTTP
 * ingestion, or the reports of one engine.
 */
import { once } from 'node:events';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema/index.js';
import { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { importEventsToClickHouse, importLedgerToClickHouse, recordManualValuesToClickHouse } from '../../src/engine/clickhouse/import.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { importEvents } from '../../src/engine/ingest/import-events.js';
import { importLedger } from '../../src/engine/ingest/import-ledger.js';
import { importManualCsv, parseManualPeriod, parseManualValue } from '../../src/engine/ingest/import-manual.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import { modelFromConfig } from '../../src/model/from-config.js';
import { reportContext } from '../../src/reports/context.js';
import { QueryCache } from '../../src/reports/query-cache.js';
import { benchIngest, percentile, sendLoad } from './ingest.js';
import { clickhouseBaseline, demoMatches, duckdbBaseline } from './baseline-sql.js';
import { BENCH_AS_OF } from './data.js';
import { tileDuckDbStore } from './tile.js';
import { compareAnswers, REPORT_BENCHES, type Agreement, type ReportName } from './reports.js';

export type Engine = 'duckdb' | 'clickhouse';
export type Format = 'ndjson' | 'parquet';

export type PhaseSpec =
  | { kind: 'import'; engine: Engine; format: Format; file: string; db: string; subscriptions?: string; manual?: string }
  | { kind: 'import-baseline'; engine: Engine; format: Format; file: string; db: string }
  | { kind: 'http'; events: number; batch: number; concurrency: number; dir: string }
  | { kind: 'http-baseline'; events: number; batch: number; concurrency: number; dir: string }
  | { kind: 'reports'; engine: Engine; db: string; config: string; runs: number; reports: ReportName[] }
  | { kind: 'tile'; source: string; db: string; copies: number };

export interface ImportResult {
  seconds: number;
  rows: number;
  rows_per_second: number;
  /** Only for truenorth: messages rejected (should be 0) and duplicates. */
  rejected?: number;
}

export interface HttpResult {
  seconds: number;
  events: number;
  events_per_second: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  retried: number;
  stored?: number;
}

export interface ReportTiming {
  report: ReportName;
  /** The first run after opening the database (caches cold), ms. */
  truenorth_first_ms: number;
  truenorth_ms: number[];
  /** Repeated runs answered from the query cache (unchanged data), as in the server; empty on ClickHouse. */
  truenorth_cached_ms: number[];
  baseline_first_ms: number | null;
  baseline_ms: number[];
  agreement: Agreement | null;
  error?: string;
}

export type PhaseResult =
  | ({ kind: 'import' | 'import-baseline' } & ImportResult & { max_rss_mb: number })
  | ({ kind: 'http' | 'http-baseline' } & HttpResult & { max_rss_mb: number })
  | { kind: 'reports'; reports: ReportTiming[]; baseline_note: string | null; max_rss_mb: number }
  | { kind: 'tile'; seconds: number; events: number; max_rss_mb: number };

export const RESULT_MARK = '@@bench-result ';

export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const result = await phase(spec);
  return { ...result, max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) } as PhaseResult;
}

type WithoutRss<T> = T extends unknown ? Omit<T, 'max_rss_mb'> : never;

async function phase(spec: PhaseSpec): Promise<WithoutRss<PhaseResult>> {
  switch (spec.kind) {
    case 'import': return { kind: spec.kind, ...(await importPhase(spec)) };
    case 'import-baseline': return { kind: spec.kind, ...(await importBaseline(spec)) };
    case 'http': return { kind: spec.kind, ...(await httpPhase(spec)) };
    case 'http-baseline': return { kind: spec.kind, ...(await httpBaseline(spec)) };
    case 'reports': return { kind: spec.kind, ...(await reportsPhase(spec)) };
    case 'tile': {
      fresh(spec.db);
      const start = performance.now();
      const { events } = await tileDuckDbStore(spec.source, spec.db, spec.copies);
      return { kind: spec.kind, seconds: seconds(start), events };
    }
  }
}

function fresh(path: string): void {
  rmSync(path, { recursive: true, force: true });
  rmSync(`${path}.wal`, { force: true });
  mkdirSync(dirname(path), { recursive: true });
}

const seconds = (start: number) => (performance.now() - start) / 1000;

// ------------------------------------------------------------------------------------------------
// Bulk import

async function importPhase(spec: Extract<PhaseSpec, { kind: 'import' }>): Promise<ImportResult> {
  fresh(spec.db);
  if (spec.engine === 'duckdb') {
    const store = await DuckDbStore.open(spec.db);
    try {
      const start = performance.now();
      const report = await importEvents(store, spec.file, { format: spec.format });
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
async function importBaseline(spec: Extract<PhaseSpec, { kind: 'import-baseline' }>): Promise<ImportResult> {
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

// ------------------------------------------------------------------------------------------------
// HTTP ingestion with durable acks

async function httpPhase(spec: Extract<PhaseSpec, { kind: 'http' }>): Promise<HttpResult> {
  mkdirSync(spec.dir, { recursive: true });
  const r = await benchIngest({ events: spec.events, batch: spec.batch, concurrency: spec.concurrency, dir: spec.dir });
  return {
    seconds: r.seconds, events: r.events, events_per_second: r.events_per_second,
    p50_ms: r.p50_ms, p99_ms: r.p99_ms, max_ms: r.max_ms, retried: r.retried, stored: r.stored,
  };
}

/**
 * The same load against a bare node:http server that does the least a durable ack needs: read the
 * body, parse the JSON, append it to a file and fsync before answering (requests that arrive during
 * an fsync share the next one). No auth, validation, normalisation, dedupe or database.
 */
async function httpBaseline(spec: Extract<PhaseSpec, { kind: 'http-baseline' }>): Promise<HttpResult> {
  mkdirSync(spec.dir, { recursive: true });
  const file = `${spec.dir}/baseline-${process.pid}.log`;
  const fd = openSync(file, 'a');
  let waiting: (() => void)[] = [];
  let syncing = false;
  const sync = () => {
    if (syncing || waiting.length === 0) return;
    syncing = true;
    const batch = waiting;
    waiting = [];
    setImmediate(() => {
      fsyncSync(fd);
      syncing = false;
      for (const done of batch) done();
      sync();
    });
  };
  let stored = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const parsed = JSON.parse(body.toString('utf8')) as { batch: unknown[] };
      stored += parsed.batch.length;
      writeSync(fd, body);
      writeSync(fd, '\n');
      waiting.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"success":true}');
      });
      sync();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const r = await sendLoad(`http://127.0.0.1:${port}`, 'baseline', spec);
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      seconds: r.seconds, events: spec.events, events_per_second: spec.events / r.seconds,
      p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)), max_ms: round(sorted[sorted.length - 1] ?? 0),
      retried: r.retried, stored,
    };
  } finally {
    server.closeAllConnections();
    server.close();
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

// ------------------------------------------------------------------------------------------------
// Reports

async function reportsPhase(spec: Extract<PhaseSpec, { kind: 'reports' }>): Promise<{ reports: ReportTiming[]; baseline_note: string | null }> {
  if (!existsSync(spec.db)) throw new Error(`no database at ${spec.db}`);
  const config: Config = loadConfig(spec.config);
  const model = modelFromConfig(config);
  const note = demoMatches(model);
  let engine: SqlEngine;
  if (spec.engine === 'duckdb') engine = await DuckDbStore.open(spec.db, { readOnly: true });
  else engine = await ClickHouseStore.open({ path: spec.db }, { readOnly: true });
  const sql = spec.engine === 'duckdb' ? duckdbBaseline : clickhouseBaseline;
  const ctx = reportContext(engine, model, BENCH_AS_OF);
  const out: ReportTiming[] = [];
  try {
    for (const name of spec.reports) {
      const bench = REPORT_BENCHES[name];
      const timing: ReportTiming = { report: name, truenorth_first_ms: 0, truenorth_ms: [], truenorth_cached_ms: [], baseline_first_ms: null, baseline_ms: [], agreement: null };
      out.push(timing);
      try {
        let start = performance.now();
        const answer = await bench.truenorth(ctx, config);
        timing.truenorth_first_ms = performance.now() - start;
        let baselineAnswer = null;
        if (!note) {
          start = performance.now();
          baselineAnswer = await bench.baseline(engine, sql, ctx, config);
          timing.baseline_first_ms = performance.now() - start;
          timing.agreement = compareAnswers(answer, baselineAnswer);
        }
        // Interleaved, so a burst of load elsewhere on the machine hits both sides alike.
        for (let i = 0; i < spec.runs; i++) {
          start = performance.now();
          await bench.truenorth(ctx, config);
          timing.truenorth_ms.push(performance.now() - start);
          if (!note) {
            start = performance.now();
            await bench.baseline(engine, sql, ctx, config);
            timing.baseline_ms.push(performance.now() - start);
          }
        }
        if (engine.dataVersion !== undefined) {
          const cached = reportContext(engine, model, BENCH_AS_OF, new QueryCache());
          await bench.truenorth(cached, config);
          for (let i = 0; i < spec.runs; i++) {
            start = performance.now();
            await bench.truenorth(cached, config);
            timing.truenorth_cached_ms.push(performance.now() - start);
          }
        }
      } catch (e) {
        timing.error = (e as Error).message.split('\n')[0];
      }
    }
  } finally {
    await engine.close();
  }
  return { reports: out, baseline_note: note };
}
