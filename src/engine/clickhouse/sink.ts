import type { ClickHouseStore } from './store.js';
import { BatchingWriter, ClickHouseWriter, type BatchingOptions } from './writer.js';
import type { WriteCounts } from '../ingest/writer.js';
import { insertQualityToClickHouse } from './quality.js';
import { qualityDay, QualityTally } from '../ingest/quality.js';
import type { NormalizedMessage } from '../../model/message.js';
import { StoreUnavailableError } from '../../errors.js';
import { QueueClosedError, QueueFullError, storeFailureReason, type IngestSink } from '../sink.js';

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
  /** Why the last insert failed; cleared by the next insert, or a probe, that succeeds. */
  private failing: string | undefined;
  private recovery: NodeJS.Timeout | undefined;
  private lastFlush = { messages: 0, ms: 0 };
  /** Data-quality counts handed over and not yet inserted: they go with the next batch. */
  private quality = new QualityTally();

  constructor(private readonly store: ClickHouseStore, options: ClickHouseSinkOptions = {}) {
    this.maxPending = options.maxPending ?? 100_000;
    this.batcher = new BatchingWriter({ writeDetailed: (messages, receivedAt) => this.writeBatch(messages, receivedAt ?? Date.now()) }, options);
  }

  get ready(): boolean {
    return !this.closed && !this.failing && this.pendingMessages < this.maxPending;
  }

  get failure(): string | undefined {
    return this.failing;
  }

  get pending(): number {
    return this.pendingMessages;
  }

  get committed(): number {
    return this.stored;
  }

  async write(messages: NormalizedMessage[], source: string, quality?: QualityTally): Promise<WriteCounts> {
    if (this.closed) throw new QueueClosedError();
    if (this.pendingMessages > 0 && this.pendingMessages + messages.length > this.maxPending) throw new QueueFullError(this.retryAfter());
    this.quality.merge(quality);
    // Nothing to batch (every message was rejected): the counts go in at once.
    if (messages.length === 0) return this.insertQuality(new QualityTally()).then(() => ({ inserted: 0, duplicates: 0 }));
    for (const m of messages) this.sources.set(m, source);
    this.pendingMessages += messages.length;
    try {
      const counts = await this.batcher.write(messages, Date.now());
      this.stored += messages.length;
      this.failing = undefined;
      return counts;
    } catch (error) {
      // Whatever failed, nothing of these messages is acknowledged: the client retries, and the
      // exact dedupe makes a retry of an insert that did land harmless.
      this.failing = storeFailureReason(error);
      this.scheduleProbe();
      throw new StoreUnavailableError(this.failing);
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
    const duplicates = new QualityTally();
    try {
      for (const [source, indexes] of bySource) {
        const result = await this.writer(source).writeDetailed(indexes.map((i) => messages[i]), receivedAt);
        indexes.forEach((i, k) => (stored[i] = result[k]));
        duplicates.add(qualityDay(receivedAt), source, 'duplicate', '', result.filter((s) => !s).length);
      }
      await this.insertQuality(duplicates);
    } catch (e) {
      this.failing = storeFailureReason(e);
      throw e;
    }
    this.lastFlush = { messages: messages.length, ms: performance.now() - started };
    return stored;
  }

  /** Inserts the counts waiting plus `extra` in one insert; on failure they wait for the next batch. */
  private async insertQuality(extra: QualityTally): Promise<void> {
    const batch = this.quality;
    this.quality = new QualityTally();
    batch.merge(extra);
    const kept = new QualityTally();
    kept.merge(batch);
    try {
      await insertQualityToClickHouse(this.store, batch);
    } catch (e) {
      this.quality.merge(kept);
      throw e;
    }
  }

  /**
   * While inserts fail, asks ClickHouse every second whether it answers again, so /ready recovers
   * without waiting for a client to risk a write (an insert that succeeds clears it too).
   */
  private scheduleProbe(): void {
    if (this.recovery || this.closed) return;
    this.recovery = setTimeout(async () => {
      this.recovery = undefined;
      if (!this.failing) return;
      try {
        await this.store.all('SELECT 1 AS ok');
        this.failing = undefined;
      } catch {
        this.scheduleProbe();
      }
    }, 1_000);
    this.recovery.unref();
  }

  /** Stops taking work and inserts what waits. The ClickHouse store is the caller's to close. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.recovery);
    await this.batcher.close();
  }
}
