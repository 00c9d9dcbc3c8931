import { isTruenorthError, TruenorthError } from '../errors.js';
import type { NormalizedMessage } from '../model/message.js';
import type { QualityTally } from './ingest/quality.js';
import type { WriteCounts } from './ingest/writer.js';

/**
 * Where ingested messages go. `write` settles only when the messages are durable in the engine
 * (committed to DuckDB's WAL, or the ClickHouse insert returned), so the HTTP layer answers 2xx
 * for stored data only. Full or closed sinks reject at once with QueueFullError / QueueClosedError.
 */
export interface IngestSink {
  /** `quality`: the request's data-quality counts, stored with its messages (duplicates are added then). */
  write(messages: NormalizedMessage[], source: string, quality?: QualityTally): Promise<WriteCounts>;
  /** True while the sink takes work. */
  readonly ready: boolean;
  /** Messages accepted and not yet stored. */
  readonly pending: number;
  /** Messages stored so far. */
  readonly committed: number;
  /** Why writes cannot succeed now (a full disk, an unreachable engine); undefined while they can. */
  readonly failure: string | undefined;
  /** Stops taking work; resolves when everything accepted is stored. */
  close(): Promise<void>;
}

export class QueueFullError extends TruenorthError {
  constructor(retryAfterSeconds: number) {
    super('overloaded', undefined, { retryAfterSeconds });
  }
}

export class QueueClosedError extends TruenorthError {
  constructor() {
    super('shutting_down');
  }
}

/** DuckDB's words for a database that refuses everything until it is opened again. */
export const STORE_INVALIDATED = /invalidated|FATAL Error/i;

const FAILURE_REASONS: [RegExp, string][] = [
  [/No space left|ENOSPC|disk is full|NOT_ENOUGH_SPACE/i, 'the disk is full'],
  [/Too many open files|EMFILE|ENFILE/i, 'out of file descriptors'],
  [STORE_INVALIDATED, 'the database was invalidated by a failed write; reopening it'],
  [/I\/O Error|IO Error|EIO\b|fsync/i, 'an I/O error'],
];

/** Why writes fail, in words fit for an unauthenticated /ready: a class, never the engine's text. */
export function storeFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return FAILURE_REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? 'a write failed';
}

/** The first line of an engine's error, for the operator's log. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 300);
}

/** A request's own problem (a bad ledger row, an unknown key): its 4xx, not the store's failure. */
export function isRequestError(error: unknown): boolean {
  return isTruenorthError(error) && error.status < 500;
}

