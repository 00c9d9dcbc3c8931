/**
 * Hand-entered values (docs/health.md, numbers entered by hand): cash balance, burn, sales & marketing spend and any
 * metric with `source: manual`, one value per week (`2026-W47`) or month (`2026-11`). Append only:
 * a correction is a new entry, the latest entry is the current value, and earlier ones stay as the
 * audit trail (who, when, note).
 */
import type { Readable } from 'node:stream';
import { BUILTIN_MANUAL_METRICS, HEALTH_METRICS } from '../../model/health-metrics.js';
import { didYouMean } from '../../model/suggest.js';
import { InputError } from '../../errors.js';
import type { WeekStart } from '../../model/metrics.js';
import { parsePeriod, periodName } from '../../model/time.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { duckDbDriver } from '../duckdb/driver.js';
import type { ImportReport } from './import-events.js';
import { importHint } from './import-hint.js';
import { readCsvRows } from './csv-rows.js';

export interface ManualInput {
  metric: string;
  /** `2026-W47` or `2026-11` */
  period: string;
  /** null clears the value (a correction that withdraws it). */
  value: number | null;
  enteredBy: string;
  note?: string | null;
}

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The stored name of a hand-entered metric: `health.cash_balance` and `cash_balance` are the same.
 * With `allowed` (from the config) the name must be one of them; without, any lowercase name is taken.
 */
export function manualMetricName(text: string, allowed?: readonly string[]): string {
  const name = text.trim().replace(/^health\./, '');
  const known = allowed ?? BUILTIN_MANUAL_METRICS;
  if (allowed ? known.includes(name) : NAME.test(name)) return name;
  if ((HEALTH_METRICS as readonly string[]).includes(name)) {
    throw new InputError(`${name} is computed from the subscription ledger, not entered by hand; hand-entered metrics are ${known.join(', ')}`);
  }
  throw new InputError(
    `unknown hand-entered metric ${JSON.stringify(text)}${didYouMean(name, known)}; expected ${known.join(', ')} ` +
      '(a health entry or metric needs source: manual in truenorth.yaml)',
  );
}

/** A finite number; `2,400,000`, `2_400_000` and `$1200` are read as numbers too. */
export function parseManualValue(text: string): number {
  const cleaned = text.trim().replace(/[,_\s]/g, '').replace(/^\$/, '');
  const value = cleaned === '' ? NaN : Number(cleaned);
  if (!Number.isFinite(value)) throw new InputError(`expected a number for the value, got ${JSON.stringify(text)}`);
  return value;
}

/** `2026-W47` or `2026-11`, validated and in canonical form. */
export function parseManualPeriod(text: string, weekStart: WeekStart = 'monday'): string {
  const parsed = parsePeriod(text.trim(), weekStart);
  if (parsed.frequency === 'day') throw new InputError(`hand-entered values are per week (2026-W47) or month (2026-11), got ${JSON.stringify(text)}`);
  return periodName(parsed.start, parsed.frequency, weekStart);
}

/** Hand entries as every engine stores them: each names who entered it, and holds a finite number or none. */
export function checkManualEntries(entries: readonly ManualInput[]): void {
  for (const e of entries) {
    if (!e.enteredBy.trim()) throw new InputError('entered by: who entered the value is required (--by)');
    if (e.value !== null && !Number.isFinite(e.value)) throw new InputError(`${e.metric}: the value must be a finite number`);
  }
}

/** Appends entries in one transaction; each gets a distinct, increasing entered_at so "latest" is never a tie. */
export async function recordManualValues(store: DuckDbStore, entries: readonly ManualInput[]): Promise<number> {
  if (entries.length === 0) return 0;
  checkManualEntries(entries);
  return store.transaction(async () => {
    const last = await store.all<{ us: number | null }>('SELECT epoch_us(max(entered_at)) AS us FROM manual_values');
    let us = BigInt(Math.max(Date.now() * 1000, (last[0]?.us ?? 0) + 1));
    const appender = await store.connection.createAppender('manual_values');
    const { DuckDBTimestampValue } = duckDbDriver();
    try {
      for (const e of entries) {
        appender.appendVarchar(e.metric);
        appender.appendVarchar(e.period);
        if (e.value === null) appender.appendNull(); else appender.appendDouble(e.value);
        appender.appendVarchar(e.enteredBy.trim());
        appender.appendTimestamp(new DuckDBTimestampValue(us++));
        if (e.note) appender.appendVarchar(e.note); else appender.appendNull();
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return entries.length;
  });
}

export interface ManualImportOptions {
  /** Accepted metric names (from the config); without, any lowercase name. */
  allowed?: readonly string[];
  weekStart?: WeekStart;
  strict?: boolean;
  /** Who entered rows without an entered_by column. */
  enteredBy?: string;
  stdin?: Readable;
  /** The file's name in messages, when it is read from `stdin` (an upload). */
  label?: string;
}

const PERIOD_COLUMNS = ['week', 'month', 'period'];

/**
 * Imports `metric,week,value[,entered_by,note]` (the demo's manual.csv; `month` or `period` may
 * replace `week`). Rows are appended in file order, so a later row for the same metric and week is a
 * correction of an earlier one.
 */
/** Reads and checks a hand-entered values CSV with the import policy. */
export async function readManualCsv(path: string, options: ManualImportOptions = {}) {
  let periodColumn = 'week';
  return readCsvRows<ManualInput>(path, {
    ...options,
    checkHeader(record) {
      periodColumn = PERIOD_COLUMNS.find((c) => c in record) ?? 'week';
      const missing = ['metric', 'value'].filter((c) => !(c in record));
      if (!(periodColumn in record)) missing.push('week');
      if (!missing.length) return null;
      const hint = importHint([record], 'manual');
      return `missing column ${missing.join(', ')}; expected metric,week,value[,entered_by,note]${hint ? `; ${hint}` : ''}`;
    },
    parse: (record) => ({
      metric: manualMetricName(record.metric ?? '', options.allowed),
      period: parseManualPeriod(record[periodColumn] ?? '', options.weekStart),
      value: parseManualValue(record.value ?? ''),
      enteredBy: (record.entered_by ?? '').trim() || options.enteredBy || 'import',
      note: record.note?.trim() || null,
    }),
  });
}

export async function importManualCsv(store: DuckDbStore, path: string, options: ManualImportOptions = {}): Promise<ImportReport> {
  return importManualRows(path, options, (rows) => recordManualValues(store, rows));
}

/** Reads the whole CSV first, then hands its rows to `write` (a server holds its write queue only for that). */
export async function importManualRows(
  path: string, options: ManualImportOptions, write: (rows: ManualInput[]) => Promise<number>,
): Promise<ImportReport> {
  const { rows, rejected, errors } = await readManualCsv(path, options);
  const imported = await write(rows);
  return { format: 'csv', imported, duplicates: 0, rejected, errors };
}
