/**
 * The server of `bench --live`, forked as a child process of its own (by live.ts) so that its event
 * loop, memory and CPU are the server's alone: the real server on 127.0.0.1 over the given store and
 * config, with a write key. It answers `ready` with its URL, the key and people of the store who send
 * messages (the live traffic's senders); on `stop` it closes and answers with its peak RSS.
 */
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { duckDbControl } from '../../src/engine/duckdb/control.js';
import { TruenorthServer } from '../../src/server/app.js';
import { createKey } from '../../src/server/keys.js';

export interface LiveServerPlan {
  db: string;
  config: string;
}

export type LiveServerMessage =
  | { kind: 'ready'; url: string; key: string; senders: string[] }
  | { kind: 'stopped'; max_rss_mb: number; writes: LiveWrites }
  | { kind: 'error'; message: string };

const SENDERS = 2_000;

/** The server's group commits during the run: how many, how long the longest took, the share of the time spent in them. */
export interface LiveWrites {
  commits: number;
  max_commit_ms: number;
  busy_ms: number;
}

async function serve(plan: LiveServerPlan, send: (m: LiveServerMessage) => void): Promise<void> {
  const store = await DuckDbStore.open(plan.db);
  const rows = await store.all<{ user_id: string }>(
    `SELECT user_id FROM events WHERE event = 'Message Sent' AND user_id IS NOT NULL GROUP BY user_id ORDER BY user_id LIMIT ${SENDERS}`,
  );
  const key = await store.transaction(() => createKey(duckDbControl(store).keys, 'write', 'bench live'));
  const server = await TruenorthServer.create({
    store, configPath: plan.config, host: '127.0.0.1', port: 0, logger: false, rateLimit: { perSecond: 0 },
  });
  const url = await server.listen();
  process.once('message', () => {
    const { flushes, maxFlushMs, busyMs } = server.queue.stats;
    const writes = { commits: flushes, max_commit_ms: Math.round(maxFlushMs), busy_ms: Math.round(busyMs) };
    void server.close()
      .then(() => store.close())
      .then(() => send({ kind: 'stopped', max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), writes }))
      .catch((e: unknown) => send({ kind: 'error', message: (e as Error).message }));
  });
  send({ kind: 'ready', url, key: key.token, senders: rows.map((r) => r.user_id) });
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
