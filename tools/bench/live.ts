/**
 * `bench --live`: the dashboard while events stream in. On the demo company of the chosen scale
 * (the bench's data and its DuckDB import, reused when an earlier run made it), a copy of the store is
 * served by the real server in a child process; HTTP ingestion runs at a steady rate while the
 * dashboard's reads (scorecard, North Star, funnel, retention) run once a second. Reports p50/p95 of
 * each read and checks every answer for read-your-writes (live-traffic.ts).
 */
import { fork } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, integer } from '../../src/cli/output.js';
import { parseScale, prepareData, scaleName } from './data.js';
import { fresh } from './phase-protocol.js';
import { runLive, type LiveIngest, type LiveReadFigure } from './live-run.js';
import type { LiveServerMessage, LiveServerPlan, LiveWrites } from './live-server.js';
import { LIVE_AS_OF, LIVE_READS, LIVE_WEEK, type LiveRead } from './live-traffic.js';
import { RESULTS_SCHEMA, round2 } from './results.js';
import { machine, runChild } from './run.js';

const LIVE_SERVER = fileURLToPath(new URL('./live-server.ts', import.meta.url));

export interface LiveOptions {
  scale: string;
  rate: number;
  seconds: number;
  dataDir: string;
  resultsDir: string;
  log: (line: string) => void;
  /** argv that runs the bench (the import is `… phase <json>`). */
  self: string[];
  /** Serve n copies of the store of scale ÷ n (tile.ts) instead of an import of this scale. */
  tile?: number;
  /** The dashboard's reads to run (all when absent). */
  reads?: readonly LiveRead['name'][];
}

export interface LiveResults {
  schema: number;
  kind: 'live';
  started_at: string;
  finished_at: string;
  scale: string;
  machine: ReturnType<typeof machine>;
  load_average: { start: number[]; end: number[] };
  data: { events: number; signups: number; tiled_copies?: number };
  settings: { rate: number; seconds: number; as_of: string; live_week: string };
  ingest: LiveIngest;
  reads: LiveReadFigure[];
  /** Every answer counted the events acknowledged before it was asked for. */
  read_your_writes: boolean;
  server_max_rss_mb: number;
  /**
   * The first server, which built the live state of the copy, answered each read once (`reads_ms`,
   * per path: nothing kept yet) and stopped; the measured one started after it, on what it kept.
   */
  state_build: { ms: number; max_rss_mb: number; reads_ms: Record<string, number> };
  /** The first write after the measured server opened the store (it loads the dedupe index), made before the run. */
  first_write_ms: number;
  /** The server's group commits (ingestion's and the key's) over the run. */
  server_writes: LiveWrites | null;
}

/** The imported DuckDB store of the scale (imported now unless an earlier run left it), copied for this run. */
async function liveStore(o: LiveOptions, work: string, data: Awaited<ReturnType<typeof prepareData>>): Promise<string> {
  let imported = join(work, 'truenorth.duckdb');
  if (existsSync(imported)) o.log(`reusing ${imported} from an earlier run (delete it to import again)`);
  else {
    o.log(`import ndjson → duckdb (the store the live server serves) …`);
    await runChild(o.self, { kind: 'import', engine: 'duckdb', format: 'ndjson', file: data.ndjson, db: imported, subscriptions: data.subscriptions, manual: data.manual });
  }
  if (o.tile) imported = await tiledStore(o, o.tile, imported);
  const live = join(work, 'live.duckdb');
  fresh(live);
  copyFileSync(imported, live);
  if (existsSync(`${imported}.wal`)) copyFileSync(`${imported}.wal`, `${live}.wal`);
  return live;
}

/** The same store as `bench --scale … --tile n --only reports` reads (made now unless an earlier run left it). */
async function tiledStore(o: LiveOptions, copies: number, source: string): Promise<string> {
  const tiled = resolve(o.dataDir, `${o.scale}-tiled`, 'truenorth.duckdb');
  if (existsSync(tiled)) {
    o.log(`reusing ${tiled} (${copies} copies; delete it to copy again)`);
    return tiled;
  }
  mkdirSync(dirname(tiled), { recursive: true });
  o.log(`copying the store ${copies} times into ${tiled} …`);
  await runChild(o.self, { kind: 'tile', source, db: tiled, copies });
  return tiled;
}

