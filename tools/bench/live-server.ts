/**
 * The server of `bench --live`, forked as a child process of its own (by live.ts) so that its event
 * loop, memory and CPU are the server's alone: the real server on 127.0.0.1 over the given store and
 * config, with a write key, once the live state of the config is built. It answers `ready` with its URL, the key and people of the store who send
 * messages (the live traffic's senders); on `stop` it closes and answers with its peak RSS.
 */
import http from 'node:http';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { duckDbControl } from '../../src/engine/duckdb/control.js';
import { TruenorthServer } from '../../src/server/app.js';
import { createKey } from '../../src/server/keys.js';
import { post } from './http-post.js';

export interface LiveServerPlan {
  db: string;
  config: string;
  /**
   * Only build the live state of the config, answer each of these reads once (as a server that has
   * been serving the dashboard would have: what it kept is saved when it stops) and stop; the
   * measured server then starts as after a restart.
   */
  buildOnly?: boolean;
  /** The reads' paths with their query (as of the live week). */
  warmReads?: readonly string[];
}

export type LiveServerMessage =
  | { kind: 'ready'; url: string; key: string; senders: string[]; first_write_ms: number }
  | { kind: 'stopped'; max_rss_mb: number; writes: LiveWrites }
  | { kind: 'built'; ms: number; max_rss_mb: number; reads_ms: Record<string, number> }
  | { kind: 'error'; message: string };

const SENDERS = 2_000;
const BENCH_REPORT_TIMEOUT_MS = 30 * 60_000;

/** The server's group commits during the run: how many, how long the longest took, the share of the time spent in them. */
export interface LiveWrites {
  commits: number;
  max_commit_ms: number;
  busy_ms: number;
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function buildState(plan: LiveServerPlan, send: (m: LiveServerMessage) => void): Promise<void> {
  const started = performance.now();
  const store = await DuckDbStore.open(plan.db);
  const server = await TruenorthServer.create({
    store, configPath: plan.config, host: '127.0.0.1', port: 0, logger: false, reportTimeoutMs: BENCH_REPORT_TIMEOUT_MS,
  });
  await server.liveState;
  const ms = Math.round(performance.now() - started);
  const readsMs: Record<string, number> = {};
  for (const url of plan.warmReads ?? []) {
    const began = performance.now();
    const res = await server.app.inject({ method: 'GET', url });
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    readsMs[url.split('?')[0]] = Math.round(performance.now() - began);
  }
  await server.close();
  await store.close();
  send({ kind: 'built', ms, max_rss_mb: peakRssMb(), reads_ms: readsMs });
}

/**
 * The first write after opening a store loads its dedupe index (every stored message id): made before
 * the run, timed, so the run measures the server as it runs after that. Its event, of a name no report
 * reads, falls in a week before the live one.
 */
async function firstWrite(url: string, token: string, userId: string): Promise<number> {
  const started = performance.now();
  const batch = [{ type: 'track', event: 'Bench Warm-up', userId, messageId: `bench-warm-up-${Date.now()}`, timestamp: '2026-11-02T00:00:00.000Z' }];
  const agent = new http.Agent();
  const { status } = await post(new URL(`${url}/v1/batch`), agent, `Basic ${Buffer.from(`${token}:`).toString('base64')}`, Buffer.from(JSON.stringify({ batch })));
  agent.destroy();
  if (status !== 200) throw new Error(`the first write answered ${status}`);
  return Math.round(performance.now() - started);
}

async function serve(plan: LiveServerPlan, send: (m: LiveServerMessage) => void): Promise<void> {
  if (plan.buildOnly) return buildState(plan, send);
  const store = await DuckDbStore.open(plan.db);
  const rows = await store.all<{ user_id: string }>(
    `SELECT user_id FROM events WHERE event = 'Message Sent' AND user_id IS NOT NULL GROUP BY user_id ORDER BY user_id LIMIT ${SENDERS}`,
  );
  const key = await store.transaction(() => createKey(duckDbControl(store).keys, 'write', 'bench live'));
  const server = await TruenorthServer.create({
    store, configPath: plan.config, host: '127.0.0.1', port: 0, logger: false, rateLimit: { perSecond: 0 },
    // A bench measures how long a read takes, however long: a cold read of a 100M store passes the default limit.
    reportTimeoutMs: BENCH_REPORT_TIMEOUT_MS,
  });
  await server.liveState;
  const url = await server.listen();
  const firstWriteMs = await firstWrite(url, key.token, rows[0]?.user_id ?? 'bench');
  process.once('message', () => {
    const { flushes, maxFlushMs, busyMs } = server.queue.stats;
    const writes = { commits: flushes, max_commit_ms: Math.round(maxFlushMs), busy_ms: Math.round(busyMs) };
    void server.close()
      .then(() => store.close())
      .then(() => send({ kind: 'stopped', max_rss_mb: peakRssMb(), writes }))
      .catch((e: unknown) => send({ kind: 'error', message: (e as Error).message }));
  });
  send({ kind: 'ready', url, key: key.token, senders: rows.map((r) => r.user_id), first_write_ms: firstWriteMs });
}

// Forked with the plan as its one argument; without an IPC channel (imported) it does nothing.
const channel = process.send?.bind(process);
if (channel) {
  const plan = JSON.parse(process.argv[2] ?? '{}') as LiveServerPlan;
  const send = (m: LiveServerMessage) => {
    channel(m, undefined, {}, () => {
      if (m.kind !== 'ready') process.disconnect?.();
    });
  };
  serve(plan, send).catch((e: unknown) => send({ kind: 'error', message: e instanceof Error ? e.message : String(e) }));
}
