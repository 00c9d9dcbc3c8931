import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDbStore } from './database.js';
import { IngestWriter, type EventsInsert, type WriteCounts } from '../ingest/writer.js';
import { qualityDay, QualityTally, recordQuality } from '../ingest/quality.js';
import type { NormalizedMessage } from '../../model/message.js';
import { isRequestError, QueueClosedError, QueueFullError, type IngestSink } from '../sink.js';
import { StoreHealth } from './store-health.js';
import { BesideFolds } from './beside-folds.js';
import { IdleCheckpoint } from './idle-checkpoint.js';
import type { HeldWriter } from './writer-ownership.js';

/**
 * Group commit: the one path by which the server writes. Requests hand their messages (or a unit of
 * work, like Stripe ledger rows) to the queue and wait; a single loop takes everything pending, writes
 * it in ONE transaction and commits. DuckDB writes the WAL and fsyncs it before COMMIT returns, so
 * when a request's promise resolves its data is on disk, and many concurrent requests share one
 * fsync. The queue is bounded: past `maxPending` messages it refuses new work (the HTTP layer answers
 * 503 with Retry-After) instead of growing without limit.
 */
export interface WriteQueueOptions {
  /** Messages waiting (not yet in a transaction) above which new work is refused. */
  maxPending?: number;
  /** Messages taken into one transaction at most. */
  maxFlush?: number;
  /** Told when writes start failing and when they work again (the server logs it). */
  onHealthChange?: (failing: boolean, reason: string) => void;
  /** How the events of a group go into `events` (writer.ts, EventsInsert); default the appender. */
  eventsInsert?: EventsInsert;
}

type Work = (store: DuckDbStore) => Promise<unknown>;

interface Job {
  /** Messages to write, grouped by source; or a unit of work run inside the group transaction. */
  messages?: NormalizedMessage[];
  source?: string;
  quality?: QualityTally;
  work?: Work;
  /** Runs alone, outside any group transaction (it manages its own), e.g. a file import. */
  exclusive?: Work;
  weight: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface QueueStats {
  pending: number;
  flushes: number;
  committed: number;
  lastFlushMessages: number;
  lastFlushMs: number;
  failedFlushes: number;
  /** Total time spent in flushes (ms). */
  busyMs: number;
  /** The longest flush (ms). */
  maxFlushMs: number;
}

export class WriteQueue implements IngestSink {
  private readonly maxPending: number;
  private readonly maxFlush: number;
  private queue: Job[] = [];
  private pendingWeight = 0;
  private running: Promise<void> | undefined;
  private closed = false;
  private writers = new Map<string, IngestWriter>();
  private walInode: number | undefined;
  private readonly folds: BesideFolds;
  private readonly checkpoints: IdleCheckpoint;
  private readonly health: StoreHealth;
  /** The store's writing connection, this queue's alone until it is closed. */
  private readonly heldWriter: HeldWriter;
  readonly stats: QueueStats = { pending: 0, flushes: 0, committed: 0, lastFlushMessages: 0, lastFlushMs: 0, failedFlushes: 0, busyMs: 0, maxFlushMs: 0 };

  constructor(private readonly store: DuckDbStore, private readonly options: WriteQueueOptions = {}) {
    this.maxPending = options.maxPending ?? 100_000;
    this.maxFlush = options.maxFlush ?? 25_000;
    this.heldWriter = store.holdWriter();
    this.folds = new BesideFolds(store);
    this.health = new StoreHealth(store, {
      // Only while the queue writes nothing (`busy`), and new work is refused meanwhile.
      probe: () => this.heldWriter.run(async () => {
        await store.probeWrite();
        this.afterCommit();
      }),
      busy: () => this.running !== undefined || this.folds.busy,
      onChange: options.onHealthChange,
      onRecovered: () => {
        this.writers.clear();
        this.checkpoints.reset();
      },
    });
    this.checkpoints = new IdleCheckpoint(store, (work) => {
      if (this.closed || this.health.failure || this.queue.length > 0) return;
      this.occupy(async () => {
        await this.folds.settled();
        await work();
      });
    });
  }

  /** True while the queue can take work: not closed, not full, writes succeeding. */
  get ready(): boolean {
    return !this.closed && !this.health.failure && this.pendingWeight < this.maxPending;
  }

  get failure(): string | undefined {
    return this.health.failure;
  }

  get pending(): number {
    return this.pendingWeight;
  }

  get committed(): number {
    return this.stats.committed;
  }

