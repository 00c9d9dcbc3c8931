/** The conformance table on DuckDB, the reference engine: every case has an answer to agree on. */
import { runConformance } from './run.js';

runConformance('duckdb');
