import { parse as parseCsv } from 'csv-parse';
import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { InputError } from '../../errors.js';
import type { NormalizedMessage } from '../../model/message.js';
import type { ImportCounts, ImportOptions, ImportReport, RowError } from '../ingest/import-events.js';
import { parseLedgerRow, type LedgerEntry, type LedgerImportOptions } from '../ingest/import-ledger.js';
import type { ManualInput } from '../ingest/import-manual.js';
import { normalizeMessage } from '../ingest/normalize.js';
import { detectFormat, openSource, type SourceRecord } from '../ingest/sources.js';
import { chTimestamp } from './connection.js';
import type { ClickHouseStore } from './store.js';
import { ClickHouseWriter, nextSeq } from './writer.js';

const MAX_KEPT_ERRORS = 100;

/**
 * `truenorth import events FILE --engine clickhouse`: the same file formats, normalisation, error
 * report and dedupe as the DuckDB import. ClickHouse has no transactions, so `--strict` reads the
 * file once to validate it (or holds stdin in memory) and writes only when every row is good.
 */
export async function importEventsToClickHouse(store: ClickHouseStore, path: string, options: ImportOptions = {}): Promise<ImportReport> {
  const format = detectFormat(path, options.format);
  const batchSize = options.batchSize ?? 20_000;
  const counts: ImportCounts = { imported: 0, duplicates: 0, rejected: 0 };
  const errors: RowError[] = [];
  const writer = new ClickHouseWriter(store, `file:${format}`);

  const reject = (record: SourceRecord, reason: string) => {
    if (options.strict) throw new InputError(`${path === '-' ? 'stdin' : path} line ${record.line}: ${reason}; nothing was imported (--strict)`);
    counts.rejected++;
    if (errors.length < MAX_KEPT_ERRORS) errors.push({ line: record.line, reason });
  };

  /** Reads the source; hands each batch of good messages to `sink` (none when only validating). */
  const pass = async (sink: ((batch: NormalizedMessage[], progress: () => number, total?: number) => Promise<void>) | null) => {
    const source = await openSource(path, format, options.stdin);
    let batch: NormalizedMessage[] = [];
    for await (const record of source.records) {
      if ('error' in record) {
        reject(record, record.error);
        continue;
      }
      const result = normalizeMessage(record.value);
      if (!result.ok) {
        reject(record, result.error);
        continue;
      }
      if (!sink) continue;
      batch.push(...result.messages);
      if (batch.length >= batchSize) {
        await sink(batch, () => source.progress(), source.total);
        batch = [];
      }
    }
    if (sink && batch.length) await sink(batch, () => source.progress(), source.total);
  };

  const write = async (batch: NormalizedMessage[], progress: () => number, total?: number) => {
    const written = await writer.write(batch);
    counts.imported += written.inserted;
    counts.duplicates += written.duplicates;
    options.onProgress?.(progress(), total, counts);
  };

  if (options.strict && path === '-') {
    const all: NormalizedMessage[] = [];
    await pass(async (batch) => { all.push(...batch); });
    for (let i = 0; i < all.length; i += batchSize) await write(all.slice(i, i + batchSize), () => 0);
  } else {
    if (options.strict) await pass(null);
    await pass(write);
  }
  return { format, ...counts, errors };
}

