import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDbStore } from './database.js';
import { StoreUnavailableError } from '../../errors.js';
import { firstLine, STORE_INVALIDATED as INVALIDATED, storeFailureReason } from '../sink.js';

/** Free disk space needed before writes resume after a failure (8 MiB). */
export const RECOVERY_HEADROOM_BYTES = 8 * 2 ** 20;

export interface StoreHealthHooks {
  /** One durable write, as the queue makes them (commit and the WAL directory's fsync). */
  probe(): Promise<void>;
  /** True while the queue is writing: a probe waits for it. */
  busy(): boolean;
  /** Told when writes start failing (with the engine's first line) and when they work again. */
  onChange?(failing: boolean, detail: string): void;
  /** After a successful probe, before new work is taken. */
  onRecovered?(): void;
}

/**
 * Whether a store's writes work, and their recovery. After a failure of the store's, probe writes
 * run at 100 ms, 200 ms, 400 ms … then every second; writes count as working again when a probe
 * commits with RECOVERY_HEADROOM_BYTES free, because a failed commit gives its pages back and one
 * row fits on a disk that is still full. A database DuckDB invalidated is reopened first, which
 * replays its WAL.
 */
export class StoreHealth {
  private failing: { reason: string; attempts: number; reopen: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly store: DuckDbStore, private readonly hooks: StoreHealthHooks) {}

  /** Why writes cannot succeed now; undefined while they can. */
  get failure(): string | undefined {
    return this.failing?.reason;
  }

  /** Records a failure of the store's and starts probing; returns the error to refuse work with. */
  fail(error: unknown): StoreUnavailableError {
    const reopen = INVALIDATED.test(firstLine(error)) || (this.failing?.reopen ?? false);
    if (!this.failing) this.hooks.onChange?.(true, firstLine(error));
    this.failing = { reason: storeFailureReason(error), attempts: this.failing?.attempts ?? 0, reopen };
    this.schedule();
    return this.unavailable();
  }

  /** The retryable error for work refused while failing. */
  unavailable(): StoreUnavailableError {
    return new StoreUnavailableError(this.failing?.reason ?? 'unknown', Math.min(5, 1 + (this.failing?.attempts ?? 0)));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer || this.stopped || !this.failing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.recover();
    }, Math.min(1_000, 100 * 2 ** this.failing.attempts));
    this.timer.unref();
  }

  private async recover(): Promise<void> {
    const failing = this.failing;
    if (!failing || this.stopped) return;
    if (this.hooks.busy()) return this.schedule();
    try {
      if (failing.reopen) {
        await this.store.reopen();
        failing.reopen = false;
      }
      await this.hooks.probe();
      this.requireHeadroom();
      this.failing = undefined;
      this.hooks.onRecovered?.();
      this.hooks.onChange?.(false, 'writes succeed again');
    } catch (error) {
      failing.reason = storeFailureReason(error);
      failing.reopen ||= INVALIDATED.test(firstLine(error));
      failing.attempts++;
      this.schedule();
    }
  }

  private requireHeadroom(): void {
    if (this.store.path === ':memory:') return;
    const fs = statfsSync(dirname(this.store.path));
    const free = fs.bavail * fs.bsize;
    if (free < RECOVERY_HEADROOM_BYTES) throw new Error(`No space left on device: ${free} bytes free, writes resume above ${RECOVERY_HEADROOM_BYTES}`);
  }
}
