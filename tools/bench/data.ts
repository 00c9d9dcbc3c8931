import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateDemo, type DemoSummary } from '../../src/demo/index.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { exportEvents } from '../../src/engine/ingest/export-events.js';
import { importEvents } from '../../src/engine/ingest/import-events.js';
import { InputError } from '../../src/errors.js';

/**
 * Bench data: the demo company (src/demo) at a size that gives the asked number of events, generated
 * once per scale into `<dir>/<scale>/` and reused by later runs (delete the directory to regenerate).
 * The data is deterministic: fixed seed, fixed 16 weeks ending on a fixed Monday, so runs on different
 * days and machines measure the same rows.
 */
export const BENCH_SEED = 42;
export const BENCH_WEEKS = 16;
/** The data ends before this Monday; reports run "as of" noon that day. */
export const BENCH_END_DATE = '2026-11-16';
export const BENCH_AS_OF = Date.parse(`${BENCH_END_DATE}T12:00:00Z`);
/** Lines (messages) per signup in the demo company, measured: ~63.4 over 16 weeks. */
export const MESSAGES_PER_SIGNUP = 63.4;
/** Bumped when the data layout changes, so stale caches are regenerated. */
const DATA_VERSION = 1;

export interface BenchData {
  scale: string;
  dir: string;
  events: number;
  signups: number;
  ndjson: string;
  ndjsonBytes: number;
  parquet: string;
  parquetRows: number;
  parquetBytes: number;
  subscriptions: string;
  manual: string;
  config: string;
  /** Seconds the generation took when it ran (0 when the cache was used). */
  generatedSeconds: number;
  cached: boolean;
}

interface Manifest {
  version: number;
  scale: string;
  users: number;
  summary: Pick<DemoSummary, 'counts' | 'period' | 'bytes'>;
  parquet_rows: number;
  generated_seconds: number;
}

/** `1m`, `10m`, `100m`, or any `<n>k` / `<n>m`: the number of messages asked for. */
export function parseScale(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km])$/i.exec(text.trim());
  if (!m) throw new InputError(`--scale: expected 1m, 10m, 100m (or e.g. 200k), got ${JSON.stringify(text)}`);
  const n = Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : 1e6);
  if (n < 20_000 || n > 1e9) throw new InputError(`--scale: between 20k and 1000m events, got ${text}`);
  return n;
}

/** The inverse of parseScale: 10000000 → '10m', 200000 → '200k'. */
export function scaleName(events: number): string {
  return events >= 1e6 && events % 1e6 === 0 ? `${events / 1e6}m` : `${Math.round(events / 1e3)}k`;
}

export function usersForScale(events: number): number {
  return Math.max(320, Math.round(events / MESSAGES_PER_SIGNUP));
}

export async function prepareData(root: string, scale: string, log: (line: string) => void = () => {}): Promise<BenchData> {
  const events = parseScale(scale);
  const dir = resolve(root, scale.toLowerCase());
  const manifestPath = join(dir, 'manifest.json');
  let manifest: Manifest | undefined;
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (m.version === DATA_VERSION) manifest = m;
  }
  let cached = true;
  if (manifest && !existsSync(join(dir, 'events.ndjson'))) manifest = undefined;
  if (!manifest) {
    cached = false;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const users = usersForScale(events);
    log(`generating the demo company with ${users.toLocaleString('en-US')} signups (~${scale} messages) into ${dir} …`);
    const started = performance.now();
    let lastLog = started;
    const summary = await generateDemo({
      outDir: dir, users, seed: BENCH_SEED, weeks: BENCH_WEEKS, endDate: BENCH_END_DATE,
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - lastLog > 15_000) {
          lastLog = now;
          log(`  generated day ${done} of ${total}`);
        }
      },
    });
    const generatedSeconds = (performance.now() - started) / 1000;
    log(`  ${summary.counts.events.toLocaleString('en-US')} messages, ${(summary.bytes.events / 1e9).toFixed(2)} GB NDJSON in ${generatedSeconds.toFixed(0)} s`);
    manifest = {
      version: DATA_VERSION, scale, users,
      summary: { counts: summary.counts, period: summary.period, bytes: summary.bytes },
      parquet_rows: 0, generated_seconds: generatedSeconds,
    };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  }
  const parquet = join(dir, 'events.parquet');
  return {
    scale, dir,
    events: manifest.summary.counts.events,
    signups: manifest.summary.counts.signups,
    ndjson: join(dir, 'events.ndjson'),
    ndjsonBytes: statSync(join(dir, 'events.ndjson')).size,
    parquet,
    parquetRows: manifest.parquet_rows,
    parquetBytes: existsSync(parquet) ? statSync(parquet).size : 0,
    subscriptions: join(dir, 'subscriptions.csv'),
    manual: join(dir, 'manual.csv'),
    config: join(dir, 'truenorth.yaml'),
    generatedSeconds: cached ? 0 : manifest.generated_seconds,
    cached,
  };
}

/**
 * events.parquet: the tracked events as `truenorth export events` writes them, exported from a
 * DuckDB store that imported events.ndjson (the bench's own first import when there is one, else a
 * temporary one). Written once per scale.
 */
export async function ensureParquet(data: BenchData, fromDb?: string, log: (line: string) => void = () => {}): Promise<void> {
  if (existsSync(data.parquet) && data.parquetRows > 0) return;
  log(`writing ${data.parquet} (the events as \`truenorth export events\` writes them) …`);
  const tmp = join(data.dir, 'export.tmp.duckdb');
  const usable = fromDb !== undefined && existsSync(fromDb);
  if (!usable) {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.wal`, { force: true });
  }
  const store = await DuckDbStore.open(usable ? fromDb : tmp);
  try {
    if (!usable) await importEvents(store, data.ndjson);
    const n = await exportEvents(store, join(data.dir, 'events.tmp.parquet'), 'parquet');
    renameSync(join(data.dir, 'events.tmp.parquet'), data.parquet);
    data.parquetRows = n;
    data.parquetBytes = statSync(data.parquet).size;
    const manifestPath = join(data.dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    manifest.parquet_rows = n;
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  } finally {
    await store.close();
    if (!usable) {
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
    }
  }
}
