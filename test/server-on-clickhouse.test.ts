/** The server's suite (server-suite.ts) on embedded ClickHouse (chdb), the keys in the DuckDB file beside it. */
import { serverSuite } from './server-suite.js';

serverSuite('clickhouse');
