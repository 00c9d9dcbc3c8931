/**
 * The performance harness (docs/performance.md). On the demo company at a given scale it
 * measures, per engine: bulk import (NDJSON, Parquet), HTTP ingestion with durable acks, the latency
 * of every report, peak memory; and the same with a hand-written baseline (the engine's own bulk
 * load, a bare HTTP server, plain SQL), so each figure is also a ratio. Each phase runs in a child
 * process (its peak RSS is the phase's own); figures are medians of several runs with min and max.
 * Results are printed as tables and written as JSON to compare runs over time.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureParquet, parseScale, prepareData, scaleName, type BenchData } from './data.js';
import { RESULT_MARK, type Engine, type Format, type HttpResult, type ImportResult, type PhaseResult, type PhaseSpec } from './phase-protocol.js';
import type { ReportName } from './entries.js';
import {
  checkTargets, fmtMs, reportFigure, RESULTS_SCHEMA, round2, stats,
  type BenchResults, type HttpFigure, type ImportFigure, type ReportFigure,
} from './results.js';

export interface BenchOptions {
  scale: string;
  engines: Engine[];
  /** Timed runs per report (after one first run). */
  runs: number;
  /** Runs of each import. */
  importRuns: number;
  httpRuns: number;
  httpEvents: number;
  httpBatch: number;
  httpConcurrency: number;
  dataDir: string;
  resultsDir: string;
  phases: ('import' | 'http' | 'reports')[];
  reports: ReportName[];
  /** Reports on `tile` copies of the store of scale ÷ tile (see tile.ts) instead of an import of this scale. */
  tile?: number;
  log: (line: string) => void;
  /** argv that runs the bench (a phase is `… phase <json>`). */
  self: string[];
}

/** One run of the bench: its options, the data, where phases put their stores, and the notes gathered. */
interface Run {
  o: BenchOptions;
  data: BenchData;
  work: string;
  notes: string[];
  dbOf(engine: Engine): string;
}

type Measured<T> = T & { max_rss_mb: number };

let maxLoad = 0;
function sampleLoad(): number {
  const one = loadavg()[0];
  maxLoad = Math.max(maxLoad, one);
  return one;
}

