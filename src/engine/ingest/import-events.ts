import type { Readable } from 'node:stream';
import { InputError } from '../../errors.js';
import type { NormalizedMessage } from '../../model/message.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { normalizeMessage } from './normalize.js';
import { detectFormat, openSource, type FileFormat, type SourceRecord } from './sources.js';
import { IngestWriter } from './writer.js';

export interface ImportOptions {
  format?: string;
  /** Reject the whole file, writing nothing, at the first bad row. */
  strict?: boolean;
  batchSize?: number;
  stdin?: Readable;
  /** Called after every batch: progress and total in bytes (text) or rows (Parquet). */
  onProgress?: (done: number, total: number | undefined, counts: ImportCounts) => void;
}

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
export async function readMessageBatches(path: string, options: ImportOptions, counts: ImportCounts, errors: RowError[]): Promise<MessageBatches> {
  const format = detectFormat(path, options.format);
  const source = await openSource(path, format, options.stdin);
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
  const input = await readMessageBatches(path, { ...options, batchSize: options.batchSize ?? DUCKDB_IMPORT_BATCH }, counts, errors);
  const writer = new IngestWriter(store, `file:${input.format}`);
  const write = async (batch: NormalizedMessage[]) => {
    const written = options.strict ? await writer.write(batch) : await store.transaction(() => writer.write(batch));
    counts.imported += written.inserted;
    counts.duplicates += written.duplicates;
    options.onProgress?.(input.progress(), input.total, counts);
  };
  // While the database stores one batch (off the JavaScript thread), the next one is read and
  // normalised. Batches are still written one after the other, in file order.
  let writing: Promise<void> | undefined;
  const readAll = async () => {
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
  if (options.strict) await store.transaction(readAll);
  else await readAll();
  return { format: input.format, ...counts, errors };
}

function displayName(path: string): string {
  return path === '-' ? 'stdin' : path;
}
