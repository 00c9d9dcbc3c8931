import type { ClickHouseStore } from '../engine/clickhouse/store.js';
import { BatchingWriter, ClickHouseWriter, type BatchingOptions } from '../engine/clickhouse/writer.js';
import type { WriteCounts } from '../engine/ingest/writer.js';
import type { NormalizedMessage } from '../model/message.js';
import { QueueClosedError, QueueFullError, type IngestSink } from './write-queue.js';

export interface ClickHouseSinkOptions extends BatchingOptions {
  /** Messages accepted and not yet inserted above which new work is refused (503). */
  maxPending?: number;
}

/**
 * The ingestion server's path into ClickHouse: every request's messages join one `BatchingWriter`,
 * which inserts ≥ `maxRows` (1,000) messages at a time or at most one batch a second. A request's
 * promise settles when the insert holding its messages returned. Messages of several sources
 * (Segment, PostHog routes) share a batch; the batch is written source by source, in order, so the
 * duplicate check of a later source sees what an earlier one stored.
 */
export class ClickHouseSink implements IngestSink {
  private readonly batcher: BatchingWriter;
  private readonly writers = new Map<string, ClickHouseWriter>();
  /** The source each message was handed over with (messages carry none of their own). */
  private readonly sources = new WeakMap<NormalizedMessage, string>();
  private readonly maxPending: number;
  private pendingMessages = 0;
  private stored = 0;
  private closed = false;
  private broken: Error | undefined;
  private lastFlush = { messages: 0, ms: 0 };

  constructor(private readonly store: ClickHouseStore, options: ClickHouseSinkOptions = {}) {
    this.maxPending = options.maxPending ?? 100_000;
    this.batcher = new BatchingWriter({ writeDetailed: (messages, receivedAt) => this.writeBatch(messages, receivedAt ?? Date.now()) }, options);
  }

  get ready(): boolean {
    return !this.closed && !this.broken && this.pendingMessages < this.maxPending;
  }

  get pending(): number {
    return this.pendingMessages;
  }

  get committed(): number {
    return this.stored;
  }

  async write(messages: NormalizedMessage[], source: string): Promise<WriteCounts> {
    if (this.closed) throw new QueueClosedError();
    if (this.pendingMessages > 0 && this.pendingMessages + messages.length > this.maxPending) throw new QueueFullError(this.retryAfter());
    for (const m of messages) this.sources.set(m, source);
    this.pendingMessages += messages.length;
    try {
      const counts = await this.batcher.write(messages, Date.now());
      this.stored += messages.length;
      this.broken = undefined;
      return counts;
    } finally {
      this.pendingMessages -= messages.length;
    }
  }

  /** Seconds a refused client should wait: the backlog at the last insert's rate, 1–30. */
  private retryAfter(): number {
    const rate = this.lastFlush.ms > 0 ? this.lastFlush.messages / this.lastFlush.ms : 0;
    if (rate <= 0) return 1;
    return Math.min(30, Math.max(1, Math.ceil(this.pendingMessages / rate / 1000)));
  }

  private writer(source: string): ClickHouseWriter {
    let w = this.writers.get(source);
    if (!w) {
      w = new ClickHouseWriter(this.store, source);
      this.writers.set(source, w);
    }
    return w;
  }

  private async writeBatch(messages: readonly NormalizedMessage[], receivedAt: number): Promise<boolean[]> {
    const started = performance.now();
    const bySource = new Map<string, number[]>();
    messages.forEach((m, i) => {
      const source = this.sources.get(m) ?? 'http';
      const list = bySource.get(source) ?? [];
      list.push(i);
      bySource.set(source, list);
    });
    const stored = new Array<boolean>(messages.length).fill(false);
    try {
      for (const [source, indexes] of bySource) {
        const result = await this.writer(source).writeDetailed(indexes.map((i) => messages[i]), receivedAt);
        indexes.forEach((i, k) => (stored[i] = result[k]));
      }
    } catch (e) {
      this.broken = e instanceof Error ? e : new Error(String(e));
      throw e;
    }
    this.lastFlush = { messages: messages.length, ms: performance.now() - started };
    return stored;
  }

  /** Stops taking work and inserts what waits. The ClickHouse store is the caller's to close. */
  async close(): Promise<void> {
    this.closed = true;
    await this.batcher.close();
  }
}
