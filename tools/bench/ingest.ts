import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { TruenorthServer } from '../../src/server/app.js';
import { createKey } from '../../src/server/keys.js';
import type { LoadMessage, LoadPlan } from './load-client.js';
import { duckDbControl } from '../../src/engine/duckdb/control.js';
import type { EventsInsert } from '../../src/engine/ingest/writer.js';

/** Run with the same loader as this process (`node --import tsx`), like the bench's phases. */
const LOAD_CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));

/**
 * `truenorth bench ingest`: HTTP ingestion with durable acks. A server on 127.0.0.1 (the real one:
 * auth, validation, group commit, fsync) and a load generator in a child process (load-client.ts)
 * that sends Segment batches over keep-alive connections, `concurrency` requests in flight. Every
 * 2xx counted was committed to disk before it was sent; at the end the stored count is checked.
 */
export interface IngestBenchOptions {
  events: number;
  batch: number;
  concurrency: number;
  /** Directory for the database (default: a new temporary directory, removed afterwards). */
  dir?: string;
  /** The server's parse threads (default: the server's own; 0 parses every request on the writing thread). */
  parseThreads?: number;
  /** How the server inserts events (writer.ts, EventsInsert; default: the server's own). */
  eventsInsert?: EventsInsert;
  onProgress?: (done: number, total: number) => void;
}

export interface IngestBenchResult {
  events: number;
  batch: number;
  concurrency: number;
  cores: number;
  seconds: number;
  events_per_second: number;
  requests: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  retried: number;
  stored: number;
  flushes: number;
  avg_events_per_flush: number;
  /** Share of the wall time the write loop spent in transactions. */
  write_busy: number;
  /** CPU time of the server's process (every thread: requests, parsing, the database) per 1,000 events, ms. */
  cpu_ms_per_1k_events: number;
}

export interface LoadResult {
  seconds: number;
  /** Per request, ms from sending to the complete 200 response. */
  latencies: number[];
  retried: number;
}

/**
 * The load generator alone: `events` Segment track messages in `/v1/batch` requests of `batch`,
 * `concurrency` in flight over keep-alive connections to `url`, from a child process. Also used by
 * the full bench against a bare server, as the baseline.
 */
export function sendLoad(url: string, token: string, options: Pick<IngestBenchOptions, 'events' | 'batch' | 'concurrency' | 'onProgress'>): Promise<LoadResult> {
  const plan: LoadPlan = { url, key: token, events: options.events, batch: options.batch, concurrency: options.concurrency };
  return new Promise<LoadResult>((resolve, reject) => {
    const child = fork(LOAD_CLIENT, [JSON.stringify(plan)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | undefined;
    child.on('message', (m: LoadMessage) => {
      if (m.kind === 'progress') options.onProgress?.(m.sent, options.events);
      else if (m.kind === 'error') reject(new Error(`load generator: ${m.message}`));
      else result = { seconds: m.seconds, latencies: m.latencies, retried: m.retried };
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`load generator exited with ${code} before it finished`));
    });
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function benchIngest(options: IngestBenchOptions): Promise<IngestBenchResult> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'truenorth-bench-'));
  const store = await DuckDbStore.open(join(dir, `bench-${process.pid}-${Date.now()}.duckdb`));
  let server: TruenorthServer | undefined;
  try {
    const key = await store.transaction(() => createKey(duckDbControl(store).keys, 'write', 'bench'));
    server = await TruenorthServer.create({
      store, host: '127.0.0.1', port: 0, logger: false, rateLimit: { perSecond: 0 },
      queue: { maxPending: Math.max(100_000, options.batch * options.concurrency * 2), eventsInsert: options.eventsInsert },
      ...(options.parseThreads === undefined ? {} : { parsing: { threads: options.parseThreads } }),
    });
    const url = await server.listen();
    const cpu = process.cpuUsage();
    const result = await sendLoad(url, key.token, options);
    const used = process.cpuUsage(cpu);
    const stats = { ...server.queue.stats };
    await server.close();
    const stored = (await store.all<{ n: number }>(`SELECT count(*) AS n FROM events WHERE id LIKE 'bench-%'`))[0].n;
    const sorted = [...result.latencies].sort((a, b) => a - b);
    const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      events: options.events,
      batch: options.batch,
      concurrency: options.concurrency,
      cores: availableParallelism(),
      seconds: round(result.seconds, 2),
      events_per_second: Math.round(options.events / result.seconds),
      requests: sorted.length,
      p50_ms: round(percentile(sorted, 50)),
      p99_ms: round(percentile(sorted, 99)),
      max_ms: round(sorted[sorted.length - 1] ?? 0),
      retried: result.retried,
      stored,
      flushes: stats.flushes,
      avg_events_per_flush: stats.flushes ? Math.round(stats.committed / stats.flushes) : 0,
      write_busy: round(stats.busyMs / 1000 / result.seconds, 2),
      cpu_ms_per_1k_events: round((used.user + used.system) / 1000 / (options.events / 1000), 2),
    };
  } finally {
    await server?.close().catch(() => {});
    await store.close();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}
