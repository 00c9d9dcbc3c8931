/** The write cases on DuckDB: written through the server, read back through the catalogue. */
import { runWriteConformance } from './write-run.js';

runWriteConformance('duckdb');
