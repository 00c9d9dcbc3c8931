import { isTruenorthError, TruenorthError } from '../../errors.js';
import { ENGINE_CAPABILITIES } from '../capabilities.js';
import { storeFailureReason } from '../sink.js';
import { writeStripeFacts } from '../stripe/backfill.js';
import { applyStripeFacts } from '../stripe/ledger.js';
import type { Importers, StorePort } from '../port.js';
import type { Row, SqlEngine, SqlParams } from '../sql-engine.js';
import { importEventsToClickHouse, importLedgerToClickHouse, importManualToClickHouse, recordManualValuesToClickHouse } from './import.js';
import { ClickHouseSink } from './sink.js';
import { clickHouseStripeFacts } from './stripe-facts.js';
import type { ClickHouseStore } from './store.js';
import { clickHouseTeam } from './team.js';
import { oneAtATime } from './values.js';

/** A ClickHouse database (a server, or embedded chdb) as a store. */
export function clickHousePort(store: ClickHouseStore): StorePort {
  const stripeFacts = clickHouseStripeFacts(store);
  // A subscription's rows are derived from all its facts: this process applies one group at a time.
  const stripeLane = oneAtATime();
  // Hand entries are stamped after the latest stored one: one write at a time, so no two share an instant.
  const manualLane = oneAtATime();
  const importers: Importers = {
    events: (file, options) => resumable(() => importEventsToClickHouse(store, file, options)),
    ledger: (file, options) => resumable(() => importLedgerToClickHouse(store, file, options)),
    manual: (file, options) => resumable(() => manualLane(() => importManualToClickHouse(store, file, options))),
    manualValues: (entries) => resumable(() => manualLane(() => recordManualValuesToClickHouse(store, entries))),
    stripe: (facts, onProgress) => resumable(() => writeStripeFacts(facts, (group) => stripeLane(() => applyStripeFacts(stripeFacts, group)), onProgress)),
  };
  return {
    dialect: store.dialect,
    description: `ClickHouse ${store.description}`,
    capabilities: ENGINE_CAPABILITIES.clickhouse,
    reader: async (maxSeconds) => (maxSeconds ? store.cancellable(maxSeconds) : view(store)),
    openSink: (options = {}) => new ClickHouseSink(store, options),
    importers,
    manualLane: (work) => manualLane(() => work(view(store), (entries) => resumable(() => recordManualValuesToClickHouse(store, entries)))),
    team: clickHouseTeam(store),
    ensureLiveState: async () => 0,
    close: () => store.close(),
  };
}

/**
 * A write of several inserts that ClickHouse failed, as the retryable 503 it is: what was stored
 * before the failure stays, and the same request again writes the rest (every such write is keyed,
 * so its repetition changes nothing). A request's own problem keeps its own answer.
 */
async function resumable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isTruenorthError(e)) throw e;
    throw new TruenorthError('store_unavailable',
      `the store cannot write now (${storeFailureReason(e)}); what was stored before the failure is kept, and the same request again writes the rest; retry later`,
      { retryAfterSeconds: 1 });
  }
}

/** The store as a reader whose `close` leaves the store open. */
function view(store: ClickHouseStore): SqlEngine {
  return { dialect: store.dialect, all: <T = Row>(sql: string, params?: SqlParams) => store.all<T>(sql, params), close: async () => undefined };
}
