import { parse as parseCsv } from 'csv-parse';
import { isAscii } from 'node:buffer';
import { createReadStream, statSync } from 'node:fs';
import { pipeline, Transform, type Readable } from 'node:stream';
import { InputError } from '../../errors.js';
import { loadDuckDbDriver } from '../duckdb/driver.js';
import { isZipFile, plainBytes, zipMembers } from './containers.js';
import { isObject } from './normalize.js';

/**
 * One record read from a file: its 1-based line (or row) number and the parsed value, or why it could
 * not be parsed; `file` names the member of a zip archive it was read from.
 */
export type SourceRecord = ({ line: number; value: unknown } | { line: number; error: string }) & { file?: string };

export type FileFormat = 'ndjson' | 'csv' | 'parquet';

export interface Source {
  records: AsyncIterable<SourceRecord>;
  /** The same records, a chunk at a time (cheaper to iterate than one promise per record). */
  batches: AsyncIterable<SourceRecord[]>;
  /** Total size for progress: bytes for text files, rows for Parquet; undefined for stdin. */
  total?: number;
  /** Progress so far, in the same unit as total. */
  progress(): number;
}

export function detectFormat(path: string, explicit?: string): FileFormat {
  if (explicit) {
    if (explicit === 'ndjson' || explicit === 'jsonl' || explicit === 'json') return 'ndjson';
    if (explicit === 'csv' || explicit === 'parquet') return explicit;
    throw new InputError(`--format: expected ndjson, csv or parquet, got ${explicit}`);
  }
  if (path === '-') return 'ndjson';
  const lower = path.toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.zip')) return 'ndjson';
  if (lower.endsWith('.parquet')) return 'parquet';
  if (/\.(ndjson|jsonl|json)$/.test(lower)) return 'ndjson';
  throw new InputError(`${path}: cannot tell the format from the file name; pass --format ndjson|csv|parquet`);
}

export async function openSource(path: string, format: FileFormat, stdin: Readable = process.stdin): Promise<Source> {
  if (format === 'parquet') {
    if (path === '-') throw new InputError('Parquet cannot be read from stdin; pass a file path');
    return parquetSource(path);
  }
  if (format === 'ndjson' && isZipFile(path)) return zipSource(path);
  const text = openPlainText(path, stdin);
  if (format === 'ndjson') return ndjsonSource(text.bytes, text);
  const records = csvRecords(text.bytes);
  return { records, batches: chunked(records), total: text.total, progress: text.progress };
}

/** A text file's bytes (gunzipped when gzipped), its size and the bytes read so far. */
export interface PlainText {
  bytes: Readable;
  total?: number;
  progress(): number;
}

export function openPlainText(path: string, stdin: Readable = process.stdin): PlainText {
  const { stream: input, total } = openText(path, stdin);
  let bytes = 0;
  // Bytes are counted as they pass through, not with a 'data' listener: that would start the stream
  // flowing before anything reads it, and the rows read meanwhile (e.g. while --strict opens its
  // transaction) would be lost.
  const stream = new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      callback(null, chunk);
    },
  });
  pipeline(input, stream, () => {}); // a read error reaches the reader through `stream`
  return { bytes: plainBytes(stream, displayName(path)), total, progress: () => bytes };
}

/** NDJSON records of plain bytes, with the progress of the file they come from. */
export function ndjsonSource(bytes: AsyncIterable<Buffer | string>, from: Omit<PlainText, 'bytes'>): Source {
  const batches = ndjsonBatches(bytes);
  return { records: flatten(batches), batches, total: from.total, progress: from.progress };
}

/** A zip archive of NDJSON files (gzipped or not): their records in archive order, each line numbered within its file. */
function zipSource(path: string): Source {
  let packed = 0;
  async function* batches(): AsyncIterable<SourceRecord[]> {
    for await (const member of zipMembers(path)) {
      for await (const records of ndjsonBatches(member.bytes, member.name)) yield records;
      packed += member.packedSize;
    }
  }
  const all = batches();
  return { records: flatten(all), batches: all, total: statSync(path).size, progress: () => packed };
}

export function displayName(path: string): string {
  return path === '-' ? 'stdin' : path;
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncIterable<T> {
  for await (const batch of batches) yield* batch;
}

async function* chunked<T>(items: AsyncIterable<T>, size = 1000): AsyncIterable<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function openText(path: string, stdin: Readable): { stream: Readable; total?: number } {
  if (path === '-') return { stream: stdin };
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new InputError(`${path}: no such file`);
  }
  return { stream: createReadStream(path, { highWaterMark: 1 << 20 }), total: size };
}

/**
 * The records of one NDJSON line (numbered `line`): none for a blank line, one error for a line that
 * is not JSON, the items of a Segment/PostHog batch body or of an array, else the value.
 */
