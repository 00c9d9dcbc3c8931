/**
 * The measured part of `bench --live`: against a running server, HTTP ingestion at a steady rate
 * while the dashboard's reads run once a second, each answer checked for read-your-writes
 * (live-traffic.ts). Runs in the bench process; the server is a child process of its own.
 */
import http from 'node:http';
import { post } from './http-post.js';
import { percentile } from './ingest.js';
import { checkAnswer, countKinds, LIVE_AS_OF, LIVE_READS, liveEvent, zeroCounts, type Counts, type LiveRead } from './live-traffic.js';

export interface LivePlan {
  url: string;
  key: string;
  senders: string[];
  /** Events per second sent. */
  rate: number;
  seconds: number;
  runId: string;
  /** The dashboard's reads to run (all of LIVE_READS when absent). */
  reads?: readonly LiveRead['name'][];
}

export interface LiveReadFigure {
  name: LiveRead['name'];
  path: string;
  /** The read before any live event: the time of this first (cold) answer, and its figure. */
  first_ms: number;
  base: number;
  /** The figure of the last answer, asked after every event sent was acknowledged: base + the events of its kind. */
  final: number | null;
  requests: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  /**
   * The answers asked after at least one event was acknowledged since the previous answer of the same
   * read was asked: the store had changed, so none of them was the query cache's answer to that read.
   */
  after_write: { requests: number; p50_ms: number; p95_ms: number };
  /** Answers checked for read-your-writes, and how many of them failed. */
  checked: number;
  failed: number;
  /** The first problems found (empty: every answer held the events). */
  failures: string[];
}

export interface LiveIngest {
  events_sent: number;
  events_acked: number;
  events_per_second: number;
  requests: number;
  p50_ms: number;
  p99_ms: number;
  retried: number;
}

/** Requests per second the ingestion is spread over. */
const TICKS_PER_SECOND = 20;
const RETRY_PAUSE_MS = 50;
const round1 = (x: number) => Math.round(x * 10) / 10;
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

const totalOf = (c: Counts) => c.message + c.visit + c.signup;

class ReadTimings {
  readonly latencies: number[] = [];
  readonly afterWrite: number[] = [];
  private ackedAtLast = -1;
  readonly failures: string[] = [];
  first_ms = 0;
  base = 0;
  last: number | null = null;
  checked = 0;
  constructor(readonly read: LiveRead) {}

  /** One answer's latency, and whether events were acknowledged since the previous answer was asked. */
  timed(ms: number, ackedBefore: Counts): void {
    this.latencies.push(ms);
    const acked = totalOf(ackedBefore);
    if (this.ackedAtLast >= 0 && acked > this.ackedAtLast) this.afterWrite.push(ms);
    this.ackedAtLast = acked;
  }

  figure(): LiveReadFigure {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const fresh = [...this.afterWrite].sort((a, b) => a - b);
    return {
      name: this.read.name, path: this.read.path, first_ms: round1(this.first_ms), base: this.base, final: this.last, requests: sorted.length,
      p50_ms: round1(percentile(sorted, 50)), p95_ms: round1(percentile(sorted, 95)), max_ms: round1(sorted[sorted.length - 1] ?? 0),
      after_write: { requests: fresh.length, p50_ms: round1(percentile(fresh, 50)), p95_ms: round1(percentile(fresh, 95)) },
      checked: this.checked, failed: this.failures.length, failures: this.failures.slice(0, 20),
    };
  }
}

