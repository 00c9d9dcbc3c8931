import type { Command } from 'commander';
import { formatTable, integer, printJson } from '../../src/cli/output.js';
import { InputError } from '../../src/errors.js';
import { parseScale } from './data.js';
import { RESULT_MARK, type Engine, type PhaseSpec } from './phase-protocol.js';
import { runPhase } from './phases.js';
import { REPORTS, type ReportName } from './entries.js';
import { fmtMs, type BenchResults, type Stats } from './results.js';
import { runBench } from './run.js';
import { printLive, runLiveBench } from './live.js';
import { LIVE_READS, type LiveRead } from './live-traffic.js';
import { wholeNumber } from '../../src/model/whole-number.js';

interface SuiteFlags {
  scale: string;
  runs: string;
  importRuns?: string;
  httpRuns: string;
  tile?: string;
  httpEvents: string;
  only?: string;
  reports?: string;
  data: string;
  out: string;
  json?: boolean;
  live?: boolean;
  rate: string;
  seconds: string;
  liveReads?: string;
}

async function chdbInstalled(): Promise<boolean> {
  const name = 'chdb';
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * `bench [--scale 1m|10m|100m] [--engine duckdb|clickhouse|both] [--json]` (the default command) and
 * the internal `bench phase` that runs one measured phase in a child process.
 */
export function registerBenchSuite(bench: Command): void {
  bench
    .command('run', { isDefault: true })
    .description('the full benchmark: bulk import, HTTP ingestion, every report on each engine, each against a hand-written baseline (--engine duckdb|clickhouse|both, default both)')
    .option('--scale <n>', 'events in the generated demo company: 1m, 10m, 100m (or e.g. 200k)', '1m')
    .option('--runs <n>', 'timed runs per report, after a first run', '5')
    .option('--import-runs <n>', 'runs of each import (default 3 up to 1m events, else 1)')
    .option('--http-runs <n>', 'runs of the HTTP ingestion test', '3')
    .option('--http-events <n>', 'events sent per HTTP run', '200000')
    .option('--only <phases>', 'some of import,http,reports (comma-separated)')
    .option('--reports <names>', `some of ${REPORTS.join(',')}`)
    .option('--tile <n>', 'time the reports (or --live) on n copies of the store of scale ÷ n (DuckDB), e.g. --scale 100m --tile 10')
    .option('--data <dir>', 'where generated data is cached', 'bench-data')
    .option('--out <dir>', 'where results are written as JSON', 'bench-results')
    .option('--json', 'print the results as JSON')
    .option('--live', 'instead: the dashboard\'s reads once a second while HTTP ingestion runs at --rate for --seconds (DuckDB), with read-your-writes checked')
    .option('--rate <n>', 'with --live: events sent per second', '1000')
    .option('--seconds <n>', 'with --live: how long', '60')
    .option('--live-reads <names>', `with --live: the dashboard's reads to run (${LIVE_READS.map((r) => r.name).join(',')})`)
    .action(async (flags: SuiteFlags, command: Command) => {
      const events = parseScale(flags.scale);
      if (flags.live) return live(flags, String(command.optsWithGlobals().engine ?? 'both'));
      const engine = String(command.optsWithGlobals().engine ?? 'both');
      let engines: Engine[];
      if (engine === 'both') engines = (await chdbInstalled()) ? ['duckdb', 'clickhouse'] : ['duckdb'];
      else if (engine === 'duckdb' || engine === 'clickhouse') engines = [engine];
      else throw new InputError(`--engine: expected duckdb, clickhouse or both, got ${JSON.stringify(engine)}`);
      const tile = flags.tile ? wholeNumber(flags.tile, '--tile', 2, 1000) : undefined;
      if (tile && (engines.includes('clickhouse') || (flags.only ?? '') !== 'reports')) {
        throw new InputError('--tile: copies a DuckDB store for the reports; use it with --engine duckdb --only reports');
      }
      const phases = (flags.only ?? 'import,http,reports').split(',').map((p) => p.trim());
      for (const p of phases) if (!['import', 'http', 'reports'].includes(p)) throw new InputError(`--only: expected import, http or reports, got ${JSON.stringify(p)}`);
      const reports: ReportName[] = (flags.reports ?? REPORTS.join(',')).split(',').map((r) => r.trim());
      for (const r of reports) if (!REPORTS.includes(r)) throw new InputError(`--reports: expected some of ${REPORTS.join(', ')}, got ${JSON.stringify(r)}`);
      const log = (line: string) => process.stderr.write(`${line}\n`);
      if (engine === 'both' && !engines.includes('clickhouse')) log('chdb is not installed: measuring DuckDB only (npm install chdb adds the embedded ClickHouse engine)');
      const { results, file } = await runBench({
        scale: flags.scale.toLowerCase(), engines,
        runs: wholeNumber(flags.runs, '--runs', 1, 100),
        importRuns: flags.importRuns ? wholeNumber(flags.importRuns, '--import-runs', 1, 20) : events <= 1.5e6 ? 3 : 1,
        httpRuns: wholeNumber(flags.httpRuns, '--http-runs', 1, 20),
        httpEvents: wholeNumber(flags.httpEvents, '--http-events', 1000, 100_000_000),
        httpBatch: 100, httpConcurrency: 16,
        dataDir: flags.data, resultsDir: flags.out,
        phases: phases as ('import' | 'http' | 'reports')[], reports, log, tile,
        self: [process.execPath, ...process.execArgv, process.argv[1]],
      });
      if (flags.json) printJson(results);
      else printResults(results);
      log(`results written to ${file}`);
    });

  bench
    .command('phase <spec>', { hidden: true })
    .description('internal: one measured phase, in its own process')
    .action(async (text: string) => {
      const result = await runPhase(JSON.parse(text) as PhaseSpec);
      process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
    });
}

export function liveReads(text: string): LiveRead['name'][] {
  const names = LIVE_READS.map((r) => r.name) as string[];
  const asked = text.split(',').map((r) => r.trim());
  for (const r of asked) if (!names.includes(r)) throw new InputError(`--live-reads: expected some of ${names.join(', ')}, got ${JSON.stringify(r)}`);
  return asked as LiveRead['name'][];
}

async function live(flags: SuiteFlags, engine: string): Promise<void> {
  if (engine === 'clickhouse') throw new InputError('--live: the server ingests into DuckDB; use --engine duckdb (or both)');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const { results, file } = await runLiveBench({
    scale: flags.scale.toLowerCase(), dataDir: flags.data, resultsDir: flags.out, log,
    rate: wholeNumber(flags.rate, '--rate', 1, 1_000_000), seconds: wholeNumber(flags.seconds, '--seconds', 1, 86_400),
    tile: flags.tile ? wholeNumber(flags.tile, '--tile', 2, 1000) : undefined,
    reads: flags.liveReads ? liveReads(flags.liveReads) : undefined,
    self: [process.execPath, ...process.execArgv, process.argv[1]],
  });
  if (flags.json) printJson(results);
  else printLive(results);
  log(`results written to ${file}`);
  if (!results.read_your_writes) throw new InputError('an answer did not include the events acknowledged before it was asked for');
}

const range = (s: Stats, f: (x: number) => string) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const rate = (x: number) => integer(x) ?? '—';

export function printResults(r: BenchResults): void {
  console.log(`truenorth bench, ${r.scale}: ${r.data.events.toLocaleString('en-US')} messages (${r.data.signups.toLocaleString('en-US')} signups), ${r.machine.cpus} cores, ${r.machine.memory_gb} GiB, ${r.machine.cpu_model}`);
  console.log(`medians of the runs, (min–max); ratio = truenorth ÷ baseline cost (1 = as fast as the hand-written baseline), cold runs; cached = repeated on unchanged data through the query cache; 1-min load ${r.load_average.start[0]} at start, up to ${r.load_average.max_1min_seen}\n`);
  if (r.import.length) {
    console.log('Bulk import (events/s)');
    console.log(formatTable(['engine', 'format', 'rows', 'truenorth', 'baseline (engine bulk load)', 'ratio', 'peak RSS'], r.import.map((i) => [
      i.engine, i.format, integer(i.rows), range(i.truenorth, rate), i.baseline ? range(i.baseline, rate) : '—', i.ratio === null ? '—' : `${i.ratio}×`, `${i.max_rss_mb} MB`,
    ])));
    console.log('');
  }
  if (r.http) {
    const h = r.http;
    console.log(`HTTP ingestion, durable acks: batch ${h.batch}, ${h.concurrency} clients, ${integer(h.events)} events a run`);
    console.log(formatTable(['server', 'events/s', 'p50 ms', 'p99 ms', 'ratio', 'peak RSS'], [
      ['truenorth', range(h.events_per_second, rate), range(h.p50_ms, String), range(h.p99_ms, String), h.ratio === null ? '—' : `${h.ratio}×`, `${h.max_rss_mb} MB`],
      ...(h.baseline ? [['bare node:http + fsync', range(h.baseline.events_per_second, rate), range(h.baseline.p50_ms, String), range(h.baseline.p99_ms, String), '1×', '—']] : []),
    ]));
    console.log('');
  }
  if (r.reports.length) {
    console.log('Reports (latency)');
    console.log(formatTable(['engine', 'report', 'truenorth', 'first run', 'cached', 'baseline (plain SQL)', 'ratio', 'same numbers'], r.reports.map((f) => [
      f.engine, f.report, f.truenorth_ms.runs.length ? range(f.truenorth_ms, fmtMs) : '—', f.error && !f.truenorth_ms.runs.length ? '—' : fmtMs(f.truenorth_first_ms), f.truenorth_cached_ms ? fmtMs(f.truenorth_cached_ms.median) : '—', f.baseline_ms ? range(f.baseline_ms, fmtMs) : '—',
      f.ratio === null ? '—' : `${f.ratio}×`, f.error ? `error: ${f.error}` : f.agree === null ? '—' : f.agree ? '✓' : `✗ ${f.differences.slice(0, 2).join('; ')}`,
    ])));
    console.log(`peak RSS of the reports phase: ${Object.entries(r.reports_max_rss_mb).map(([e, mb]) => `${e} ${mb} MB`).join(', ')}\n`);
  }
  if (r.targets.length) {
    console.log('Targets');
    console.log(formatTable(['target', 'measured', 'met'], r.targets.map((t) => [t.target, t.measured, t.met === null ? `— (${t.note ?? 'not at this scale'})` : t.met ? '✓' : '✗'])));
  }
  for (const n of r.notes) console.log(`note: ${n}`);
}
