import { ENGINE_CAPABILITIES } from '../capabilities.js';
import { importEvents } from '../ingest/import-events.js';
import { importLedger } from '../ingest/import-ledger.js';
import { importManualCsv, recordManualValues } from '../ingest/import-manual.js';
import { detectFormat } from '../ingest/sources.js';
import { writeStripeFacts } from '../stripe/backfill.js';
import { applyStripeFacts } from '../stripe/ledger.js';
import type { Importers, StorePort, TeamTables } from '../port.js';
import type { IngestSink } from '../sink.js';
import type { DuckDbStore } from './database.js';
import { importUpload } from './import-lane.js';
import { ensureLiveState } from './live-state.js';
import { duckDbStripeFacts } from './stripe-facts.js';
import { addCheckin, addIdea, addReviewNote, setIdeaStatus } from './team.js';
import { WriteQueue } from './write-queue.js';

type Write = <T>(work: (store: DuckDbStore) => Promise<T>) => Promise<T>;

/**
 * A DuckDB file as a store. Without `lane` every write runs on the store at once (the CLI, the one
 * writer of its file); with it, writes are queued among the server's group commits, ingestion is the
 * lane itself and imports go batch by batch through it.
 */
export function duckDbPort(store: DuckDbStore, lane?: WriteQueue): StorePort {
  const write: Write = lane ? (work) => lane.run(work) : (work) => work(store);
  const alone: Write = lane ? (work) => lane.exclusive(work) : (work) => work(store);
  let sink: IngestSink | undefined = lane;
  const team: TeamTables = {
    addCheckin: (checkin) => write((s) => addCheckin(s, checkin)),
    addReviewNote: (note) => write((s) => addReviewNote(s, note)),
    addIdea: (idea) => write((s) => addIdea(s, idea)),
    setIdeaStatus: (id, status) => write((s) => setIdeaStatus(s, id, status)),
  };
  const importers: Importers = lane
    ? {
      events: (file, options = {}) => importUpload(lane, store, file, { kind: 'events', format: detectFormat(file, options.format), strict: options.strict ?? false, from: options.from }),
      ledger: (file, options = {}) => importUpload(lane, store, file, { kind: 'subscriptions', format: 'csv', strict: options.strict ?? false }),
      manual: (file, options) => alone((s) => importManualCsv(s, file, options)),
      manualValues: (entries) => alone((s) => recordManualValues(s, entries)),
      stripe: (facts, onProgress) => writeStripeFacts(facts, (group) => lane.run((s) => applyStripeFacts(duckDbStripeFacts(s), group)), onProgress),
    }
    : {
      events: (file, options) => importEvents(store, file, options),
      ledger: (file, options) => importLedger(store, file, options),
      manual: (file, options) => importManualCsv(store, file, options),
      manualValues: (entries) => recordManualValues(store, entries),
      stripe: (facts, onProgress) => writeStripeFacts(facts, (group) => store.transaction(() => applyStripeFacts(duckDbStripeFacts(store), group)), onProgress),
    };
  return {
    dialect: store.dialect,
    description: store.path,
    capabilities: ENGINE_CAPABILITIES.duckdb,
    reader: () => store.reader(),
    openSink: (options = {}) => (sink ??= new WriteQueue(store, { maxPending: options.maxPending })),
    importers,
    manualLane: (work) => alone((s) => work(s, (entries) => recordManualValues(s, entries))),
    team,
    ensureLiveState: (stages, onProgress) => ensureLiveState(lane ? (work) => lane.run(work) : (work) => store.transaction(() => work(store)), stages, onProgress),
    close: async () => {
      if (sink !== lane) await sink?.close();
      await store.close();
    },
  };
}
