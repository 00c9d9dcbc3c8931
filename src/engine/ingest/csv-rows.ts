import { parse as parseCsv } from 'csv-parse';
import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { InputError } from '../../errors.js';
import type { RowError } from './import-events.js';
import { importHint, type ImportKind } from './import-hint.js';
import { displayName } from './sources.js';

export interface CsvRowsOptions<T> {
  stdin?: Readable;
  /** The file's name in messages (default: the path, or stdin). */
  label?: string;
  /** Reject the whole file at the first bad row. */
  strict?: boolean;
  /** Checks the header (the first record's columns): a message naming what is missing, or null. */
  checkHeader(record: Record<string, string>): string | null;
  /** One row to its value; throws an Error whose message names the field. */
  parse(record: Record<string, string>): T;
}

export interface CsvRows<T> {
  rows: T[];
  rejected: number;
  /** The first rejected rows with their 1-based line numbers (at most 100). */
  errors: RowError[];
}

/**
 * Reads a small CSV file (a ledger, hand-entered values) row by row with the import policy: a bad row
 * is skipped and reported with its line, or, under `strict`, fails the import with one line.
 */
export async function readCsvRows<T>(path: string, options: CsvRowsOptions<T>): Promise<CsvRows<T>> {
  if (path !== '-' && !existsSync(path)) throw new InputError(`${path}: no such file`);
  const input = path === '-' ? (options.stdin ?? process.stdin) : createReadStream(path);
  const name = options.label ?? displayName(path);
  const parser = input.pipe(parseCsv({ columns: true, info: true, skip_empty_lines: true, trim: true }));
  const out: CsvRows<T> = { rows: [], rejected: 0, errors: [] };
  let headerChecked = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!headerChecked) {
        const problem = options.checkHeader(record);
        if (problem) throw new InputError(`${name} line 1: ${problem}`);
        headerChecked = true;
      }
      try {
        out.rows.push(options.parse(record));
      } catch (e) {
        const reason = (e as Error).message;
        if (options.strict) throw new InputError(`${name} line ${info.lines}: ${reason}; nothing was imported (--strict)`);
        out.rejected++;
        if (out.errors.length < 100) out.errors.push({ line: info.lines, reason });
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${name}: invalid CSV (${(e as Error).message.split('\n')[0]})`);
  }
  return out;
}

/** A header check for required columns; names the right command when the file looks like another kind. */
export function requireColumns(required: readonly string[], expected: string, kind?: ImportKind): (record: Record<string, string>) => string | null {
  return (record) => {
    const missing = required.filter((c) => !(c in record));
    if (!missing.length) return null;
    const hint = kind ? importHint([record], kind) : undefined;
    return `missing column ${missing.join(', ')}; expected ${expected}${hint ? `; ${hint}` : ''}`;
  };
}
