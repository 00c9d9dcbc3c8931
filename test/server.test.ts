/** The server's suite (server-suite.ts) on DuckDB. */
import { serverSuite } from './server-suite.js';

serverSuite('duckdb');