export function ndjsonLineRecords(text: string, line: number, out: SourceRecord[], file?: string): void {
  if (text.length === 0 || text.trim() === '') return;
  const valueAt = (value: unknown): SourceRecord => (file === undefined ? { line, value } : { line, value, file });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    out.push({ line, file, error: `invalid JSON (${(e as Error).message.split('\n')[0]})` });
    return;
  }
  // A line may hold a whole Segment/PostHog batch body.
  if (isObject(value) && Array.isArray(value.batch)) {
    for (const item of value.batch) out.push(valueAt(item));
  } else if (Array.isArray(value)) {
    for (const item of value) out.push(valueAt(item));
  } else {
    out.push(valueAt(value));
  }
}

/**
 * NDJSON records, one chunk of the stream at a time. Lines end at \n, \r\n or a lone \r (as
 * readline splits them), so line numbers are those an editor shows; blank lines are skipped.
 */
async function* ndjsonBatches(stream: AsyncIterable<Buffer | string>, file?: string): AsyncIterable<SourceRecord[]> {
  let line = 0;
  for await (const body of ndjsonBodies(stream)) {
    const out: SourceRecord[] = [];
    for (const piece of ndjsonLines(body)) ndjsonLineRecords(piece, ++line, out, file);
    if (out.length) yield out;
  }
}

/**
 * NDJSON bytes cut into runs of whole lines: after a chunk's last \n (never inside a UTF-8
 * sequence), and what follows the last line break at the end.
 */
export async function* ndjsonBodies(stream: AsyncIterable<Buffer | string>): AsyncIterable<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    const buffer = carry.length ? Buffer.concat([carry, bytes]) : bytes;
    const last = buffer.lastIndexOf(10);
    if (last < 0) {
      carry = buffer;
      continue;
    }
    carry = buffer.subarray(last + 1);
    yield buffer.subarray(0, last + 1);
  }
  if (carry.length > 0) yield carry;
}

/**
 * The lines of a run of bytes, decoded whole. Lines end at \n, \r\n or a lone \r (as readline splits
 * them), so line numbers are those an editor shows.
 */
export function ndjsonLines(body: Buffer): string[] {
  // Pure ASCII (the usual case) needs no UTF-8 decoding: each byte is its character.
  const text = isAscii(body) ? body.toString('latin1') : body.toString('utf8');
  const pieces = text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n');
  if (pieces[pieces.length - 1] === '') pieces.pop(); // the empty piece after the final line break
  return pieces;
}

/**
 * CSV rows become messages: a column named `a.b` nests (`properties.plan`, `context.groupId`),
 * a `properties`/`traits`/`context` column may hold a JSON object, and other columns are top level.
 * A garbled row (wrong column count, a stray or unclosed quote) is reported at the line it starts on
 * and skipped; the rows before and after it are still read.
 */
async function* csvRecords(stream: Readable): AsyncIterable<SourceRecord> {
  const skipped: SourceRecord[] = [];
  let lastSkippedLine = -1;
  const parser = stream.pipe(parseCsv({
    columns: true, info: true, raw: true, skip_empty_lines: true, relax_column_count: false,
    skip_records_with_error: true,
    on_skip: (err, raw) => {
      const line = csvStartLine((err as { lines?: number } | undefined)?.lines ?? 0, raw);
      // One garbled record can raise several errors (a stray quote, then an unclosed one): report it once.
      if (line !== lastSkippedLine) skipped.push({ line, error: `invalid CSV (${csvReason(err)})` });
      lastSkippedLine = line;
      return undefined;
    },
  }));
  const iterator = parser[Symbol.asyncIterator]();
  try {
    while (true) {
      let next: IteratorResult<{ record: Record<string, string>; raw: string; info: { lines: number } }>;
      try {
        next = await iterator.next();
      } catch (e) {
        const err = e as Error & { lines?: number };
        yield* skipped.splice(0);
        yield { line: err.lines ?? 0, error: `invalid CSV (${err.message.split('\n')[0]})` };
        return;
      }
      if (next.done) {
        yield* skipped.splice(0);
        return;
      }
      const { record, raw, info } = next.value;
      const line = csvStartLine(info.lines, raw);
      while (skipped.length > 0 && skipped[0].line < line) yield skipped.shift()!;
      try {
        yield { line, value: csvRowToMessage(record) };
      } catch (e) {
        yield { line, error: (e as Error).message };
      }
    }
  } finally {
    // Stops reading when the consumer stops early (--strict rejects a row).
    await iterator.return?.();
  }
}

/**
 * The 1-based line a CSV record starts on. csv-parse gives the line of the record's last character,
 * and the raw text (with the blank lines skipped before it and its own line break): a quoted field
 * spanning lines, or an unclosed quote running to the end of the file, starts that many lines earlier.
 */
function csvStartLine(lastLine: number, raw: string | undefined): number {
  if (raw === undefined) return lastLine;
  const body = raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
  return lastLine - (body.match(/\n/g)?.length ?? 0);
}

