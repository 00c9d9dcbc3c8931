import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { DuckDbStore } from '../engine/duckdb/database.js';
import { importEvents, type CommitUnit, type ImportReport } from '../engine/ingest/import-events.js';
import { importLedger } from '../engine/ingest/import-ledger.js';
import type { FileFormat } from '../engine/ingest/sources.js';
import { bodyReceived } from './connections.js';
import { TruenorthError } from '../errors.js';
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
}

/**
 * Receives the upload into an owner-only temp file before anything is imported, outside the write
 * queue: a client that pauses holds its own connection only, and when the stall deadline cuts it,
 * nothing of its file has been imported. Runs `work` on the complete file, then removes it.
 */
export async function spoolUpload<T>(req: FastifyRequest, format: FileFormat, work: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-import-')); // created 0700
  const path = join(dir, `upload.${format}`);
  try {
    try {
      await pipeline(req.body as Readable, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      if (!req.raw.socket || req.raw.socket.destroyed) {
        throw new TruenorthError('upload_cut', 'the upload stopped before its end (it stalled past the deadline, or the client went away); nothing was imported');
      }
      throw error;
    }
    bodyReceived(req);
    return await work(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Imports a spooled upload. Text events go batch by batch and a ledger as one unit, each queued
 * among ingestion's group commits (atomic, deduplicated by the same index). A --strict events
 * import is one transaction and a Parquet file is read by DuckDB in bulk: those run alone.
 */
export function importUpload(queue: WriteQueue, store: DuckDbStore, path: string, upload: ImportUpload): Promise<ImportReport> {
  const { format, strict } = upload;
  // The weight only steers back-pressure: a large unit must not make ingestion look full.
  const commit: CommitUnit = (work, weight) => queue.runWaiting(work, Math.min(weight, IMPORT_LANE_BATCH));
  const file = () => createReadStream(path, { highWaterMark: 1 << 20 });
  // Read as stdin ('-'): the report names lines of "stdin", as for any upload.
  if (upload.kind === 'subscriptions') return importLedger(store, '-', { stdin: file(), strict, commit });
  if (format === 'parquet') return queue.exclusive((s) => importEvents(s, path, { format, strict }));
  if (strict) return queue.exclusive((s) => importEvents(s, '-', { stdin: file(), format, strict }));
  return importEvents(store, '-', { stdin: file(), format, commit, batchSize: IMPORT_LANE_BATCH });
}
