/** The conformance table on ClickHouse (embedded, chdb): every case answers as DuckDB does. */
import { runConformance } from './run.js';

runConformance('clickhouse');
