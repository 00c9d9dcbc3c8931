import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseIngest, type ParseJob, type ParseOutcome } from './ingest-parse.js';

/**
 * Worker threads that parse and validate ingestion requests (ingest-parse.ts), so that the thread
 * which writes and commits spends its time on the database and the sockets. Bodies smaller than
 * `inlineBelowBytes` are parsed inline: for them the hand-off costs more than the parse. A thread that
 * dies has its requests parsed inline and is replaced on the next request (unless it never loaded:
 * then the pool parses everything inline). Threads start with the first large request; until one is
 * loaded, requests are parsed inline.
 *
 * The hand-off is not free: a batch of 100 events costs the process about 0.25 ms of CPU parsed
 * inline and about 0.7 ms through a thread (the body copied over, the messages sent back as JSON and
 * parsed again here, the threads woken). It pays only where cores are idle, so the default keeps two
 * cores for the writing thread, the database's threads and the clients: no threads on 2 cores.
 */
export interface ParsePoolOptions {
  /** Worker threads; 0 parses every request inline (default: the cores less 2, at most 4). */
  threads?: number;
  /** Bodies below this size are parsed inline (default 8 KB). */
  inlineBelowBytes?: number;
}

interface Pending {
  job: ParseJob;
  resolve: (outcome: ParseOutcome) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Loaded: it takes requests. */
  ready: boolean;
}

export const defaultThreads = () => Math.max(0, Math.min(4, availableParallelism() - 2));

const HERE = import.meta.url;
/** Run from source (TypeScript through tsx), the thread loads tsx first; the built package runs JavaScript. */
const FROM_SOURCE = HERE.endsWith('.ts');
const TSX_API = FROM_SOURCE ? new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(HERE).resolve('tsx/package.json'))).href : '';

export class ParsePool {
  private readonly lanes: (Lane | undefined)[];
  private readonly inlineBelow: number;
  private nextId = 0;
  private closed = false;
  /** A thread died before it answered anything (it cannot start here): every request is parsed inline. */
  private broken = false;

  constructor(options: ParsePoolOptions = {}) {
    this.lanes = new Array<Lane | undefined>(options.threads ?? defaultThreads()).fill(undefined);
    this.inlineBelow = options.inlineBelowBytes ?? 8 * 1024;
  }

  parse(job: ParseJob): Promise<ParseOutcome> {
    const lane = this.closed || this.broken || (job.body?.byteLength ?? 0) < this.inlineBelow ? undefined : this.leastBusy();
    if (!lane) return parseIngest(job);
    const id = this.nextId++;
    return new Promise<ParseOutcome>((resolve, reject) => {
      lane.pending.set(id, { job, resolve, reject });
      lane.worker.postMessage({ id, job });
    });
  }

  /** Starts the threads now rather than with the first large request. */
  start(): void {
    if (!this.closed && !this.broken) this.leastBusy();
  }

  /** Threads loaded and taking requests. */
  get threadsReady(): number {
    return this.lanes.filter((lane) => lane?.ready).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const lanes = this.lanes.splice(0);
    await Promise.all(lanes.map((lane) => lane?.worker.terminate()));
    for (const lane of lanes) if (lane) this.parseInline(lane);
  }

  /** The ready thread with the fewest requests; threads not started yet start now (meanwhile: inline). */
  private leastBusy(): Lane | undefined {
    let best: Lane | undefined;
    for (let i = 0; i < this.lanes.length; i++) {
      const lane = (this.lanes[i] ??= this.spawn(i));
      if (lane.ready && (!best || lane.pending.size < best.pending.size)) best = lane;
    }
    return best;
  }

  private spawn(index: number): Lane {
    const worker = FROM_SOURCE
      ? new Worker(`import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(new URL('./ingest-worker.ts', HERE).href)}))`, { eval: true })
      : new Worker(new URL('./ingest-worker.js', HERE));
    worker.unref();
    const lane: Lane = { worker, pending: new Map(), ready: false };
    worker.on('message', (m: { id: number; ready?: true; outcome?: string; crash?: string }) => {
      if (m.ready) lane.ready = true;
      const p = lane.pending.get(m.id);
      if (!p) return;
      lane.pending.delete(m.id);
      if (m.outcome) p.resolve(JSON.parse(m.outcome) as ParseOutcome);
      else p.reject(new Error(`parsing the request failed: ${m.crash}`));
    });
    const retire = () => {
      if (this.lanes[index] === lane) this.lanes[index] = undefined;
      if (!lane.ready) this.broken = true;
      this.parseInline(lane);
    };
    worker.on('error', retire);
    worker.on('exit', retire);
    return lane;
  }

  private parseInline(lane: Lane): void {
    for (const p of lane.pending.values()) parseIngest(p.job).then(p.resolve, p.reject);
    lane.pending.clear();
  }
}
