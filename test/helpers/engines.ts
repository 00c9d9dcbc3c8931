import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { ClickHouseWriter } from '../../src/engine/clickhouse/writer.js';
import { STORAGE_TABLES } from '../../src/engine/clickhouse/schema.js';
import { normalizeMessage } from '../../src/engine/ingest/normalize.js';
import { IngestWriter } from '../../src/engine/ingest/writer.js';
import { writeLedger, type LedgerEntry } from '../../src/engine/ingest/import-ledger.js';
import { recordManualValues, type ManualInput } from '../../src/engine/ingest/import-manual.js';
import { recordManualValuesToClickHouse, writeLedgerToClickHouse } from '../../src/engine/clickhouse/import.js';
import type { NormalizedMessage } from '../../src/model/message.js';

/** One embedded ClickHouse (chdb) store per test file: starting chdb is the slow part. */
export async function openChdb(): Promise<{ store: ClickHouseStore; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-chdb-'));
  // Test data is tiny: one thread per query spares the per-pipeline start-up (about 40 % faster here).
  const store = await ClickHouseStore.open({ path: join(dir, 'db'), chdbSettings: { max_threads: 1 } });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Empties the ClickHouse store so the next data set starts from nothing. */
export async function truncateClickHouse(store: ClickHouseStore): Promise<void> {
  for (const table of STORAGE_TABLES) if (table !== 'tn_schema_migrations') await store.connection.command(`TRUNCATE TABLE ${table}`);
}

export function normalizeAll(batch: readonly unknown[]): NormalizedMessage[] {
  const out: NormalizedMessage[] = [];
  for (const raw of batch) {
    const r = normalizeMessage(raw);
    if (!r.ok) throw new Error(`message rejected: ${r.error}: ${JSON.stringify(raw)}`);
    out.push(...r.messages);
  }
  return out;
}

export interface ExtraData {
  ledger?: LedgerEntry[];
  manual?: ManualInput[];
}

/** The first receipt time; each batch is received a second after the one before. */
const FIRST_RECEIVED_AT = Date.parse('2027-01-01T00:00:00Z');
/** Hand entries are stamped from the clock: every writer sees this one. */
const MANUAL_ENTERED_AT = Date.parse('2027-01-02T00:00:00Z');

async function atManualEntryTime(write: () => Promise<unknown>): Promise<void> {
  const now = Date.now;
  try {
    Date.now = () => MANUAL_ENTERED_AT;
    await write();
  } finally {
    Date.now = now;
  }
}

/** Writes the batches, in order, to a fresh in-memory DuckDB; counts are (inserted, duplicates) per write. */
export async function loadDuckDb(batches: readonly (readonly unknown[])[], extra: ExtraData = {}): Promise<{ duck: DuckDbStore; counts: number[] }> {
  const duck = await DuckDbStore.open(':memory:');
  const writer = new IngestWriter(duck, 'test');
  const counts: number[] = [];
  let receivedAt = FIRST_RECEIVED_AT;
  for (const batch of batches) {
    const messages = normalizeAll(batch);
    receivedAt += 1000;
    const d = await duck.transaction(() => writer.write(messages, receivedAt));
    counts.push(d.inserted, d.duplicates);
  }
  if (extra.ledger?.length) {
    const d = await duck.transaction(() => writeLedger(duck, extra.ledger!, 'test'));
    counts.push(d.inserted, d.duplicates);
  }
  if (extra.manual?.length) await atManualEntryTime(() => recordManualValues(duck, extra.manual!));
  return { duck, counts };
}

/** Empties the ClickHouse store and writes the batches to it, in order, as `loadDuckDb` does. */
export async function loadClickHouse(ch: ClickHouseStore, batches: readonly (readonly unknown[])[], extra: ExtraData = {}): Promise<number[]> {
  await truncateClickHouse(ch);
  const writer = new ClickHouseWriter(ch, 'test');
  const counts: number[] = [];
  let receivedAt = FIRST_RECEIVED_AT;
  for (const batch of batches) {
    const messages = normalizeAll(batch);
    receivedAt += 1000;
    const c = await writer.write(messages, receivedAt);
    counts.push(c.inserted, c.duplicates);
  }
  if (extra.ledger?.length) {
    const c = await writeLedgerToClickHouse(ch, extra.ledger, 'test');
    counts.push(c.inserted, c.duplicates);
  }
  if (extra.manual?.length) await atManualEntryTime(() => recordManualValuesToClickHouse(ch, extra.manual!));
  return counts;
}

/** Writes the same batches, in the same order, to a fresh DuckDB and to the (emptied) ClickHouse store. */
export async function loadBoth(ch: ClickHouseStore, batches: readonly (readonly unknown[])[], extra: ExtraData = {}): Promise<{ duck: DuckDbStore; counts: { duck: number[]; ch: number[] } }> {
  const { duck, counts: duckCounts } = await loadDuckDb(batches, extra);
  const chCounts = await loadClickHouse(ch, batches, extra);
  return { duck, counts: { duck: duckCounts, ch: chCounts } };
}

/**
 * Deep equality where numbers are equal exactly when both are integers (counts) and to 1e-9
 * (absolute or relative) otherwise (rates, averages). Reports the first differing path.
 */
export function expectSameAnswers(actual: unknown, expected: unknown, path = '$'): void {
  const diff = firstDifference(actual, expected, path);
  if (diff) expect.fail(`engines disagree at ${diff}`);
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return null;
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b ? null : `${path}: ${a} (clickhouse) vs ${b} (duckdb)`;
    const tolerance = 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
    return Math.abs(a - b) <= tolerance ? null : `${path}: ${a} (clickhouse) vs ${b} (duckdb)`;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime() ? null : `${path}: ${a.toISOString()} vs ${b.toISOString()}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} (clickhouse) vs ${b.length} (duckdb): ${short(a)} vs ${short(b)}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) || a === b ? null : `${path}: ${short(a)} (clickhouse) vs ${short(b)} (duckdb)`;
}

function short(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
