import { capabilityGap, ENGINE_CAPABILITIES } from '../capabilities.js';
import { TruenorthError } from '../../errors.js';
import type { Importers, StorePort } from '../port.js';
import type { Row, SqlEngine, SqlParams } from '../sql-engine.js';
import { importEventsToClickHouse, importLedgerToClickHouse, importManualToClickHouse, recordManualValuesToClickHouse } from './import.js';
import { ClickHouseSink } from './sink.js';
import type { ClickHouseStore } from './store.js';
import { clickHouseTeam } from './team.js';

/** A ClickHouse database (a server, or embedded chdb) as a store. */
export function clickHousePort(store: ClickHouseStore): StorePort {
  const importers: Importers = {
    events: (file, options) => importEventsToClickHouse(store, file, options),
    ledger: (file, options) => importLedgerToClickHouse(store, file, options),
    manual: (file, options) => importManualToClickHouse(store, file, options),
    manualValues: (entries) => recordManualValuesToClickHouse(store, entries),
    stripe: async () => {
      throw new TruenorthError('not_supported', `the Stripe history import is not supported here: ${capabilityGap(ENGINE_CAPABILITIES.clickhouse, 'stripe')}`);
    },
  };
  return {
    dialect: store.dialect,
    description: `ClickHouse ${store.description}`,
    capabilities: ENGINE_CAPABILITIES.clickhouse,
    reader: async (maxSeconds) => (maxSeconds ? store.cancellable(maxSeconds) : view(store)),
    openSink: (options = {}) => new ClickHouseSink(store, options),
    importers,
    team: clickHouseTeam(store),
    close: () => store.close(),
  };
}

/** The store as a reader whose `close` leaves the store open. */
function view(store: ClickHouseStore): SqlEngine {
  return { dialect: store.dialect, all: <T = Row>(sql: string, params?: SqlParams) => store.all<T>(sql, params), close: async () => undefined };
}
