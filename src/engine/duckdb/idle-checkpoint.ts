import { statSync } from 'node:fs';
import type { DuckDbStore } from './database.js';

/**
 * While DuckDB checkpoints (writes its log into the database file), every commit waits, for as long
 * as the log takes to write: about 150 ms for 15 MB. On its own DuckDB checkpoints at the commit that
 * takes the log past 16 MB, so the requests of that group and of the next wait on it. The server's
 * write queue checkpoints when no request waits instead: once it has been idle IDLE_MS with at least
 * IDLE_CHECKPOINT_BYTES of log. DuckDB's own threshold is raised to CHECKPOINT_BOUND, which only a
 * stream with no pause for that much log reaches.
 */
export const IDLE_MS = 20;
export const IDLE_CHECKPOINT_BYTES = 4 * 2 ** 20;
export const CHECKPOINT_BOUND = '64MiB';

/** The size of the store's write-ahead log (0 without one); of a store's file by its path alone too. */
export function logBytes(store: Pick<DuckDbStore, 'path'>): number {
  try {
    return statSync(`${store.path}.wal`).size;
  } catch {
    return 0;
  }
}

/**
 * The write queue's checkpoints: `idle()` when its loop ends with nothing waiting, `busy()` when work
 * arrives. `occupy` runs the checkpoint as the queue's loop would run a group, if the queue is still
 * idle (work arriving meanwhile waits for it); it does nothing when it is not.
 */
export class IdleCheckpoint {
  private timer: NodeJS.Timeout | undefined;
  private bounded = false;

  constructor(private readonly store: DuckDbStore, private readonly occupy: (work: () => Promise<void>) => void) {}

  /** Before the queue's first group, and again after the store was reopened (`reset`): DuckDB's threshold raised. */
  async bound(): Promise<void> {
    if (this.bounded || this.store.path === ':memory:') return;
    // A store that refuses it refuses the group after it too, which answers for both.
    this.bounded = await this.store.connection.run(`SET checkpoint_threshold = '${CHECKPOINT_BOUND}'`).then(() => true, () => false);
  }

  reset(): void {
    this.bounded = false;
  }

  busy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  idle(): void {
    if (this.store.path === ':memory:') return;
    this.busy();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (logBytes(this.store) < IDLE_CHECKPOINT_BYTES) return;
      // A checkpoint that fails (a full disk) acknowledges nothing: the next group's commit meets the same
      // failure and answers 503.
      this.occupy(() => this.store.checkpoint().catch(() => undefined));
    }, IDLE_MS);
    this.timer.unref();
  }
}