async function getJson(url: string, attempts = 3): Promise<[unknown, number]> {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    // A keep-alive connection closed as it was reused: asked again, timed from the retry.
    if (attempts > 1) return getJson(url, attempts - 1);
    throw e;
  }
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${res.status} ${text.slice(0, 200)}`);
  return [JSON.parse(text), ms];
}

export async function runLive(plan: LivePlan, log: (line: string) => void): Promise<{ reads: LiveReadFigure[]; ingest: LiveIngest }> {
  const timings = LIVE_READS.filter((r) => !plan.reads || plan.reads.includes(r.name)).map((r) => new ReadTimings(r));
  const readUrl = (r: LiveRead) => `${plan.url}${r.path}?as_of=${encodeURIComponent(LIVE_AS_OF)}`;
  for (const t of timings) {
    const [answer, ms] = await getJson(readUrl(t.read));
    t.first_ms = ms;
    t.base = t.read.figure(answer) ?? 0;
  }
  const sent = zeroCounts();
  const acked = zeroCounts();
  const ingestLatencies: number[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const auth = `Basic ${Buffer.from(`${plan.key}:`).toString('base64')}`;
  const target = new URL(`${plan.url}/v1/batch`);
  let next = 0;
  let retried = 0;
  const inFlight = new Set<Promise<void>>();

  const sendBatch = async (from: number, to: number) => {
    const batch = [];
    for (let i = from; i < to; i++) batch.push(liveEvent(plan.runId, i, plan.senders));
    const body = Buffer.from(JSON.stringify({ batch }));
    countKinds(from, to, sent);
    for (;;) {
      const t = performance.now();
      // A keep-alive connection the server closed as it was reused: sent again (the message ids make it exactly once).
      const status = await post(target, agent, auth, body).then((r) => r.status, (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return 0;
        throw e;
      });
      if (status === 200) { ingestLatencies.push(performance.now() - t); break; }
      if (status !== 0 && status !== 429 && status !== 503) throw new Error(`ingestion answered ${status}`);
      retried++;
      await pause(RETRY_PAUSE_MS);
    }
    countKinds(from, to, acked);
  };

  const check = async (t: ReadTimings) => {
    const ackedBefore: Counts = { ...acked };
    try {
      const [answer, ms] = await getJson(readUrl(t.read));
      t.timed(ms, ackedBefore);
      t.checked++;
      t.last = t.read.figure(answer);
      const problem = checkAnswer(t.read, t.last, t.base, ackedBefore, { ...sent });
      if (problem) t.failures.push(problem);
    } catch (e) {
      t.failures.push(`${t.read.name}: ${(e as Error).message}`);
    }
  };

  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const batchSize = Math.max(1, Math.ceil(plan.rate / TICKS_PER_SECOND));
  let failure: unknown;
  const ticker = setInterval(() => {
    const due = Math.min(Math.floor(plan.rate * elapsed()), Math.round(plan.rate * plan.seconds));
    while (next < due) {
      const from = next;
      next = Math.min(due, from + batchSize);
      const p = sendBatch(from, next).catch((e: unknown) => { failure ??= e; }).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 1000 / TICKS_PER_SECOND);
  try {
    while (elapsed() < plan.seconds && failure === undefined) {
      const round = performance.now();
      for (const t of timings) await check(t);
      const second = Math.floor(elapsed());
      if (second % 10 === 0) log(`  ${second} s: ${totalOf(acked)} events acknowledged`);
      await pause(Math.max(0, 1000 - (performance.now() - round)));
    }
  } finally {
    clearInterval(ticker);
    await Promise.all(inFlight);
  }
  // The ticks' rounding left at most one batch unsent: every run sends rate × seconds events.
  const total = Math.round(plan.rate * plan.seconds);
  if (failure === undefined && next < total) {
    const from = next;
    next = total;
    await sendBatch(from, total).catch((e: unknown) => { failure = e; });
  }
  const sendSeconds = elapsed();
  if (failure !== undefined) throw failure;
  // Everything sent is acknowledged now: each answer must count exactly the events sent.
  for (const t of timings) await check(t);
  agent.destroy();
  const sorted = ingestLatencies.sort((a, b) => a - b);
  const ackedTotal = totalOf(acked);
  return {
    reads: timings.map((t) => t.figure()),
    ingest: {
      events_sent: next, events_acked: ackedTotal, events_per_second: Math.round(ackedTotal / sendSeconds), requests: sorted.length,
      p50_ms: round1(percentile(sorted, 50)), p99_ms: round1(percentile(sorted, 99)), retried,
    },
  };
}
