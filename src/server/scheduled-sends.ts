/** What the digest and the alerts share: a repeating timer `serve` runs, and sending to several targets at once. */
import type { DigestEmail } from '../config/schema/index.js';
import { TruenorthError } from '../errors.js';
import { smtpAddress } from '../app/digest-mail.js';

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = { now: Date.now, setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
/** Timers cannot wait longer than about 24.8 days; longer waits re-arm. */
const MAX_WAIT = 2 ** 31 - 1;

export interface Repeating {
  /** The first instant it runs at. */
  first: number;
  /** The instant after `due` (the one that just ran) at `now`. */
  next(due: number, now: number): number;
  /** Does the work; resolves to a one-line outcome for the log. */
  run(now: number): Promise<string>;
  /** What the log says before the message of a run that failed. */
  failed: string;
}

/** Runs `job` at each instant it names until stopped; a run that fails is logged and the next one comes on time. */
export function repeatUntilStopped(job: Repeating, log: (line: string) => void, timers: Timers = realTimers): { stop(): void; next(): number } {
  let handle: unknown;
  let due = job.first;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const wait = Math.max(0, Math.min(MAX_WAIT, due - timers.now()));
    handle = timers.setTimeout(async () => {
      if (timers.now() < due) return arm();
      try {
        log(await job.run(timers.now()));
      } catch (e) {
        log(`${job.failed}: ${(e as Error).message}`);
      }
      due = job.next(due, timers.now());
      arm();
    }, wait);
  };
  arm();
  return {
    stop() {
      stopped = true;
      timers.clearTimeout(handle);
    },
    next: () => due,
  };
}

/** Sends to every target at once (one that fails does not keep the others from theirs): what took it, and the errors. */
export async function sendToEach(sends: Promise<string>[]): Promise<{ done: string[]; failed: Error[] }> {
  const outcomes = await Promise.allSettled(sends);
  return {
    done: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
    failed: outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : [])),
  };
}

/** One error naming every failed target and where the rest went. */
export function deliveryFailed(failed: Error[], done: string[]): TruenorthError {
  return new TruenorthError('delivery_failed', [...failed.map((e) => e.message), `sent to ${done.join(' and ') || 'nowhere'}`].join('; '));
}

/** An email target as `serve`'s first lines name it. */
export function emailTarget(email: DigestEmail): string {
  return `${email.to.length} recipient${email.to.length === 1 ? '' : 's'} by email through ${smtpAddress(email)}`;
}
