import { setTimeout as sleep } from 'node:timers/promises';
import type { Row, SqlEngine, SqlParams } from '../engine/sql-engine.js';
import { TruenorthError } from '../errors.js';

/** A report running longer than this is cancelled (`truenorth serve --report-timeout <seconds>`). */
export const DEFAULT_REPORT_TIMEOUT_SECONDS = 60;

/** After the limit, how long to wait for the cancelled query to stop before answering anyway. */
const STOP_GRACE_MS = 2_000;
/** DuckDB drops an interrupt that lands between two queries: it is repeated until the report stops. */
const INTERRUPT_EVERY_MS = 50;

/** 503 with Retry-After: the report was cancelled at its time limit. */
export function reportTimeout(timeoutMs: number): TruenorthError {
  const seconds = timeoutMs / 1000;
  return new TruenorthError('report_timeout', `the report ran longer than the ${seconds} s limit (truenorth serve --report-timeout) and was cancelled; narrow its range or raise the limit`,
    { retryAfterSeconds: Math.max(1, Math.ceil(seconds)), details: { timeout_seconds: seconds } },
  );
}

/**
 * Runs a report with a time limit. At the limit the query running on `engine` is interrupted, no
 * further query starts, and the report fails with `reportTimeout` (once its query has stopped, so
 * the caller can close the engine). The engine's owner closes it.
 */
export async function withReportDeadline<T>(engine: SqlEngine, timeoutMs: number, work: (engine: SqlEngine) => Promise<T>): Promise<T> {
  let expired = false;
  const guarded: SqlEngine = {
    dialect: engine.dialect,
    get dataVersion() {
      return engine.dataVersion;
    },
    ...(engine.versionOf ? { versionOf: (sql: string) => engine.versionOf!(sql) } : {}),
    all<R = Row>(sql: string, params?: SqlParams): Promise<R[]> {
      return expired ? Promise.reject(reportTimeout(timeoutMs)) : engine.all<R>(sql, params);
    },
    close: async () => undefined,
  };
  const running = work(guarded);
  const deadline = new AbortController();
  const timedOut = Symbol('timed out');
  try {
    const first = await Promise.race([running, sleep(timeoutMs, timedOut, { signal: deadline.signal })]);
    if (first !== timedOut) return first as T;
  } finally {
    deadline.abort();
  }
  expired = true;
  const stopped = running.then(() => true, () => true);
  const giveUp = Date.now() + STOP_GRACE_MS;
  do engine.interrupt?.();
  while (!(await Promise.race([stopped, sleep(INTERRUPT_EVERY_MS, false)])) && Date.now() < giveUp);
  throw reportTimeout(timeoutMs);
}
