import type { DuckDbStore } from '../duckdb/database.js';
import { duckDbDriver } from '../duckdb/driver.js';
import type { NormalizeResult } from './normalize.js';
import { DAY_MS } from '../../model/time.js';

/**
 * Data-quality counters, kept at write time: per day (UTC, of receipt or import), source and kind,
 * how many messages were rejected (by reason class), had their clock skew corrected, had a
 * timestamp from the future clamped, or were duplicates. A batch tallies them in memory and stores
 * them with one upsert in the transaction that stores the batch (`quality_counts`), so the report
 * reads a few hundred rows at most, whatever the store holds. See docs/data-quality.md.
 */
export type QualityKind = 'rejected' | 'clock_skew' | 'future_clamped' | 'duplicate';

export interface QualityCount {
  /** YYYY-MM-DD (UTC). */
  day: string;
  source: string;
  kind: QualityKind;
  /** The rejection's reason class ('' for the other kinds). */
  reason: string;
  count: number;
}

const SEP = '\u0000';
const MAX_REASON_LENGTH = 64;

export class QualityTally {
  private readonly counts = new Map<string, number>();

  add(day: string, source: string, kind: QualityKind, reason = '', n = 1): void {
    if (n <= 0) return;
    const key = [day, source, kind, reason].join(SEP);
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  /** A rejected message, counted under the class of its error. */
  reject(day: string, source: string, error: string): void {
    this.add(day, source, 'rejected', rejectionReason(error));
  }

  /** The warnings of a message that was kept. */
  warn(day: string, source: string, result: NormalizeResult): void {
    if (!result.ok) return;
    if (result.clockSkew) this.add(day, source, 'clock_skew');
    if (result.futureClamped) this.add(day, source, 'future_clamped');
  }

  merge(other: QualityTally | undefined): void {
    if (!other) return;
    for (const [key, n] of other.counts) this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get empty(): boolean {
    return this.counts.size === 0;
  }

  /** The counts as plain data (to cross a thread), for `QualityTally.of`. */
  entries(): [string, number][] {
    return [...this.counts];
  }

  static of(entries: readonly [string, number][]): QualityTally {
    const tally = new QualityTally();
    for (const [key, n] of entries) tally.counts.set(key, n);
    return tally;
  }

  /** The counts, and forgets them (a batch's tally is stored once). */
  take(): QualityCount[] {
    const rows = [...this.counts].map(([key, count]) => {
      const [day, source, kind, reason] = key.split(SEP);
      return { day, source, kind: kind as QualityKind, reason, count };
    });
    this.counts.clear();
    return rows;
  }
}

/** The UTC day of an instant, as the counters file it. */
export function qualityDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The class of a rejection, never its full text (which may quote the message): the field a
 * validation error names ("timestamp: out of range" → "timestamp"), or the first words of a
 * file-level problem ("invalid JSON (…)" → "invalid JSON").
 */
export function rejectionReason(error: string): string {
  const field = /^([A-Za-z_$][\w$.]*):/.exec(error);
  if (field) return field[1].slice(0, MAX_REASON_LENGTH);
  const words = /^[A-Za-z][A-Za-z ]*/.exec(error)?.[0].trim();
  return words ? words.slice(0, MAX_REASON_LENGTH) : 'other';
}

const STAGE = `CREATE TEMP TABLE IF NOT EXISTS stage_quality (day DATE, source VARCHAR, kind VARCHAR, reason VARCHAR, count BIGINT)`;
/** Stores whose staging table exists; a rollback may drop it (created in that transaction), so it forgets. */
const staged = new WeakSet<DuckDbStore>();
const watched = new WeakSet<DuckDbStore>();

async function prepareStage(store: DuckDbStore): Promise<void> {
  if (staged.has(store)) return;
  if (!watched.has(store)) {
    watched.add(store);
    store.onRollback(() => staged.delete(store));
  }
  await store.run(STAGE);
  staged.add(store);
}

/**
 * Adds the tally to `quality_counts`; run it inside the batch's transaction. The rows go through an
 * appender and one upsert: a multi-row VALUES list with bound parameters costs several times more.
 */
export async function recordQuality(store: DuckDbStore, tally: QualityTally | undefined): Promise<void> {
  if (!tally || tally.empty) return;
  const rows = tally.take();
  await prepareStage(store);
  const appender = await store.connection.createAppender('stage_quality', 'main', 'temp');
  try {
    for (const r of rows) {
      appender.appendDate(new (duckDbDriver().DuckDBDateValue)(Date.parse(r.day) / DAY_MS));
      appender.appendVarchar(r.source);
      appender.appendVarchar(r.kind);
      appender.appendVarchar(r.reason);
      appender.appendBigInt(BigInt(r.count));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await store.run(`INSERT INTO quality_counts SELECT * FROM stage_quality
    ON CONFLICT (day, source, kind, reason) DO UPDATE SET count = quality_counts.count + excluded.count`);
  await store.run('DELETE FROM stage_quality');
}