/** Ledger rows; a row for the same (account, subscription, instant) replaces the earlier one. */
export async function writeLedgerToClickHouse(store: ClickHouseStore, rows: readonly LedgerEntry[], source: string): Promise<{ inserted: number; duplicates: number }> {
  if (rows.length === 0) return { inserted: 0, duplicates: 0 };
  const key = (r: { account_id: string; subscription_id: string; effective_at: number }) => `${r.account_id}\u0000${r.subscription_id}\u0000${r.effective_at}`;
  const stored = (await store.connection.query(
    `SELECT account_id, subscription_id, toUnixTimestamp64Milli(effective_at) AS effective_at, mrr, plan, currency
     FROM subscriptions WHERE account_id IN {accounts:Array(String)}`,
    { accounts: [...new Set(rows.map((r) => r.accountId))] },
  )) as { account_id: string; subscription_id: string; effective_at: number; mrr: number; plan: string | null; currency: string | null }[];
  const existing = new Map(stored.map((r) => [key(r), r]));
  // Within one import the first row for a key is kept (DuckDB's DISTINCT ON); a later import replaces it.
  const latest = new Map<string, LedgerEntry>();
  for (const r of rows) {
    const k = key({ account_id: r.accountId, subscription_id: r.subscriptionId, effective_at: r.effectiveAt });
    if (!latest.has(k)) latest.set(k, r);
  }
  let unchanged = 0;
  for (const [k, r] of latest) {
    const s = existing.get(k);
    if (s && s.mrr === r.mrr && s.plan === r.plan && s.currency === r.currency) unchanged++;
  }
  const now = chTimestamp(Date.now());
  await store.connection.insert('tn_subscriptions', [...latest.values()].map((r) => ({
    account_id: r.accountId, subscription_id: r.subscriptionId, effective_at: chTimestamp(r.effectiveAt), mrr: r.mrr,
    plan: r.plan, currency: r.currency, source, recorded_at: now, written: nextSeq(),
  })));
  const duplicates = unchanged + (rows.length - latest.size);
  return { inserted: rows.length - duplicates, duplicates };
}

export async function importLedgerToClickHouse(store: ClickHouseStore, path: string, options: LedgerImportOptions = {}): Promise<ImportReport> {
  if (path !== '-' && !existsSync(path)) throw new InputError(`${path}: no such file`);
  const input: Readable = path === '-' ? (options.stdin ?? process.stdin) : createReadStream(path);
  const parser = input.pipe(parseCsv({ columns: true, info: true, skip_empty_lines: true, trim: true }));
  const rows: LedgerEntry[] = [];
  const errors: RowError[] = [];
  let rejected = 0;
  let headerChecked = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!headerChecked) {
        const missing = ['account_id', 'effective_at', 'mrr'].filter((c) => !(c in record));
        if (missing.length) throw new InputError(`${path} line 1: missing column ${missing.join(', ')}; expected account_id,effective_at,mrr[,plan,currency,subscription_id]`);
        headerChecked = true;
      }
      try {
        rows.push(parseLedgerRow(record));
      } catch (e) {
        const reason = (e as Error).message;
        if (options.strict) throw new InputError(`${path} line ${info.lines}: ${reason}; nothing was imported (--strict)`);
        rejected++;
        if (errors.length < MAX_KEPT_ERRORS) errors.push({ line: info.lines, reason });
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: invalid CSV (${(e as Error).message.split('\n')[0]})`);
  }
  const written = await writeLedgerToClickHouse(store, rows, 'file:csv');
  return { format: 'csv', imported: written.inserted, duplicates: written.duplicates, rejected, errors };
}

/**
 * Appends hand-entered values, as the DuckDB `recordManualValues` does: each entry gets a distinct,
 * increasing `entered_at` (microseconds, after the latest stored one), so the current value of a
 * (metric, period) is always its last entry.
 */
export async function recordManualValuesToClickHouse(store: ClickHouseStore, entries: readonly ManualInput[]): Promise<number> {
  if (entries.length === 0) return 0;
  for (const e of entries) {
    if (!e.enteredBy.trim()) throw new InputError('entered by: who entered the value is required (--by)');
    if (e.value !== null && !Number.isFinite(e.value)) throw new InputError(`${e.metric}: the value must be a finite number`);
  }
  const last = await store.connection.query('SELECT toString(max(toUnixTimestamp64Micro(entered_at))) AS us, count() AS n FROM tn_manual_values');
  const stored = last[0]?.n ? BigInt(last[0].us as string) : 0n;
  let us = BigInt(Date.now()) * 1000n > stored + 1n ? BigInt(Date.now()) * 1000n : stored + 1n;
  const rows = entries.map((e) => {
    const at = us++;
    const micros = String(at % 1_000_000n).padStart(6, '0');
    const seconds = new Date(Number(at / 1_000_000n) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    return { metric: e.metric, period: e.period, value: e.value, entered_by: e.enteredBy.trim(), entered_at: `${seconds}.${micros}`, note: e.note || null };
  });
  await store.connection.insert('tn_manual_values', rows);
  return entries.length;
}
