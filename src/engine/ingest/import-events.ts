import type { Readable } from 'node:stream';
import { InputError } from '../../errors.js';
import type { NormalizedMessage } from '../../model/message.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { normalizeMessage } from './normalize.js';
import { importParquetFast, REST_LINE_COLUMN } from './parquet-fast.js';
import { detectFormat, openParquetRest, openSource, type FileFormat, type Source, type SourceRecord } from './sources.js';
import { IngestWriter } from './writer.js';

export interface ImportOptions {
  format?: string;
  /** Reject the whole file, writing nothing, at the first bad row. */
  strict?: boolean;
  batchSize?: number;
  stdin?: Readable;
  /** Called after every batch: progress and total in bytes (text) or rows (Parquet). */
  onProgress?: (done: number, total: number | undefined, counts: ImportCounts) => void;
  /** Commits one batch of a text import that is not --strict (default: a transaction of its own). */
  commit?: CommitUnit;
}

/**
 * How an import commits one unit of its work atomically: by default in a transaction of its own;
 * a server queues it among ingestion's group commits instead. `weight` is the unit's message count.
 */
export type CommitUnit = <T>(work: () => Promise<T>, weight: number) => Promise<T>;

export interface ImportCounts {
  imported: number;
  duplicates: number;
  rejected: number;
}

export interface RowError {
  line: number;
  reason: string;
}

export interface ImportReport extends ImportCounts {
  format: FileFormat;
  /** The first rejected rows, in file order (at most 100 are kept). */
  errors: RowError[];
}

const MAX_KEPT_ERRORS = 100;

export interface MessageBatches {
  format: FileFormat;
  /** Normalised messages of the good rows, `batchSize` at a time; bad rows go to `errors` (or throw under --strict). */
  batches: AsyncIterable<NormalizedMessage[]>;
  progress(): number;
  total?: number;
}

/** Reads a file with the import policy: what every engine's file import shares. */
export async function readMessageBatches(path: string, options: ImportOptions, counts: ImportCounts, errors: RowError[], opened?: Source): Promise<MessageBatches> {
  const format = detectFormat(path, options.format);
  const source = opened ?? await openSource(path, format, options.stdin);
  const batchSize = options.batchSize ?? 20_000;
  const reject = (record: SourceRecord, reason: string) => {
    if (options.strict) throw new InputError(`${displayName(path)} line ${record.line}: ${reason}; nothing was imported (--strict)`);
    counts.rejected++;
    if (errors.length < MAX_KEPT_ERRORS) errors.push({ line: record.line, reason });
  };
  async function* batches(): AsyncIterable<NormalizedMessage[]> {
    let batch: NormalizedMessage[] = [];
    // The source hands over a chunk of records at a time: one await per chunk, not per record.
    for await (const records of source.batches) {
      for (const record of records) {
        if ('error' in record) {
          reject(record, record.error);
          continue;
        }
        const result = normalizeMessage(record.value);
        if (!result.ok) {
          reject(record, result.error);
          continue;
        }
        for (const m of result.messages) batch.push(m);
      }
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }
  return { format, batches: batches(), progress: () => source.progress(), total: source.total };
}

/**
 * Messages per DuckDB transaction in a file import: above two row groups (2 × 122,880 rows) DuckDB
 * writes the rows straight to the database file at commit instead of through the WAL.
 */
const DUCKDB_IMPORT_BATCH = 250_000;

export async function importEvents(store: DuckDbStore, path: string, options: ImportOptions = {}): Promise<ImportReport> {
  const counts: ImportCounts = { imported: 0, duplicates: 0, rejected: 0 };
  const errors: RowError[] = [];
  const format = detectFormat(path, options.format);
  const writer = new IngestWriter(store, `file:${format}`);
  let input: MessageBatches | undefined;
  const commit: CommitUnit = options.commit ?? ((work) => store.transaction(work));
  const write = async (batch: NormalizedMessage[]) => {
    const written = options.strict ? await writer.write(batch) : await commit(() => writer.write(batch), batch.length);
    counts.imported += written.inserted;
    counts.duplicates += written.duplicates;
    options.onProgress?.(input!.progress(), input!.total, counts);
  };
  // While the database stores one batch (off the JavaScript thread), the next one is read and
  // normalised. Batches are still written one after the other, in file order.
  let writing: Promise<void> | undefined;
  const readAll = async () => {
    // A Parquet file: the rows DuckDB can store exactly as the normaliser would go straight from the
    // file to the table (parquet-fast.ts); the normaliser reads the others.
    let rest: Source | undefined;
    if (format === 'parquet' && path !== '-') {
      const fast = () => importParquetFast(store, path, `file:${format}`, Date.now());
      const done = options.strict ? await fast() : await store.transaction(fast);
      if (done) {
        counts.imported += done.inserted;
        counts.duplicates += done.rows - done.inserted;
        options.onProgress?.(done.rows, undefined, counts);
        if (!done.rest) return;
        cleanup = done.cleanup;
        rest = await openParquetRest(done.rest, REST_LINE_COLUMN);
      }
    }
    input = await readMessageBatches(path, { ...options, batchSize: options.batchSize ?? DUCKDB_IMPORT_BATCH }, counts, errors, rest);
    try {
      for await (const batch of input.batches) {
        if (writing) await writing;
        writing = write(batch);
        writing.catch(() => {}); // awaited before the next batch; this only keeps it from counting as unhandled meanwhile
      }
      if (writing) await writing;
    } finally {
      // A row rejected under --strict stops the reading: the batch in flight settles before the rollback.
      await writing?.catch(() => {});
    }
  };
  let cleanup: (() => Promise<void>) | undefined;
  try {
    if (options.strict) await store.transaction(readAll);
    else await readAll();
  } finally {
    await cleanup?.();
  }
  return { format, ...counts, errors };
}

function displayName(path: string): string {
  return path === '-' ? 'stdin' : path;
}
