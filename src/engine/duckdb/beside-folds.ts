import { FOLD_EVERY, foldNewEvents } from './catalogue-summary.js';
import type { DuckDbStore } from './database.js';
import { foldLiveState, LIVE_FOLD_EVERY } from './live-state.js';

/**
 * The write queue's folds: once LIVE_FOLD_EVERY messages were committed since the last time, the
 * live state and (past FOLD_EVERY events) the catalogue summary are folded in a transaction of their
 * own beside the next groups (`DuckDbStore.beside`), so no request waits on them. Reads add the rows
 * past the watermarks themselves, so a fold that runs late or fails (tried again later; a failing
 * store shows in the next group) changes no answer.
 */
export class BesideFolds {
  private since = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly store: DuckDbStore) {}

  /** True while a fold runs. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once no fold runs: before work that may write what the folds write. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** After a group committed `messages`: starts the folds when they are due (`allowed`: the store writes). */
  committed(messages: number, allowed: boolean): void {
    this.since += messages;
    if (this.running || this.since < LIVE_FOLD_EVERY || !allowed) return;
    this.since = 0;
    this.running = this.store
      .beside(async (side) => {
        await foldLiveState(side);
        await foldNewEvents(side, FOLD_EVERY);
      })
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
      });
  }
}