function csvReason(err: Error | undefined): string {
  const message = (err?.message ?? 'unreadable row').split('\n')[0];
  return message.replace(/,? (?:at|on) line \d+/g, '');
}

const JSON_COLUMNS = new Set(['properties', 'traits', 'context', '$set', '$set_once']);
/** `a.b.c` → ['a', 'b', 'c'], per column name (the same few names on every row). */
const COLUMN_PATHS = new Map<string, string[]>();

export function csvRowToMessage(record: Record<string, unknown>): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(record)) {
    if (raw === '' || raw === null || raw === undefined) continue;
    if (JSON_COLUMNS.has(column) && typeof raw === 'string') {
      try {
        const parsed = JSON.parse(raw);
        message[column] = isObject(message[column]) ? { ...(message[column] as object), ...parsed } : parsed;
      } catch {
        throw new Error(`${column}: invalid JSON`);
      }
      continue;
    }
    let path = COLUMN_PATHS.get(column);
    if (!path) {
      path = column.split('.');
      if (COLUMN_PATHS.size < 10_000) COLUMN_PATHS.set(column, path);
    }
    let target = message;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i];
      if (!isObject(target[key])) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = path.length > 1 ? scalar(raw) : raw;
  }
  return message;
}

/** Nested CSV cells (properties.x) get numbers and booleans back; top-level ids stay strings. */
function scalar(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?(0|[1-9]\d{0,14})(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

/** Parquet column types whose values DuckDB's to_json writes exactly as the row-object conversion gives them. */
const JSON_EXACT_TYPES = new Set(['VARCHAR', 'BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']);

/** Parquet is read in chunks by DuckDB in a private in-memory instance, so memory stays bounded. */
/**
 * A Parquet file whose column `lineColumn` holds each row's 0-based position in another file: the
 * rows the in-database fast path leaves to the normaliser, reported at their original lines.
 */
export function openParquetRest(path: string, lineColumn: string): Promise<Source> {
  return parquetSource(path, lineColumn);
}

async function parquetSource(path: string, lineColumn?: string): Promise<Source> {
  try {
    statSync(path);
  } catch {
    throw new InputError(`${path}: no such file`);
  }
  const { DuckDBInstance, JSDuckDBValueConverter } = await loadDuckDbDriver();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let total: number;
  try {
    const count = await connection.runAndReadAll('SELECT count(*)::BIGINT AS n FROM read_parquet($path)', { path });
    total = Number(count.getRowObjectsJS()[0].n);
  } catch (e) {
    connection.closeSync();
    instance.closeSync();
    throw new InputError(`${path}: not a readable Parquet file (${(e as Error).message.split('\n')[0]})`);
  }
  // Text, integer and boolean columns (the usual file, and what `export events` writes) come out as one
  // JSON text per row, which is far cheaper to move out of DuckDB than one string per column and reads
  // back as the same values (strings exact, integers rounded to a double as Number() does). Other
  // column types are converted column by column.
  const types = (await connection.runAndReadAll('DESCRIBE SELECT * FROM read_parquet($path)', { path })).getRowObjectsJS()
    .map((r) => String(r.column_type));
  const asJson = types.every((t) => JSON_EXACT_TYPES.has(t));
  if (lineColumn !== undefined && !asJson) throw new Error('a file of rows from another needs text, integer and boolean columns');
  let row = 0;
  const message = (flat: Record<string, unknown>): SourceRecord => {
    row++;
    try {
      return { line: row, value: csvRowToMessage(flat) };
    } catch (e) {
      return { line: row, error: (e as Error).message };
    }
  };
  async function* batches(): AsyncIterable<SourceRecord[]> {
    try {
      const query = asJson ? 'SELECT to_json(t)::VARCHAR AS j FROM read_parquet($path) t' : 'SELECT * FROM read_parquet($path)';
      const result = await connection.stream(query, { path });
      const names = result.columnNames();
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const out: SourceRecord[] = [];
        if (asJson) {
          if (lineColumn !== undefined) {
            for (const text of chunk.getColumnValues(0)) {
              const record = JSON.parse(text as string) as Record<string, unknown>;
              row = Number(record[lineColumn]); // the 0-based position: message() makes it the 1-based line
              delete record[lineColumn];
              out.push(message(record));
            }
          } else {
            for (const text of chunk.getColumnValues(0)) out.push(message(JSON.parse(text as string) as Record<string, unknown>));
          }
        } else {
          const columns = chunk.convertColumns(JSDuckDBValueConverter);
          for (let i = 0; i < chunk.rowCount; i++) {
            const flat: Record<string, unknown> = {};
            for (let c = 0; c < names.length; c++) flat[names[c]] = parquetValue(columns[c][i]);
            out.push(message(flat));
          }
        }
        yield out;
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
  const all = batches();
  return { records: flatten(all), batches: all, total, progress: () => row };
}

function parquetValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(parquetValue);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = parquetValue(v);
    return JSON.stringify(out);
  }
  return value;
}
