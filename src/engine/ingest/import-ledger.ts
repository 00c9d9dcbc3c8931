import type { Readable } from 'node:stream';
import type { LedgerRow } from '../../model/message.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { timestampValue } from '../duckdb/append-rows.js';
import type { CommitUnit, ImportReport } from './import-events.js';
import { readCsvRows, requireColumns } from './csv-rows.js';

export interface LedgerImportOptions {
  strict?: boolean;
  stdin?: Readable;
  /** Commits the rows, read and checked beforehand (default: a transaction of its own). */
  commit?: CommitUnit;
}

export interface LedgerEntry extends LedgerRow {
  subscriptionId: string;
}

const REQUIRED = ['account_id', 'effective_at', 'mrr'];

/**
 * The largest MRR one subscription may have, in major units a month: a trillion. Anything above is
 * a unit mistake or an overflow, and summed into reports it would swamp every figure.
 */
export const MAX_MRR = 1e12;

/** Parses one ledger CSV row (docs/import.md): `account_id,effective_at,mrr[,plan,currency,subscription_id]`. */
export function parseLedgerRow(record: Record<string, string>): LedgerEntry {
  const accountId = (record.account_id ?? '').trim();
  if (!accountId) throw new Error('account_id: required');
  const effective = (record.effective_at ?? '').trim();
  const effectiveAt = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(effective) ? `${effective}T00:00:00Z` : effective);
  if (!Number.isFinite(effectiveAt)) throw new Error(`effective_at: not a date: ${JSON.stringify(effective)}`);
  const mrrText = (record.mrr ?? '').trim();
  const mrr = Number(mrrText);
  if (mrrText === '' || !Number.isFinite(mrr)) throw new Error(`mrr: not a number: ${JSON.stringify(mrrText)}`);
  if (mrr < 0) throw new Error(`mrr: must be ≥ 0 (0 means cancelled), got ${mrr}`);
  if (mrr > MAX_MRR) throw new Error(`mrr: at most ${MAX_MRR.toExponential()} a month, got ${mrrText.slice(0, 40)}`);
  return {
    accountId,
    subscriptionId: (record.subscription_id ?? '').trim(),
    effectiveAt,
    mrr,
    plan: record.plan?.trim() || null,
    currency: record.currency?.trim().toUpperCase() || null,
  };
}

/** Writes ledger rows; a row for the same (account, subscription, instant) replaces the earlier one. */
export async function writeLedger(store: DuckDbStore, rows: readonly LedgerEntry[], source: string): Promise<{ inserted: number; duplicates: number }> {
  if (rows.length === 0) return { inserted: 0, duplicates: 0 };
  await store.run(`CREATE TEMP TABLE IF NOT EXISTS stage_subscriptions AS SELECT * FROM subscriptions LIMIT 0`);
  const appender = await store.connection.createAppender('stage_subscriptions', 'main', 'temp');
  const now = timestampValue(Date.now());
  try {
    for (const r of rows) {
      appender.appendVarchar(r.accountId);
      appender.appendVarchar(r.subscriptionId);
      appender.appendTimestamp(timestampValue(r.effectiveAt));
      appender.appendDouble(r.mrr);
      if (r.plan === null) appender.appendNull(); else appender.appendVarchar(r.plan);
      if (r.currency === null) appender.appendNull(); else appender.appendVarchar(r.currency);
      appender.appendVarchar(source);
      appender.appendTimestamp(now);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const unchanged = await store.all<{ n: number }>(`
    SELECT count(*) AS n FROM (SELECT DISTINCT account_id, subscription_id, effective_at, mrr, plan, currency FROM stage_subscriptions) s
    JOIN subscriptions t USING (account_id, subscription_id, effective_at)
    WHERE t.mrr = s.mrr AND t.plan IS NOT DISTINCT FROM s.plan AND t.currency IS NOT DISTINCT FROM s.currency`);
  await store.run(`
    INSERT OR REPLACE INTO subscriptions
    SELECT DISTINCT ON (account_id, subscription_id, effective_at) * FROM stage_subscriptions`);
  await store.run('DELETE FROM stage_subscriptions');
  const duplicates = unchanged[0].n + (rows.length - distinctKeys(rows));
  return { inserted: rows.length - duplicates, duplicates };
}

function distinctKeys(rows: readonly LedgerEntry[]): number {
  return new Set(rows.map((r) => `${r.accountId}\u0000${r.subscriptionId}\u0000${r.effectiveAt}`)).size;
}

export const LEDGER_COLUMNS = 'account_id,effective_at,mrr[,plan,currency,subscription_id]';

/** Reads and checks a ledger CSV with the import policy (bad rows skipped and reported, or --strict). */
export function readLedgerCsv(path: string, options: LedgerImportOptions = {}) {
  return readCsvRows(path, { ...options, checkHeader: requireColumns(REQUIRED, LEDGER_COLUMNS, 'subscriptions'), parse: parseLedgerRow });
}

export async function importLedger(store: DuckDbStore, path: string, options: LedgerImportOptions = {}): Promise<ImportReport> {
  const { rows, rejected, errors } = await readLedgerCsv(path, options);
  const commit: CommitUnit = options.commit ?? ((work) => store.transaction(work));
  const written = await commit(() => writeLedger(store, rows, 'file:csv'), Math.max(1, rows.length));
  return { format: 'csv', imported: written.inserted, duplicates: written.duplicates, rejected, errors };
}
