/** HTTP ingestion with durable acks: the real server, and a bare node:http server as the baseline. */
import { once } from 'node:events';
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchIngest, percentile, sendLoad } from './ingest.js';
import type { HttpResult, PhaseSpec } from './phase-protocol.js';

export async function httpPhase(spec: Extract<PhaseSpec, { kind: 'http' }>): Promise<HttpResult> {
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
export async function httpBaseline(spec: Extract<PhaseSpec, { kind: 'http-baseline' }>): Promise<HttpResult> {
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
