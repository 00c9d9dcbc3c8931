import type { StageDefinition } from '../model/metrics.js';
import type { Capabilities } from './capabilities.js';
import type { LiveStateProgress } from './duckdb/live-state.js';
import type { ImportOptions, ImportReport } from './ingest/import-events.js';
import type { LedgerImportOptions } from './ingest/import-ledger.js';
import type { ManualImportOptions, ManualInput } from './ingest/import-manual.js';
import type { IngestSink } from './sink.js';
import type { Progress, StripeImportReport } from './stripe/backfill.js';
import type { StripeFact } from './stripe/facts.js';
import type { Dialect, SqlEngine } from './sql-engine.js';
import type { Checkin, IdeaStatus, NewIdea, ReviewNote } from './workspace.js';

/**
 * One store, whichever engine holds it: how reports read it, how ingestion and imports write it, the
 * team's tables, and what it can do. Each engine implements it once (engine/duckdb/port.ts,
 * engine/clickhouse/port.ts); engine/open-store.ts is the only place that picks one.
 */
export interface StorePort {
  readonly dialect: Dialect;
  /** Where the data is, for log lines: a file, an embedded directory or a server. */
  readonly description: string;
  readonly capabilities: Capabilities;
  /**
   * An engine reports read, carrying its dialect; closing it leaves the store open. With
   * `maxSeconds`, queries running past it are stopped where the engine can stop them.
   */
  reader(maxSeconds?: number): Promise<SqlEngine>;
  /** Ingestion: `write` settles once the messages are durable. */
  openSink(options?: SinkOptions): IngestSink;
  readonly importers: Importers;
  /** A hand entry: `work` reads the store, then writes through `write`, no other hand entry between the two. */
  manualLane<T>(work: (engine: SqlEngine, write: (entries: ManualInput[]) => Promise<number>) => Promise<T>): Promise<T>;
  readonly team: TeamTables;
  /**
   * Keeps the live first-reach state of these journey stages where the store keeps one
   * (`capabilities.live_state`): builds what is missing, drops what no stage uses. Answers how many
   * definitions it built (0 where no state is kept).
   */
  ensureLiveState(stages: readonly StageDefinition[], onProgress?: (p: LiveStateProgress) => void): Promise<number>;
  close(): Promise<void>;
}

export interface SinkOptions {
  /** Messages accepted and not yet stored above which new work is refused. */
  maxPending?: number;
  /** Where the engine batches inserts: flush once this many messages wait… */
  maxRows?: number;
  /** …or this long after the first one waits. */
  maxDelayMs?: number;
}

/** File imports and hand entries. */
export interface Importers {
  events(file: string, options?: ImportOptions): Promise<ImportReport>;
  ledger(file: string, options?: LedgerImportOptions): Promise<ImportReport>;
  manual(file: string, options?: ManualImportOptions): Promise<ImportReport>;
  /** Hand-entered values (`record`); answers how many were written. */
  manualValues(entries: readonly ManualInput[]): Promise<number>;
  /** A Stripe history's facts (engine/stripe/), written subscription by subscription as the webhooks write them. */
  stripe(facts: readonly StripeFact[], onProgress?: Progress): Promise<Pick<StripeImportReport, 'ledger_rows' | 'duplicates' | 'warnings'>>;
}

/** Writes to the team's tables; any reader reads them (engine/workspace.ts). */
export interface TeamTables {
  addCheckin(checkin: Omit<Checkin, 'at'>): Promise<void>;
  addReviewNote(note: Omit<ReviewNote, 'at'>): Promise<void>;
  /** Answers the new idea's id. */
  addIdea(idea: NewIdea): Promise<number>;
  setIdeaStatus(id: number, status: IdeaStatus): Promise<void>;
}