/** Runs one phase in a child process and returns what it printed after the result mark. */
export function runChild(self: string[], spec: PhaseSpec): Promise<PhaseResult> {
  sampleLoad();
  return new Promise((resolvePhase, reject) => {
    const child = spawn(self[0], [...self.slice(1), 'phase', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => { out += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      sampleLoad();
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || !line) return reject(new Error(`bench phase ${spec.kind} exited with ${code}${out.trim() ? `: ${out.trim().split('\n').pop()}` : ''}`));
      resolvePhase(JSON.parse(line.slice(RESULT_MARK.length)) as PhaseResult);
    });
  });
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function removeStore(db: string): void {
  rmSync(db, { recursive: true, force: true });
  rmSync(`${db}.wal`, { force: true });
}

/**
 * truenorth's import of one file into one engine, `runs` times. The NDJSON import's first run is the
 * database the reports run on (with the ledger and manual values); the other runs are removed.
 */
async function truenorthImports(run: Run, engine: Engine, format: Format, runs: number): Promise<Measured<ImportResult>[]> {
  const { o, data, work } = run;
  const keep = format === 'ndjson';
  const file = format === 'ndjson' ? data.ndjson : data.parquet;
  const out: Measured<ImportResult>[] = [];
  for (let i = 0; i < runs; i++) {
    o.log(`import ${format} → ${engine} (truenorth), run ${i + 1} of ${runs} …`);
    const first = keep && i === 0;
    const db = first ? run.dbOf(engine) : join(work, `import-${engine}-${format}`);
    const r = await runChild(o.self, { kind: 'import', engine, format, file, db, ...(first ? { subscriptions: data.subscriptions, manual: data.manual } : {}) }) as Measured<ImportResult>;
    if (first) rmSync(`${db}.wal`, { force: true });
    else removeStore(db);
    out.push(r);
    o.log(`  ${count(r.rows_per_second)} rows/s (${r.rows.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s), peak RSS ${r.max_rss_mb} MB`);
  }
  return out;
}

/** The engine's own bulk load of the same file, `runs` times; stops at the first failure, with a note. */
async function baselineImports(run: Run, engine: Engine, format: Format, runs: number): Promise<Measured<ImportResult>[]> {
  const { o, data, work } = run;
  const file = format === 'ndjson' ? data.ndjson : data.parquet;
  const out: Measured<ImportResult>[] = [];
  for (let i = 0; i < runs; i++) {
    o.log(`import ${format} → ${engine} (baseline: the engine's own bulk load), run ${i + 1} of ${runs} …`);
    const db = join(work, `baseline-${engine}-${format}`);
    try {
      const r = await runChild(o.self, { kind: 'import-baseline', engine, format, file, db }) as Measured<ImportResult>;
      out.push(r);
      o.log(`  ${count(r.rows_per_second)} rows/s`);
    } catch (e) {
      run.notes.push(`import baseline ${format} → ${engine} failed: ${(e as Error).message}`);
      break;
    } finally {
      removeStore(db);
    }
  }
  return out;
}

function importFigure(engine: Engine, format: Format, tn: Measured<ImportResult>[], base: Measured<ImportResult>[]): ImportFigure {
  const t = stats(tn.map((r) => r.rows_per_second));
  const b = base.length ? stats(base.map((r) => r.rows_per_second)) : null;
  return {
    engine, format, rows: tn[0].rows, truenorth: t, baseline: b, ratio: b ? round2(b.median / t.median) : null,
    max_rss_mb: Math.max(...tn.map((r) => r.max_rss_mb)), baseline_max_rss_mb: base.length ? Math.max(...base.map((r) => r.max_rss_mb)) : null,
  };
}

/** The import phase; with `reports` alone, only the store the reports need (unless an earlier run left it). */
async function measureImports(run: Run): Promise<ImportFigure[]> {
  const { o } = run;
  const figures: ImportFigure[] = [];
  if (!o.phases.includes('import') && !o.phases.includes('reports')) return figures;
  for (const engine of o.engines) {
    for (const format of ['ndjson', 'parquet'] as const) {
      const runs = o.phases.includes('import') ? o.importRuns : format === 'ndjson' ? 1 : 0;
      if (runs === 0) continue;
      if (!o.phases.includes('import') && existsSync(run.dbOf(engine))) {
        o.log(`reports only: reusing ${run.dbOf(engine)} from an earlier run (delete it to import again)`);
        continue;
      }
      if (format === 'parquet') await ensureParquet(run.data, o.engines.includes('duckdb') ? run.dbOf('duckdb') : undefined, o.log);
      const tn = await truenorthImports(run, engine, format, runs);
      if (o.phases.includes('import')) figures.push(importFigure(engine, format, tn, await baselineImports(run, engine, format, runs)));
    }
  }
  return figures;
}

/** HTTP ingestion, truenorth and the bare server taking turns, `httpRuns` times. */
async function measureHttp(run: Run): Promise<HttpFigure | null> {
  const { o } = run;
  if (!o.phases.includes('http')) return null;
  if (!o.engines.includes('duckdb')) {
    run.notes.push('HTTP ingestion writes to the DuckDB store (the server has no ClickHouse writer); measured only with --engine duckdb or both.');
    return null;
  }
  const dir = join(run.work, 'http');
  const common = { events: o.httpEvents, batch: o.httpBatch, concurrency: o.httpConcurrency, dir };
  const tn: Measured<HttpResult>[] = [];
  const base: Measured<HttpResult>[] = [];
  for (let i = 0; i < o.httpRuns; i++) {
    o.log(`HTTP ingestion, ${o.httpEvents.toLocaleString('en-US')} events, batch ${o.httpBatch}, ${o.httpConcurrency} clients, run ${i + 1} of ${o.httpRuns} …`);
    const r = await runChild(o.self, { kind: 'http', ...common }) as Measured<HttpResult>;
    rmSync(dir, { recursive: true, force: true });
    if (r.stored !== r.events) run.notes.push(`HTTP run ${i + 1}: ${r.stored} of ${r.events} acknowledged events were stored`);
    tn.push(r);
    o.log(`  truenorth ${count(r.events_per_second)} events/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
    const b = await runChild(o.self, { kind: 'http-baseline', ...common }) as Measured<HttpResult>;
    rmSync(dir, { recursive: true, force: true });
    base.push(b);
    o.log(`  baseline  ${count(b.events_per_second)} events/s, p50 ${b.p50_ms} ms, p99 ${b.p99_ms} ms`);
  }
  const eps = stats(tn.map((r) => r.events_per_second));
  const beps = stats(base.map((r) => r.events_per_second));
  return {
    batch: o.httpBatch, concurrency: o.httpConcurrency, events: o.httpEvents,
    events_per_second: eps, p50_ms: stats(tn.map((r) => r.p50_ms)), p99_ms: stats(tn.map((r) => r.p99_ms)),
    baseline: { events_per_second: beps, p50_ms: stats(base.map((r) => r.p50_ms)), p99_ms: stats(base.map((r) => r.p99_ms)) },
    ratio: round2(beps.median / eps.median),
    max_rss_mb: Math.max(...tn.map((r) => r.max_rss_mb)),
  };
}

/** The store of `copies` copies of the imported DuckDB store (reused when an earlier run made it). */
async function tileStore(run: Run, tiledDb: string, copies: number, fromScale: string): Promise<NonNullable<BenchResults['data']['tiled']>> {
  const tiled = { from_scale: fromScale, copies, seconds: null as number | null };
  if (existsSync(tiledDb)) {
    run.o.log(`reusing ${tiledDb} (${copies} copies of the ${fromScale} store; delete it to copy again)`);
    return tiled;
  }
  run.o.log(`copying the ${fromScale} store ${copies} times into ${tiledDb} …`);
  const r = await runChild(run.o.self, { kind: 'tile', source: run.dbOf('duckdb'), db: tiledDb, copies }) as Extract<PhaseResult, { kind: 'tile' }>;
  tiled.seconds = Math.round(r.seconds);
  run.o.log(`  ${r.events.toLocaleString('en-US')} events in ${r.seconds.toFixed(0)} s, peak RSS ${r.max_rss_mb} MB`);
  return tiled;
}

function reportLine(f: ReportFigure): string {
  const baseline = f.baseline_ms ? fmtMs(f.baseline_ms.median) : '—';
  const ratio = f.ratio !== null ? ` (${f.ratio}×)` : '';
  const agree = f.agree === null ? '' : f.agree ? '✓' : '✗ ' + f.differences.slice(0, 2).join('; ');
  const timed = f.truenorth_ms.runs.length ? fmtMs(f.truenorth_ms.median) : '—';
  return `  ${f.report.padEnd(10)} ${timed} vs baseline ${baseline}${ratio} ${agree}${f.error ? ` error: ${f.error}` : ''}`;
}

/** Every asked report on each engine, in one child process per engine (on the tiled store when there is one). */
async function measureReports(run: Run, db: (engine: Engine) => string): Promise<{ reports: ReportFigure[]; rss: Partial<Record<Engine, number>> }> {
  const { o } = run;
  const reports: ReportFigure[] = [];
  const rss: Partial<Record<Engine, number>> = {};
  if (!o.phases.includes('reports')) return { reports, rss };
  for (const engine of o.engines) {
    o.log(`reports on ${engine}: ${o.reports.join(', ')} (first run, then ${o.runs} timed runs each, interleaved with the baseline) …`);
    const r = await runChild(o.self, { kind: 'reports', engine, db: db(engine), config: run.data.config, runs: o.runs, reports: o.reports }) as Extract<PhaseResult, { kind: 'reports' }>;
    rss[engine] = r.max_rss_mb;
    if (r.baseline_note) run.notes.push(`${engine}: no baseline: ${r.baseline_note}`);
    const figures = r.reports.map((t) => reportFigure(engine, t));
    for (const f of figures) o.log(reportLine(f));
    reports.push(...figures);
  }
  return { reports, rss };
}

export function machine(): BenchResults['machine'] {
  return {
    cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`, node: process.version,
  };
}

export async function runBench(o: BenchOptions): Promise<{ results: BenchResults; file: string }> {
  const started = new Date();
  maxLoad = 0;
  const loadStart = loadavg();
  sampleLoad();
  const copies = o.tile ?? 1;
  const baseScale = copies > 1 ? scaleName(parseScale(o.scale) / copies) : o.scale;
  const data = await prepareData(o.dataDir, baseScale, o.log);
  const work = resolve(data.dir, 'work');
  mkdirSync(work, { recursive: true });
  const run: Run = { o, data, work, notes: [], dbOf: (engine) => join(work, engine === 'duckdb' ? 'truenorth.duckdb' : 'truenorth.chdb') };
  const tiledDb = resolve(o.dataDir, `${o.scale}-tiled`, 'truenorth.duckdb');

  const imports = await measureImports(run);
  const http = await measureHttp(run);
  const tiled = copies > 1 ? await tileStore(run, tiledDb, copies, baseScale) : undefined;
  const { reports, rss } = await measureReports(run, (engine) => (copies > 1 ? tiledDb : run.dbOf(engine)));

  const results: BenchResults = {
    schema: RESULTS_SCHEMA,
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    scale: o.scale,
    machine: machine(),
    load_average: { start: loadStart.map(round2), end: loadavg().map(round2), max_1min_seen: round2(maxLoad) },
    data: {
      events: data.events * copies, signups: data.signups * copies, ndjson_bytes: data.ndjsonBytes, parquet_rows: data.parquetRows,
      parquet_bytes: data.parquetBytes, generated_seconds: Math.round(data.generatedSeconds), cached: data.cached,
      ...(tiled ? { tiled } : {}),
    },
    settings: {
      engines: o.engines, runs: o.runs, import_runs: o.importRuns, http_runs: o.httpRuns, http_events: o.httpEvents,
      http_batch: o.httpBatch, http_concurrency: o.httpConcurrency,
    },
    import: imports,
    http,
    reports,
    reports_max_rss_mb: rss,
    targets: [],
    notes: run.notes,
  };
  results.targets = checkTargets(results, data.events * copies);
  if (maxLoad > 1.2) run.notes.push(`the machine was busy: the 1-minute load average reached ${round2(maxLoad)} during the run (figures are slower than on a quiet machine)`);
  mkdirSync(o.resultsDir, { recursive: true });
  const file = join(o.resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}-${o.scale}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return { results, file };
}