  /**
   * Resolves when the messages are committed to disk. Throws QueueFullError at once when full.
   * The counts are the group's for the source the messages were committed with (DuckDB writes a
   * group commit's messages of one source in one pass).
   */
  write(messages: NormalizedMessage[], source: string, quality?: QualityTally): Promise<WriteCounts> {
    return this.enqueue({ messages, source, quality, weight: Math.max(1, messages.length) }) as Promise<WriteCounts>;
  }

  /** Runs `work` inside the next group transaction; resolves with its value after the commit. */
  run<T>(work: (store: DuckDbStore) => Promise<T>, weight = 1): Promise<T> {
    return this.enqueue({ work, weight }) as Promise<T>;
  }

  /**
   * Like `run`, but never refused for a full queue: the unit waits its turn. For an import's
   * batches, which must not fail halfway because ingestion filled the queue meanwhile.
   */
  runWaiting<T>(work: (store: DuckDbStore) => Promise<T>, weight = 1): Promise<T> {
    return this.enqueue({ work, weight }, true) as Promise<T>;
  }

  /**
   * Runs `work` alone between two group commits, with no transaction around it (it opens its own).
   * Writes from other requests wait meanwhile (and past the bound, get 503).
   */
  exclusive<T>(work: (store: DuckDbStore) => Promise<T>): Promise<T> {
    return this.enqueue({ exclusive: work, weight: 1 }, true) as Promise<T>;
  }