/** The server in a child process; resolves once it listens. */
function startServer(plan: LiveServerPlan) {
  const child = fork(LIVE_SERVER, [JSON.stringify(plan)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<LiveServerMessage>((ok, fail) => {
    const onExit = (code: number | null) => fail(new Error(`the live server exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m: LiveServerMessage) => {
      child.off('exit', onExit);
      if (m.kind === 'error') fail(new Error(`live server: ${m.message}`));
      else ok(m);
    });
  });
  return { child, next };
}

export async function runLiveBench(o: LiveOptions): Promise<{ results: LiveResults; file: string }> {
  const started = new Date();
  const loadStart = loadavg();
  const copies = o.tile ?? 1;
  const data = await prepareData(o.dataDir, copies > 1 ? scaleName(parseScale(o.scale) / copies) : o.scale, o.log);
  const work = resolve(data.dir, 'work');
  mkdirSync(work, { recursive: true });
  const db = await liveStore(o, work, data);
  const warmReads = LIVE_READS.filter((r) => !o.reads || o.reads.includes(r.name)).map((r) => `${r.path}?as_of=${encodeURIComponent(LIVE_AS_OF)}`);
  const build = startServer({ db, config: data.config, buildOnly: true, warmReads });
  const built = await build.next();
  if (built.kind !== 'built') throw new Error('the live state was not built');
  o.log(`live state built in ${(built.ms / 1000).toFixed(1)} s (peak RSS ${built.max_rss_mb} MB), each read answered once; the server starts again on it`);
  const server = startServer({ db, config: data.config });
  let rss = 0;
  let firstWriteMs = 0;
  let writes: LiveWrites | null = null;
  let measured: Awaited<ReturnType<typeof runLive>>;
  try {
    const ready = await server.next();
    if (ready.kind !== 'ready') throw new Error('the live server did not start');
    firstWriteMs = ready.first_write_ms;
    o.log(`first write (loads the dedupe index of the stored ids): ${(firstWriteMs / 1000).toFixed(1)} s`);
    o.log(`live: ${integer(o.rate)} events/s for ${o.seconds} s into ${ready.url}, the dashboard's reads once a second …`);
    measured = await runLive({ url: ready.url, key: ready.key, senders: ready.senders, rate: o.rate, seconds: o.seconds, runId: started.getTime().toString(36), reads: o.reads }, o.log);
    const stopping = server.next();
    server.child.send('stop');
    const stopped = await stopping;
    if (stopped.kind === 'stopped') ({ max_rss_mb: rss, writes } = stopped);
  } finally {
    if (server.child.exitCode === null) server.child.kill();
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
  }
  const results: LiveResults = {
    schema: RESULTS_SCHEMA, kind: 'live', started_at: started.toISOString(), finished_at: new Date().toISOString(), scale: o.scale,
    machine: machine(), load_average: { start: loadStart.map(round2), end: loadavg().map(round2) },
    data: { events: data.events * copies, signups: data.signups * copies, ...(copies > 1 ? { tiled_copies: copies } : {}) },
    settings: { rate: o.rate, seconds: o.seconds, as_of: LIVE_AS_OF, live_week: LIVE_WEEK },
    ingest: measured.ingest, reads: measured.reads,
    read_your_writes: measured.reads.every((r) => r.failed === 0),
    server_max_rss_mb: rss, server_writes: writes,
    state_build: { ms: built.ms, max_rss_mb: built.max_rss_mb, reads_ms: built.reads_ms }, first_write_ms: firstWriteMs,
  };
  mkdirSync(o.resultsDir, { recursive: true });
  const file = join(o.resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}-${o.scale}-live.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return { results, file };
}

export function printLive(r: LiveResults): void {
  console.log(`truenorth bench --live, ${r.scale}: ${r.data.events.toLocaleString('en-US')} messages, ${r.machine.cpus} cores; ${integer(r.settings.rate)} events/s for ${r.settings.seconds} s, reads as of ${r.settings.as_of}; 1-min load ${r.load_average.start[0]} at start, ${r.load_average.end[0]} at end\n`);
  console.log(`Ingestion: ${integer(r.ingest.events_acked)} of ${integer(r.ingest.events_sent)} events acknowledged, ${integer(r.ingest.events_per_second)}/s, request p50 ${r.ingest.p50_ms} ms, p99 ${r.ingest.p99_ms} ms${r.ingest.retried ? `, ${r.ingest.retried} retried` : ''}; server peak RSS ${r.server_max_rss_mb} MB; live state built before in ${(r.state_build.ms / 1000).toFixed(1)} s, first write ${(r.first_write_ms / 1000).toFixed(1)} s${r.server_writes ? `; ${integer(r.server_writes.commits)} commits, the longest ${r.server_writes.max_commit_ms} ms` : ''}\n`);
  console.log('Dashboard reads while ingesting (latency)');
  const header = ['read', 'first, nothing kept', 'first after a restart', 'requests', 'p50', 'p95', 'max', 'after a write: n', 'p50', 'p95', 'read-your-writes'];
  console.log(formatTable(header, r.reads.map((f) => [
    `GET ${f.path}`, r.state_build.reads_ms?.[f.path] === undefined ? '' : `${r.state_build.reads_ms[f.path]} ms`, `${f.first_ms} ms`, f.requests, `${f.p50_ms} ms`, `${f.p95_ms} ms`, `${f.max_ms} ms`,
    f.after_write.requests, `${f.after_write.p50_ms} ms`, `${f.after_write.p95_ms} ms`,
    f.failed === 0 ? `✓ ${f.checked} answers` : `✗ ${f.failed} of ${f.checked}: ${f.failures[0]}`,
  ])));
}
