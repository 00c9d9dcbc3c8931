import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DuckDbStore } from '../engine/duckdb/database.js';
import { TruenorthServer } from './app.js';
import { createKey } from './keys.js';

/**
 * `truenorth bench ingest`: HTTP ingestion with durable acks. A server on 127.0.0.1 (the real one:
 * auth, validation, group commit, fsync) and a load generator in a worker thread that sends Segment
 * batches over keep-alive connections, `concurrency` requests in flight. Every 2xx counted was
 * committed to disk before it was sent; at the end the stored count is checked.
 */
export interface IngestBenchOptions {
  events: number;
  batch: number;
  concurrency: number;
  /** Directory for the database (default: a new temporary directory, removed afterwards). */
  dir?: string;
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
}

const CLIENT = `
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const { url, key, events, batch, concurrency } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const auth = 'Basic ' + Buffer.from(key + ':').toString('base64');
const target = new URL(url + '/v1/batch');
const base = Date.UTC(2026, 0, 5);
const requests = Math.ceil(events / batch);
const bodies = [];
for (let r = 0; r < requests; r++) {
  const items = [];
  for (let i = 0; i < batch && r * batch + i < events; i++) {
    const id = r * batch + i;
    items.push({ type: 'track', messageId: 'bench-' + id, userId: 'user-' + (id % 20000), event: id % 10 === 0 ? 'Workspace Created' : 'Message Sent',
      timestamp: new Date(base + id * 1000).toISOString(), context: { groupId: 'acct-' + (id % 2000) },
      properties: { channel: id % 3 === 0 ? 'general' : 'random', length: id % 280, plan: 'pro' } });
  }
  bodies.push(Buffer.from(JSON.stringify({ batch: items })));
}
function send(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: auth, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, retryAfter: Number(res.headers['retry-after'] || 1) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  const latencies = new Float64Array(requests);
  let next = 0, retried = 0, done = 0;
  const started = performance.now();
  async function lane() {
    while (next < requests) {
      const r = next++;
      for (;;) {
        const t = performance.now();
        const res = await send(bodies[r]);
        if (res.status === 200) { latencies[r] = performance.now() - t; break; }
        if (res.status === 429 || res.status === 503) { retried++; await new Promise((ok) => setTimeout(ok, 50)); continue; }
        throw new Error('unexpected status ' + res.status);
      }
      if (++done % 200 === 0) parentPort.postMessage({ progress: done * batch });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  parentPort.postMessage({ done: true, seconds, latencies: Array.from(latencies), retried });
})().catch((e) => parentPort.postMessage({ error: String(e && e.message || e) }));
`;

export interface LoadResult {
  seconds: number;
  /** Per request, ms from sending to the complete 200 response. */
  latencies: number[];
  retried: number;
}

/**
 * The load generator alone: `events` Segment track messages in `/v1/batch` requests of `batch`,
 * `concurrency` in flight over keep-alive connections to `url`, from a worker thread. Also used by
 * `truenorth bench` against a bare server, as the baseline.
 */
export function sendLoad(url: string, token: string, options: Pick<IngestBenchOptions, 'events' | 'batch' | 'concurrency' | 'onProgress'>): Promise<LoadResult> {
  return new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(CLIENT, {
      eval: true,
      workerData: { url, key: token, events: options.events, batch: options.batch, concurrency: options.concurrency },
    });
    worker.on('message', (m: { progress?: number; done?: boolean; error?: string; seconds: number; latencies: number[]; retried: number }) => {
      if (m.progress !== undefined) options.onProgress?.(m.progress, options.events);
      else if (m.error) reject(new Error(`load generator: ${m.error}`));
      else if (m.done) resolve(m);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => { if (code !== 0) reject(new Error(`load generator exited with ${code}`)); });
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
    const key = await store.transaction(() => createKey(store, 'write', 'bench'));
    server = await TruenorthServer.create({
      store, host: '127.0.0.1', port: 0, logger: false, rateLimit: { perSecond: 0 },
      queue: { maxPending: Math.max(100_000, options.batch * options.concurrency * 2) },
    });
    const url = await server.listen();
    const result = await sendLoad(url, key.token, options);
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
    };
  } finally {
    await server?.close().catch(() => {});
    await store.close();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}
