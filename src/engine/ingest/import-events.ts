import type { Readable } from 'node:stream';
import { InputError } from '../../errors.js';
import type { NormalizedMessage } from '../../model/message.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { HINT_SAMPLE_ROWS, importHint } from './import-hint.js';
import type { ImportCounts, ImportReport, RowError } from './import-report.js';

export type { ImportCounts, ImportReport, RowError } from './import-report.js';
import { detectHistorySource, historyConverter, type HistoryConverter, type HistorySource } from './history.js';
import { isObject, normalizeMessage, type NormalizeResult, type NormalizeWarnings } from './normalize.js';
import { importParquetFast, isRefusal, REST_LINE_COLUMN } from './parquet-fast.js';
import { qualityDay, QualityTally, recordQuality } from './quality.js';
import { importNdjsonInEngine } from './ndjson-fast.js';
import { isZipFile } from './containers.js';
import { detectFormat, displayName, openParquetRest, openPlainText, openSource, type FileFormat, type Source, type SourceRecord } from './sources.js';
import { IngestWriter } from './writer.js';

export interface ImportOptions {
  format?: string;
  /** The tool an export comes from (`--from`); by default told from the first record's shape. */
  from?: HistorySource;
  /** Reject the whole file, writing nothing, at the first bad row. */
  strict?: boolean;
  batchSize?: number;
  stdin?: Readable;
  /** The file's name in messages (default: its path, or stdin). */
  label?: string;
  /** Called after every batch: progress and total in bytes (text) or rows (Parquet). */
  onProgress?: (done: number, total: number | undefined, counts: ImportCounts) => void;
  /**
   * NDJSON lines the engine can normalise are read and normalised in DuckDB (ndjson-fast.ts), the
   * others by the normaliser; not under --strict nor with a `commit` of the caller's (the typed read
   * runs outside the batch's transaction). On by default; false reads every line with the normaliser.
   */
  inEngine?: boolean;
  /** Commits one batch of a text import that is not --strict (default: a transaction of its own). */
  commit?: CommitUnit;
}

/**
 * How an import commits one unit of its work atomically: by default in a transaction of its own;
 * a server queues it among ingestion's group commits instead. `weight` is the unit's message count.
 */
export type CommitUnit = <T>(work: () => Promise<T>, weight: number) => Promise<T>;

/** An import's data-quality tally: rejections and clamped timestamps counted while reading. */
export interface ImportQuality {
  tally: QualityTally;
  source: string;
  /** When the import started: the "receipt" of its messages (ms). */
  importedAt: number;
}

/** A tally for an import of `format` starting now. */
export function importQuality(format: FileFormat): ImportQuality {
  return { tally: new QualityTally(), source: `file:${format}`, importedAt: Date.now() };
}

const MAX_KEPT_ERRORS = 100;

export interface MessageBatches {
  format: FileFormat;
  /** Normalised messages of the good rows, `batchSize` at a time; bad rows go to `errors` (or throw under --strict). */
  batches: AsyncIterable<NormalizedMessage[]>;
  progress(): number;
  total?: number;
  /** The file's first rows as read, for `importHint`. */
  sample: unknown[];
}

