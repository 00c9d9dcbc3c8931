import { readClickHouseCatalogueSummary } from './clickhouse/catalogue-summary.js';
import { readCatalogueSummary, type CatalogueSummary } from './duckdb/catalogue-summary.js';
import type { SqlEngine } from './sql-engine.js';

/** The event catalogue kept at write time, as the reader's engine keeps it. */
export function readKeptCatalogue(engine: SqlEngine): Promise<CatalogueSummary> {
  return engine.dialect === 'clickhouse' ? readClickHouseCatalogueSummary(engine) : readCatalogueSummary(engine);
}
