/**
 * The load generator of the ingestion bench, run as a child process of its own (forked by
 * `sendLoad` in ingest.ts) so that building and sending requests never shares an event loop with the
 * server being measured. It sends `events` Segment track messages in `/v1/batch` requests of `batch`,
 * `concurrency` in flight over keep-alive connections, and reports over the IPC channel.
 */
import http from 'node:http';
import { post } from './http-post.js';

export interface LoadPlan {
  url: string;
  /** Write key, sent as HTTP Basic user name as the Segment SDKs do. */
  key: string;
  events: number;
  batch: number;
  concurrency: number;
}

export type LoadMessage =
  | { kind: 'progress'; sent: number }
  | { kind: 'done'; seconds: number; latencies: number[]; retried: number }
  | { kind: 'error'; message: string };

const BASE_TIME = Date.UTC(2026, 0, 5);
const RETRY_PAUSE_MS = 50;
const PROGRESS_EVERY_REQUESTS = 200;

/** The request bodies, built before the clock starts. */
function requestBodies(plan: LoadPlan): Buffer[] {
  const requests = Math.ceil(plan.events / plan.batch);
  const bodies: Buffer[] = [];
  for (let r = 0; r < requests; r++) {
    const items: object[] = [];
    for (let i = 0; i < plan.batch && r * plan.batch + i < plan.events; i++) {
      const id = r * plan.batch + i;
      items.push({
        type: 'track', messageId: `bench-${id}`, userId: `user-${id % 20000}`, event: id % 10 === 0 ? 'Workspace Created' : 'Message Sent',
        timestamp: new Date(BASE_TIME + id * 1000).toISOString(), context: { groupId: `acct-${id % 2000}` },
        properties: { channel: id % 3 === 0 ? 'general' : 'random', length: id % 280, plan: 'pro' },
      });
    }
    bodies.push(Buffer.from(JSON.stringify({ batch: items })));
  }
  return bodies;
}

export async function generateLoad(plan: LoadPlan, report: (message: LoadMessage) => void): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const auth = `Basic ${Buffer.from(`${plan.key}:`).toString('base64')}`;
  const target = new URL(`${plan.url}/v1/batch`);
  const bodies = requestBodies(plan);
  const latencies = new Float64Array(bodies.length);
  let next = 0;
  let retried = 0;
  let done = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < bodies.length) {
      const r = next++;
      for (;;) {
        const t = performance.now();
        const { status } = await post(target, agent, auth, bodies[r]);
        if (status === 200) { latencies[r] = performance.now() - t; break; }
        if (status !== 429 && status !== 503) throw new Error(`unexpected status ${status}`);
        retried++;
        await new Promise((ok) => setTimeout(ok, RETRY_PAUSE_MS));
      }
      if (++done % PROGRESS_EVERY_REQUESTS === 0) report({ kind: 'progress', sent: done * plan.batch });
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, lane));
  } finally {
    agent.destroy();
  }
  report({ kind: 'done', seconds: (performance.now() - started) / 1000, latencies: Array.from(latencies), retried });
}

// Forked with the plan as its one argument; without an IPC channel (imported) it does nothing.
const send = process.send?.bind(process);
if (send) {
  const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
  const finish = (last: LoadMessage) => send(last, undefined, {}, () => process.disconnect?.());
  generateLoad(plan, (m) => (m.kind === 'progress' ? send(m) : finish(m)))
    .catch((e: unknown) => finish({ kind: 'error', message: e instanceof Error ? e.message : String(e) }));
}