  private enqueue(partial: Omit<Job, 'resolve' | 'reject'>, force = false): Promise<unknown> {
    if (this.closed) return Promise.reject(new QueueClosedError());
    if (this.health.failure) return Promise.reject(this.health.unavailable());
    if (!force && this.pendingWeight > 0 && this.pendingWeight + partial.weight > this.maxPending) {
      return Promise.reject(new QueueFullError(this.retryAfter()));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ...partial, resolve, reject });
      this.pendingWeight += partial.weight;
      this.stats.pending = this.pendingWeight;
      this.kick();
    });
  }

  /** Seconds a refused client should wait: the time to drain the backlog at the last flush rate, 1–30. */
  retryAfter(): number {
    const rate = this.stats.lastFlushMs > 0 ? this.stats.lastFlushMessages / this.stats.lastFlushMs : 0;
    if (rate <= 0) return 1;
    return Math.min(30, Math.max(1, Math.ceil(this.pendingWeight / rate / 1000)));
  }

  private kick(): void {
    this.checkpoints.busy();
    if (this.running) return;
    this.occupy(() => this.loop());
  }

  /**
   * Loads what the first group would (IngestWriter.warm) now, as the queue's occupant: work arriving
   * meanwhile waits for it. A failure is left to the first group, which meets it again and answers for it.
   */
  warm(): void {
    this.occupy(() => new IngestWriter(this.store, 'warm').warm().catch(() => undefined));
  }

  /** Runs `work` as the queue's one occupant, if none runs; work arriving meanwhile waits for it. */
  private occupy(work: () => Promise<void>): void {
    if (this.running) return;
    this.running = this.heldWriter.run(work).finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.kick();
      else this.checkpoints.idle();
    });
  }

  private async loop(): Promise<void> {
    // Let the requests that arrived in the same tick join the first flush.
    await new Promise((resolve) => setImmediate(resolve));
    await this.checkpoints.bound();
    while (this.queue.length > 0) {
      if (this.queue[0].exclusive) {
        const job = this.take(1)[0];
        await this.folds.settled();
        await this.runExclusive(job);
        continue;
      }
      const jobs = this.takeGroup();
      // A unit of work may write what the folds write (a journey's new live state): not beside them.
      if (jobs.some((j) => j.work)) await this.folds.settled();
      await this.flush(jobs);
    }
  }

  private take(n: number): Job[] {
    const jobs = this.queue.splice(0, n);
    for (const j of jobs) this.pendingWeight -= j.weight;
    this.stats.pending = this.pendingWeight;
    return jobs;
  }

  /** Jobs up to the next exclusive one, up to maxFlush messages (always at least one job). */
  private takeGroup(): Job[] {
    let n = 0;
    let weight = 0;
    while (n < this.queue.length && !this.queue[n].exclusive && (n === 0 || weight + this.queue[n].weight <= this.maxFlush)) {
      weight += this.queue[n].weight;
      n++;
    }
    return this.take(n);
  }

  private writer(source: string): IngestWriter {
    let w = this.writers.get(source);
    if (!w) {
      w = new IngestWriter(this.store, source, { eventsInsert: this.options.eventsInsert, folds: 'caller' });
      this.writers.set(source, w);
    }
    return w;
  }

  private async writeJobs(jobs: Job[]): Promise<unknown[]> {
    const bySource = new Map<string, NormalizedMessage[]>();
    for (const job of jobs) {
      if (!job.messages) continue;
      const list = bySource.get(job.source!) ?? [];
      for (const m of job.messages) list.push(m);
      bySource.set(job.source!, list);
    }
    const counts = new Map<string, WriteCounts>();
    const quality = new QualityTally();
    for (const job of jobs) quality.merge(job.quality);
    const day = qualityDay(Date.now());
    for (const [source, messages] of bySource) {
      const written = await this.writer(source).write(messages);
      counts.set(source, written);
      quality.add(day, source, 'duplicate', '', written.duplicates);
    }
    // The group's data-quality counts: one upsert, committed with its messages.
    await recordQuality(this.store, quality);
    const values: unknown[] = [];
    for (const job of jobs) values.push(job.work ? await job.work(this.store) : job.messages ? counts.get(job.source!) : undefined);
    return values;
  }

  private async flush(jobs: Job[]): Promise<void> {
    const started = performance.now();
    const messages = jobs.reduce((n, j) => n + (j.messages?.length ?? 0), 0);
    try {
      const values = await this.store.transaction(() => this.writeJobs(jobs));
      this.afterCommit();
      this.record(started, messages);
      jobs.forEach((job, i) => job.resolve(values[i]));
      return;
    } catch (error) {
      this.stats.failedFlushes++;
      this.writers.clear();
      if (!isRequestError(error)) return this.fail(error, jobs);
      if (jobs.length === 1) return jobs[0].reject(error);
    }
    // One job's own input spoiled the group: commit each on its own, so only that one fails.
    for (const [i, job] of jobs.entries()) {
      try {
        const [value] = await this.store.transaction(() => this.writeJobs([job]));
        this.afterCommit();
        job.resolve(value);
      } catch (error) {
        this.writers.clear();
        if (!isRequestError(error)) return this.fail(error, jobs.slice(i));
        job.reject(error);
      }
    }
    this.record(started, messages);
  }

  private async runExclusive(job: Job): Promise<void> {
    // The job may roll back a transaction that created the staging tables: the writers re-create them.
    this.writers.clear();
    try {
      const value = await job.exclusive!(this.store);
      this.afterCommit();
      job.resolve(value);
    } catch (error) {
      this.writers.clear();
      if (!isRequestError(error)) return this.fail(error, [job]);
      job.reject(error);
    }
  }

  /**
   * A write failed for a reason of the store's (a full disk, exhausted descriptors, an I/O error, an
   * invalidated database): nothing in flight or waiting is acknowledged — each gets a retryable
   * StoreUnavailableError — and new work is refused the same way until the store's health recovers.
   */
  private fail(error: unknown, jobs: Job[]): void {
    const refused = this.health.fail(error);
    for (const job of [...jobs, ...this.take(this.queue.length)]) job.reject(refused);
  }

  private record(started: number, messages: number): void {
    this.folds.committed(messages, !this.health.failure);
    this.stats.flushes++;
    this.stats.committed += messages;
    this.stats.lastFlushMessages = messages;
    this.stats.lastFlushMs = performance.now() - started;
    this.stats.busyMs += this.stats.lastFlushMs;
    this.stats.maxFlushMs = Math.max(this.stats.maxFlushMs, this.stats.lastFlushMs);
  }

  /**
   * DuckDB fsyncs the WAL file on commit but not the directory that holds it. When the WAL is new
   * (first commit, or after a checkpoint removed the old one), fsync the directory too, so the file's
   * name survives a power loss as well as its contents.
   */
  private afterCommit(): void {
    if (this.store.path === ':memory:') return;
    let inode: number | undefined;
    try {
      inode = statSync(`${this.store.path}.wal`).ino;
    } catch {
      inode = undefined; // checkpointed: everything is in the database file, which DuckDB fsyncs
    }
    if (inode === undefined || inode === this.walInode) return;
    const fd = openSync(dirname(this.store.path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.walInode = inode;
  }

  /** Stops taking work and waits until everything accepted is committed. */
  async close(): Promise<void> {
    this.closed = true;
    this.health.stop();
    this.checkpoints.busy();
    while (this.running || this.queue.length > 0) {
      if (!this.running) this.kick();
      await this.running;
    }
    await this.folds.settled();
    this.heldWriter.release();
  }
}
