/**
 * `truenorth bench`: the performance harness (docs/performance.md). On the demo company at a given scale it
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
import { ensureParquet, parseScale, prepareData, scaleName } from './data.js';
import { RESULT_MARK, type Engine, type Format, type HttpResult, type ImportResult, type PhaseResult, type PhaseSpec, type ReportTiming } from './phases.js';
import { REPORTS, type ReportName } from './reports.js';

export const RESULTS_SCHEMA = 1;

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

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export interface ImportFigure {
  engine: Engine;
  format: Format;
  rows: number;
  truenorth: Stats;
  baseline: Stats | null;
  /** baseline rate ÷ truenorth rate: how many times longer truenorth takes (> 1 = slower than the baseline). */
  ratio: number | null;
  max_rss_mb: number;
  baseline_max_rss_mb: number | null;
}

export interface HttpFigure {
  batch: number;
  concurrency: number;
  events: number;
  events_per_second: Stats;
  p50_ms: Stats;
  p99_ms: Stats;
  baseline: { events_per_second: Stats; p50_ms: Stats; p99_ms: Stats } | null;
  ratio: number | null;
  max_rss_mb: number;
}

export interface ReportFigure {
  engine: Engine;
  report: ReportName;
  truenorth_ms: Stats;
  truenorth_first_ms: number;
  /** Repeated on unchanged data through the query cache (DuckDB), as the server answers it; null on ClickHouse. */
  truenorth_cached_ms: Stats | null;
  baseline_ms: Stats | null;
  baseline_first_ms: number | null;
  /** truenorth median ÷ baseline median. */
  ratio: number | null;
  agree: boolean | null;
  differences: string[];
  error?: string;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
  note?: string;
}

export interface BenchResults {
  schema: number;
  started_at: string;
  finished_at: string;
  scale: string;
  machine: { cpus: number; cpu_model: string; memory_gb: number; platform: string; node: string };
  load_average: { start: number[]; end: number[]; max_1min_seen: number };
  data: {
    events: number; signups: number; ndjson_bytes: number; parquet_rows: number; parquet_bytes: number; generated_seconds: number; cached: boolean;
    /** Set when the reports ran on copies of a smaller store: its scale, the copies, and the seconds copying took. */
    tiled?: { from_scale: string; copies: number; seconds: number | null };
  };
  settings: { engines: Engine[]; runs: number; import_runs: number; http_runs: number; http_events: number; http_batch: number; http_concurrency: number };
  import: ImportFigure[];
  http: HttpFigure | null;
  reports: ReportFigure[];
  reports_max_rss_mb: Partial<Record<Engine, number>>;
  targets: TargetCheck[];
  notes: string[];
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), runs: values.map(round) };
}

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

