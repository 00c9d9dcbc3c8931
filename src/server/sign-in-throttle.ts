import { TruenorthError } from '../errors.js';
import { MINUTE_MS } from '../model/time.js';

/**
 * Failed sign-ins, per client address: after MAX_FAILURES unknown keys within WINDOW_MS, every
 * sign-in attempt from that address (dashboard sign-in, or a secret key on the read and admin API)
 * answers 429 with Retry-After until the window that began with its first failure has passed.
 * Write keys on the ingestion routes are not throttled: they ship inside web pages and apps, so
 * guessing one gains nothing, and one misconfigured sender must not lock out its neighbours.
 */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * MINUTE_MS;
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  since: number;
}

export class SignInThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Throws 429 while `address` has used up its failures. */
  check(address: string): void {
    const entry = this.live(address);
    if (!entry || entry.count < MAX_FAILURES) return;
    const wait = Math.max(1, Math.ceil((entry.since + WINDOW_MS - this.now()) / 1000));
    throw new TruenorthError('too_many_failures', `too many failed sign-ins from this address; retry in ${wait} s`, { retryAfterSeconds: wait });
  }

  /** Records one unknown key presented from `address`. */
  fail(address: string): void {
    const entry = this.live(address);
    if (entry) {
      entry.count++;
      return;
    }
    if (this.failures.size >= MAX_ADDRESSES) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(address, { count: 1, since: this.now() });
  }

  private live(address: string): Failures | undefined {
    const entry = this.failures.get(address);
    if (entry && this.now() - entry.since >= WINDOW_MS) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }
}
