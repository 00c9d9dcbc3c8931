import { TruenorthError } from '../../errors.js';
import { capabilityGap, ENGINE_CAPABILITIES } from '../capabilities.js';
import type { Importers, StorePort, TeamTables } from '../port.js';
import type { Row, SqlEngine, SqlParams } from '../sql-engine.js';
import { importEventsToClickHouse, importLedgerToClickHouse, importManualToClickHouse, recordManualValuesToClickHouse } from './import.js';
import { ClickHouseSink } from './sink.js';
import type { ClickHouseStore } from './store.js';

const CAPABILITIES = ENGINE_CAPABILITIES.clickhouse;

/** A ClickHouse database (a server, or embedded chdb) as a store. */
export function clickHousePort(store: ClickHouseStore): StorePort {
  const importers: Importers = {
    events: (file, options) => importEventsToClickHouse(store, file, options),
    ledger: (file, options) => importLedgerToClickHouse(store, file, options),
    manual: (file, options) => importManualToClickHouse(store, file, options),
    manualValues: (entries) => recordManualValuesToClickHouse(store, entries),
  };
  return {
    dialect: store.dialect,
    description: `ClickHouse ${store.description}`,
    capabilities: CAPABILITIES,
    reader: async (maxSeconds) => (maxSeconds ? store.cancellable(maxSeconds) : view(store)),
    openSink: (options = {}) => new ClickHouseSink(store, options),
    importers,
    team: missingTeamTables(),
    close: () => store.close(),
  };
}

/** The store as a reader whose `close` leaves the store open. */
function view(store: ClickHouseStore): SqlEngine {
  return { dialect: store.dialect, all: <T = Row>(sql: string, params?: SqlParams) => store.all<T>(sql, params), close: async () => undefined };
}

function missingTeamTables(): TeamTables {
  const refuse = () => Promise.reject(new TruenorthError('conflict', `the team's tables are not supported here: ${capabilityGap(CAPABILITIES, 'team_tables')}`));
  return { addCheckin: refuse, addReviewNote: refuse, addIdea: refuse, setIdeaStatus: refuse };
}
