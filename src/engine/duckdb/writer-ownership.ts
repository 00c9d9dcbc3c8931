import { AsyncLocalStorage } from 'node:async_hooks';
import { TruenorthError } from '../../errors.js';

/** The writing connection, held by one owner: its work runs through `run`, and `release` gives the connection back. */
export interface HeldWriter {
  run<T>(work: () => Promise<T>): Promise<T>;
  release(): void;
}

/**
 * Whether the hold is checked: with TRUENORTH_CHECK_WRITER=1 (the test suite sets it). The check
 * tracks the holder's work through AsyncLocalStorage, whose promise hooks on Node 20 cost a server
 * about a tenth of its ingestion rate, so a production server does not pay for it.
 */
const checked = (): boolean => process.env.TRUENORTH_CHECK_WRITER === '1';

/**
 * Who may use a store's writing connection. While a server's write queue holds it, a statement on it
 * from outside the queue's work would run inside the queue's open transaction, or cut short the
 * stream the queue reads (DuckDB closes a connection's stream when its next statement starts, and the
 * abandoned stream's result keeps the database open until it is garbage-collected, so a store opened
 * again on the file meets the old one's checkpoint). When checked, such a statement is refused at once.
 */
export class WriterOwnership {
  /** The hold in force, and the context that tracks its work when checked. */
  private current: { work: AsyncLocalStorage<true> | undefined } | undefined;

  hold(): HeldWriter {
    if (this.current) throw new TruenorthError('internal', 'the writing connection is held already');
    const hold = { work: checked() ? new AsyncLocalStorage<true>() : undefined };
    this.current = hold;
    return {
      run: (work) => (hold.work ? hold.work.run(true, work) : work()),
      release: () => {
        if (this.current === hold) this.current = undefined;
      },
    };
  }

  /** Throws when the connection is held, the hold is checked and the caller is not the holder's work. */
  check(path: string): void {
    const work = this.current?.work;
    if (work && work.getStore() !== true) {
      throw new TruenorthError('internal', `the writing connection of ${path} is its write queue's: write through the queue, read on a reader`);
    }
  }
}
