import { createReadStream } from 'node:fs';
import type { DuckDbStore } from './database.js';
import { importEvents, type CommitUnit, type ImportReport } from '../ingest/import-events.js';
import { importLedger } from '../ingest/import-ledger.js';
import { isZipFile } from '../ingest/containers.js';
import type { HistorySource } from '../ingest/history.js';
import type { FileFormat } from '../ingest/sources.js';
import type { WriteQueue } from './write-queue.js';

/**
 * Messages per committed batch of an import through the server: under the queue's group size, so
 * a batch shares a group commit with ingestion instead of holding the queue.
 */
export const IMPORT_LANE_BATCH = 10_000;

export interface ImportUpload {
  kind: 'events' | 'subscriptions';
  format: FileFormat;
  strict: boolean;
  /** The tool an events export comes from (default: told from its first record). */
  from?: HistorySource;
}

/**
 * Imports a spooled upload. Text events go batch by batch and a ledger as one unit, each queued
 * among ingestion's group commits (atomic, deduplicated by the same index). A --strict events
 * import is one transaction and a Parquet file is read by DuckDB in bulk: those run alone.
 */
export function importUpload(queue: WriteQueue, store: DuckDbStore, path: string, upload: ImportUpload): Promise<ImportReport> {
  const { format, strict, from } = upload;
  // The weight only steers back-pressure: a large unit must not make ingestion look full.
  const commit: CommitUnit = (work, weight) => queue.runWaiting(work, Math.min(weight, IMPORT_LANE_BATCH));
  const file = () => createReadStream(path, { highWaterMark: 1 << 20 });
  // Read as stdin ('-'): the report names lines of "stdin", as for any upload. A zip archive is read
  // from its end, so from the spooled file.
  if (upload.kind === 'subscriptions') return importLedger(store, '-', { stdin: file(), strict, commit });
  if (format === 'parquet') return queue.exclusive((s) => importEvents(s, path, { format, strict }));
  const name = isZipFile(path) ? path : '-';
  if (strict) return queue.exclusive((s) => importEvents(s, name, { stdin: file(), format, from, strict }));
  return importEvents(store, name, { stdin: file(), format, from, commit, batchSize: IMPORT_LANE_BATCH });
}