/** Reads a file with the import policy: what every engine's file import shares. `lineOf`, when given, learns each message's line. */
export async function readMessageBatches(
  path: string, options: ImportOptions, counts: ImportCounts, errors: RowError[], opened?: Source, quality?: ImportQuality,
  lineOf?: WeakMap<NormalizedMessage, number>,
): Promise<MessageBatches> {
  const format = detectFormat(path, options.format);
  const source = opened ?? await openSource(path, format, options.stdin);
  const batchSize = options.batchSize ?? 20_000;
  const reader = recordReader(path, options, counts, errors, quality);
  async function* batches(): AsyncIterable<NormalizedMessage[]> {
    let batch: NormalizedMessage[] = [];
    // The source hands over a chunk of records at a time: one await per chunk, not per record.
    for await (const records of source.batches) {
      reader.read(records, (m, line) => {
        batch.push(m);
        lineOf?.set(m, line);
      });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }
  return { format, batches: batches(), progress: () => source.progress(), total: source.total, sample: reader.sample };
}

/** Reads records with the import policy: normalised messages go to `keep`, bad rows to `errors` (or throw under --strict). */
export interface RecordReader {
  read(records: readonly SourceRecord[], keep: (message: NormalizedMessage, line: number) => void): void;
  /** The file's first rows as read, for `importHint`. */
  sample: unknown[];
}

/** `from`: the tool the file was exported from; null when it is known to be none (else told from the first record). */
export function recordReader(
  path: string, options: ImportOptions, counts: ImportCounts, errors: RowError[], quality?: ImportQuality, from?: HistorySource | null,
): RecordReader {
  const day = qualityDay(quality?.importedAt ?? Date.now());
  const sample: unknown[] = [];
  const reject = (record: SourceRecord, reason: string) => {
    const where = `${options.label ?? displayName(path)}${record.file === undefined ? '' : ` (${record.file})`} line ${record.line}`;
    if (options.strict) throw new InputError(`${where}: ${reason}; nothing was imported (--strict)`);
    counts.rejected++;
    quality?.tally.reject(day, quality.source, reason);
    if (errors.length < MAX_KEPT_ERRORS) errors.push(record.file === undefined ? { line: record.line, reason } : { line: record.line, file: record.file, reason });
  };
  const normalize = exportReader(from === undefined ? options.from : from, quality?.importedAt);
  const read = (records: readonly SourceRecord[], keep: (message: NormalizedMessage, line: number) => void) => {
    for (const record of records) {
      if ('error' in record) {
        reject(record, record.error);
        continue;
      }
      if (sample.length < HINT_SAMPLE_ROWS) sample.push(record.value);
      const result = normalize(record.value);
      if (!result.ok) {
        reject(record, result.error);
        continue;
      }
      if (quality && (result.clockSkew || result.futureClamped)) quality.tally.warn(day, quality.source, result);
      for (const m of result.messages) keep(m, record.line);
    }
  };
  return { read, sample };
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
  const quality = importQuality(format);
  const day = qualityDay(quality.importedAt);
  const writer = new IngestWriter(store, quality.source);
  let input: MessageBatches | undefined;
  const commit: CommitUnit = options.commit ?? ((work) => store.transaction(work));
  // The batch and the quality counts gathered so far are stored in one transaction.
  const storeBatch = async (batch: NormalizedMessage[]) => {
    const written = await writer.write(batch);
    quality.tally.add(day, quality.source, 'duplicate', '', written.duplicates);
    await recordQuality(store, quality.tally);
    return written;
  };
  const write = async (batch: NormalizedMessage[]) => {
    const written = options.strict ? await storeBatch(batch) : await commit(() => storeBatch(batch), batch.length);
    counts.imported += written.inserted;
    counts.duplicates += written.duplicates;
    options.onProgress?.(input!.progress(), input!.total, counts);
  };
  // While the database stores one batch (off the JavaScript thread), the next one is read and
  // normalised. Batches are still written one after the other, in file order.
  let writing: Promise<void> | undefined;
  const readAll = async () => {
    // A Parquet file: the rows DuckDB can store exactly as the normaliser would go straight from the
    // file to the table (parquet-fast.ts); the normaliser reads the others (all of them in an export
    // read --from another tool).
    let rest: Source | undefined;
    if (format === 'parquet' && path !== '-' && !options.from) {
      const fast = async (singlePass: boolean) => {
        const done = await importParquetFast(store, path, quality.source, quality.importedAt, { singlePass });
        if (done) {
          quality.tally.add(day, quality.source, 'duplicate', '', done.rows - done.inserted);
          await recordQuality(store, quality.tally);
        }
        return done;
      };
      // In a transaction of its own, the file is first read once, the guard inside the insert; a row
      // it refuses rolls that back, and the checked path (the guard's pass first) runs instead.
      const done = options.strict ? await fast(false)
        : await store.transaction(() => fast(true)).catch((e: unknown) => (isRefusal(e) ? store.transaction(() => fast(false)) : Promise.reject(e)));
      if (done) {
        counts.imported += done.inserted;
        counts.duplicates += done.rows - done.inserted;
        options.onProgress?.(done.rows, undefined, counts);
        if (!done.rest) return;
        cleanup = done.cleanup;
        rest = await openParquetRest(done.rest, REST_LINE_COLUMN);
      }
    }
    if (format === 'ndjson' && options.inEngine !== false && !options.strict && !options.commit && !options.from && !isZipFile(path)) {
      const text = openPlainText(path, options.stdin);
      sample = await importNdjsonInEngine(text, {
        store, writer, counts, source: quality.source, importedAt: quality.importedAt,
        batchLines: options.batchSize ?? DUCKDB_IMPORT_BATCH,
        reader: (from) => recordReader(path, options, counts, errors, quality, from),
        commit,
        recordQuality: async (duplicates) => {
          quality.tally.add(day, quality.source, 'duplicate', '', duplicates);
          await recordQuality(store, quality.tally);
        },
        onBatch: () => options.onProgress?.(text.progress(), text.total, counts),
      });
      return;
    }
    input = await readMessageBatches(path, { ...options, batchSize: options.batchSize ?? DUCKDB_IMPORT_BATCH }, counts, errors, rest, quality);
    sample = input.sample;
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
    // Rejections after the last batch (or in a file with no good row at all).
    if (!quality.tally.empty) await (options.strict ? recordQuality(store, quality.tally) : commit(() => recordQuality(store, quality.tally), 1));
  };
  let cleanup: (() => Promise<void>) | undefined;
  let sample: unknown[] = [];
  try {
    if (options.strict) await store.transaction(readAll);
    else await readAll();
  } finally {
    await cleanup?.();
  }
  return withHint({ format, ...counts, errors }, sample);
}

/** Adds the hint at the right command or format when rows were rejected. */
export function withHint(report: ImportReport, sample: readonly unknown[]): ImportReport {
  if (report.rejected === 0) return report;
  const hint = importHint(sample, 'events');
  return hint ? { ...report, hint } : report;
}

/**
 * Reads one record of the file: as the normaliser does, or first through the converter of the tool it
 * was exported from (`from`, else told from the shape of the file's first record: see history.ts).
 */
function exportReader(from: HistorySource | null | undefined, importedAt: number | undefined): (value: unknown) => NormalizeResult {
  let convert: HistoryConverter | null | undefined = from ? historyConverter(from) : from;
  return (value) => {
    if (convert === undefined && isObject(value)) {
      const source = detectHistorySource(value);
      convert = source === undefined ? null : historyConverter(source);
    }
    if (!convert || !isObject(value)) return normalizeMessage(value, { importedAt });
    let raws: unknown[];
    try {
      raws = convert(value);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    const out: NormalizedMessage[] = [];
    const warnings: NormalizeWarnings = {};
    for (const raw of raws) {
      const result = normalizeMessage(raw, { importedAt });
      if (!result.ok) return result;
      out.push(...result.messages);
      if (result.clockSkew) warnings.clockSkew = true;
      if (result.futureClamped) warnings.futureClamped = true;
    }
    return { ok: true, messages: out, ...warnings };
  };
}