export async function runBench(o: BenchOptions): Promise<{ results: BenchResults; file: string }> {
  const started = new Date();
  maxLoad = 0;
  const loadStart = loadavg();
  sampleLoad();
  const notes: string[] = [];
  const copies = o.tile ?? 1;
  const baseScale = copies > 1 ? scaleName(parseScale(o.scale) / copies) : o.scale;
  const data = await prepareData(o.dataDir, baseScale, o.log);
  const work = resolve(data.dir, 'work');
  mkdirSync(work, { recursive: true });
  const dbOf = (engine: Engine) => join(work, engine === 'duckdb' ? 'truenorth.duckdb' : 'truenorth.chdb');
  const tiledDb = resolve(o.dataDir, `${o.scale}-tiled`, 'truenorth.duckdb');
  let tiled: BenchResults['data']['tiled'];

  const imports: ImportFigure[] = [];
  if (o.phases.includes('import') || o.phases.includes('reports')) {
    for (const engine of o.engines) {
      for (const format of ['ndjson', 'parquet'] as const) {
        // The NDJSON import's first run is the database the reports run on (with the ledger and manual values).
        const keep = format === 'ndjson';
        const runs = o.phases.includes('import') ? o.importRuns : keep ? 1 : 0;
        if (runs === 0) continue;
        if (!o.phases.includes('import') && existsSync(dbOf(engine))) {
          o.log(`reports only: reusing ${dbOf(engine)} from an earlier run (delete it to import again)`);
          continue;
        }
        if (format === 'parquet') await ensureParquet(data, o.engines.includes('duckdb') ? dbOf('duckdb') : undefined, o.log);
        const file = format === 'ndjson' ? data.ndjson : data.parquet;
        const tn: (ImportResult & { max_rss_mb: number })[] = [];
        for (let i = 0; i < runs; i++) {
          o.log(`import ${format} → ${engine} (truenorth), run ${i + 1} of ${runs} …`);
          const db = keep && i === 0 ? dbOf(engine) : join(work, `import-${engine}-${format}`);
          const r = await runChild(o.self, { kind: 'import', engine, format, file, db, ...(keep && i === 0 ? { subscriptions: data.subscriptions, manual: data.manual } : {}) }) as ImportResult & { max_rss_mb: number };
          if (!(keep && i === 0)) rmSync(db, { recursive: true, force: true });
          rmSync(`${db}.wal`, { force: true });
          tn.push(r);
          o.log(`  ${Math.round(r.rows_per_second).toLocaleString('en-US')} rows/s (${r.rows.toLocaleString('en-US')} in ${r.seconds.toFixed(1)} s), peak RSS ${r.max_rss_mb} MB`);
        }
        const base: (ImportResult & { max_rss_mb: number })[] = [];
        if (o.phases.includes('import')) {
          for (let i = 0; i < runs; i++) {
            o.log(`import ${format} → ${engine} (baseline: the engine's own bulk load), run ${i + 1} of ${runs} …`);
            const db = join(work, `baseline-${engine}-${format}`);
            try {
              const r = await runChild(o.self, { kind: 'import-baseline', engine, format, file, db }) as ImportResult & { max_rss_mb: number };
              base.push(r);
              o.log(`  ${Math.round(r.rows_per_second).toLocaleString('en-US')} rows/s`);
            } catch (e) {
              notes.push(`import baseline ${format} → ${engine} failed: ${(e as Error).message}`);
              break;
            } finally {
              rmSync(db, { recursive: true, force: true });
              rmSync(`${db}.wal`, { force: true });
            }
          }
          const t = stats(tn.map((r) => r.rows_per_second));
          const b = base.length ? stats(base.map((r) => r.rows_per_second)) : null;
          imports.push({
            engine, format, rows: tn[0].rows, truenorth: t, baseline: b, ratio: b ? round2(b.median / t.median) : null,
            max_rss_mb: Math.max(...tn.map((r) => r.max_rss_mb)), baseline_max_rss_mb: base.length ? Math.max(...base.map((r) => r.max_rss_mb)) : null,
          });
        }
      }
    }
  }

  let http: HttpFigure | null = null;
  if (o.phases.includes('http')) {
    if (!o.engines.includes('duckdb')) notes.push('HTTP ingestion writes to the DuckDB store (the server has no ClickHouse writer); measured only with --engine duckdb or both.');
    else {
      const dir = join(work, 'http');
      const common = { events: o.httpEvents, batch: o.httpBatch, concurrency: o.httpConcurrency, dir };
      const tn: (HttpResult & { max_rss_mb: number })[] = [];
      const base: (HttpResult & { max_rss_mb: number })[] = [];
      for (let i = 0; i < o.httpRuns; i++) {
        o.log(`HTTP ingestion, ${o.httpEvents.toLocaleString('en-US')} events, batch ${o.httpBatch}, ${o.httpConcurrency} clients, run ${i + 1} of ${o.httpRuns} …`);
        const r = await runChild(o.self, { kind: 'http', ...common }) as HttpResult & { max_rss_mb: number };
        rmSync(dir, { recursive: true, force: true });
        if (r.stored !== r.events) notes.push(`HTTP run ${i + 1}: ${r.stored} of ${r.events} acknowledged events were stored`);
        tn.push(r);
        o.log(`  truenorth ${Math.round(r.events_per_second).toLocaleString('en-US')} events/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
        const b = await runChild(o.self, { kind: 'http-baseline', ...common }) as HttpResult & { max_rss_mb: number };
        rmSync(dir, { recursive: true, force: true });
        base.push(b);
        o.log(`  baseline  ${Math.round(b.events_per_second).toLocaleString('en-US')} events/s, p50 ${b.p50_ms} ms, p99 ${b.p99_ms} ms`);
      }
      const eps = stats(tn.map((r) => r.events_per_second));
      const beps = stats(base.map((r) => r.events_per_second));
      http = {
        batch: o.httpBatch, concurrency: o.httpConcurrency, events: o.httpEvents,
        events_per_second: eps, p50_ms: stats(tn.map((r) => r.p50_ms)), p99_ms: stats(tn.map((r) => r.p99_ms)),
        baseline: { events_per_second: beps, p50_ms: stats(base.map((r) => r.p50_ms)), p99_ms: stats(base.map((r) => r.p99_ms)) },
        ratio: round2(beps.median / eps.median),
        max_rss_mb: Math.max(...tn.map((r) => r.max_rss_mb)),
      };
    }
  }

  if (copies > 1) {
    tiled = { from_scale: baseScale, copies, seconds: null };
    if (existsSync(tiledDb)) o.log(`reusing ${tiledDb} (${copies} copies of the ${baseScale} store; delete it to copy again)`);
    else {
      o.log(`copying the ${baseScale} store ${copies} times into ${tiledDb} …`);
      const r = await runChild(o.self, { kind: 'tile', source: dbOf('duckdb'), db: tiledDb, copies }) as Extract<PhaseResult, { kind: 'tile' }>;
      tiled.seconds = Math.round(r.seconds);
      o.log(`  ${r.events.toLocaleString('en-US')} events in ${r.seconds.toFixed(0)} s, peak RSS ${r.max_rss_mb} MB`);
    }
  }

  const reports: ReportFigure[] = [];
  const reportsRss: Partial<Record<Engine, number>> = {};
  if (o.phases.includes('reports')) {
    for (const engine of o.engines) {
      o.log(`reports on ${engine}: ${o.reports.join(', ')} (first run, then ${o.runs} timed runs each, interleaved with the baseline) …`);
      const r = await runChild(o.self, { kind: 'reports', engine, db: copies > 1 ? tiledDb : dbOf(engine), config: data.config, runs: o.runs, reports: o.reports }) as Extract<PhaseResult, { kind: 'reports' }>;
      reportsRss[engine] = r.max_rss_mb;
      if (r.baseline_note) notes.push(`${engine}: no baseline: ${r.baseline_note}`);
      for (const t of r.reports) reports.push(reportFigure(engine, t));
      for (const f of reports.filter((x) => x.engine === engine)) {
        o.log(`  ${f.report.padEnd(10)} ${fmtMs(f.truenorth_ms.median)} vs baseline ${f.baseline_ms ? fmtMs(f.baseline_ms.median) : '—'}${f.ratio !== null ? ` (${f.ratio}×)` : ''} ${f.agree === null ? '' : f.agree ? '✓' : '✗ ' + f.differences.slice(0, 2).join('; ')}${f.error ? ` error: ${f.error}` : ''}`);
      }
    }
  }

  const results: BenchResults = {
    schema: RESULTS_SCHEMA,
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    scale: o.scale,
    machine: {
      cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30),
      platform: `${platform()} ${release()}`, node: process.version,
    },
    load_average: { start: loadStart.map(r2), end: loadavg().map(r2), max_1min_seen: r2(maxLoad) },
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
    reports_max_rss_mb: reportsRss,
    targets: [],
    notes,
  };
  results.targets = checkTargets(results, data.events * copies);
  if (maxLoad > 1.2) notes.push(`the machine was busy: the 1-minute load average reached ${r2(maxLoad)} during the run (figures are slower than on a quiet machine)`);
  mkdirSync(o.resultsDir, { recursive: true });
  const file = join(o.resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}-${o.scale}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return { results, file };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const round2 = r2;

function reportFigure(engine: Engine, t: ReportTiming): ReportFigure {
  const tn = stats(t.truenorth_ms);
  const base = t.baseline_ms.length ? stats(t.baseline_ms) : null;
  return {
    engine, report: t.report, truenorth_ms: tn, truenorth_first_ms: Math.round(t.truenorth_first_ms),
    truenorth_cached_ms: t.truenorth_cached_ms?.length ? stats(t.truenorth_cached_ms) : null,
    baseline_ms: base, baseline_first_ms: t.baseline_first_ms === null ? null : Math.round(t.baseline_first_ms),
    ratio: base && base.median > 0 ? r2(tn.median / base.median) : null,
    agree: t.agreement ? t.agreement.agree : null,
    differences: t.agreement?.differences ?? [],
    ...(t.error ? { error: t.error } : {}),
  };
}

function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** The targets of the performance issue, checked against this run (the event-count ones only at their scale). */
function checkTargets(r: BenchResults, events: number): TargetCheck[] {
  const out: TargetCheck[] = [];
  const at = (n: number) => events >= n * 0.9;
  const scorecard = r.reports.find((x) => x.engine === 'duckdb' && x.report === 'scorecard');
  if (scorecard) {
    const limit = at(1e8) ? 10_000 : 1_000;
    const label = at(1e8) ? '100 M events: full scorecard ≤ 10 s (DuckDB)' : '10 M events: full scorecard ≤ 1 s (DuckDB)';
    out.push({
      target: label, measured: fmtMs(scorecard.truenorth_ms.median),
      met: at(1e7) ? scorecard.truenorth_ms.median <= limit : null,
      ...(at(1e7) ? {} : { note: `checked at 10 M events; this run has ${(events / 1e6).toFixed(1)} M` }),
    });
    if (scorecard.truenorth_cached_ms) {
      out.push({
        target: `${label}, repeated on unchanged data (query cache)`, measured: fmtMs(scorecard.truenorth_cached_ms.median),
        met: at(1e7) ? scorecard.truenorth_cached_ms.median <= limit : null,
        ...(at(1e7) ? {} : { note: 'checked at 10 M events' }),
      });
    }
  }
  for (const f of r.reports) {
    if (f.ratio === null) continue;
    out.push({ target: `${f.report} ≤ 1.3× the hand-written baseline (${f.engine})`, measured: `${f.ratio}×`, met: f.ratio <= 1.3 });
  }
  if (at(1e8)) {
    const rss = Math.max(0, ...Object.values(r.reports_max_rss_mb), ...r.import.map((i) => i.max_rss_mb));
    out.push({ target: '100 M events: peak RSS ≤ 4 GB', measured: `${(rss / 1024).toFixed(2)} GB`, met: rss <= 4096 });
  }
  for (const i of r.import) {
    const limit = i.format === 'parquet' ? 1_000_000 : 300_000;
    out.push({
      target: `bulk import ${i.format === 'parquet' ? 'Parquet ≥ 1 M' : 'NDJSON ≥ 300 k'} events/s (${i.engine})`,
      measured: `${Math.round(i.truenorth.median).toLocaleString('en-US')}/s`, met: i.truenorth.median >= limit,
    });
  }
  if (r.http) {
    out.push({ target: `HTTP ingestion, durable acks, batch ${r.http.batch}: ≥ 100 k events/s`, measured: `${Math.round(r.http.events_per_second.median).toLocaleString('en-US')}/s`, met: r.http.events_per_second.median >= 100_000 });
    out.push({ target: `HTTP ingestion, batch ${r.http.batch}: p99 ≤ 50 ms`, measured: `${r.http.p99_ms.median} ms`, met: r.http.p99_ms.median <= 50 });
  }
  return out;
}

export { fmtMs, REPORTS };
