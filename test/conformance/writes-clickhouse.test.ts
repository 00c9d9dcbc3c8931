/** The write cases on ClickHouse (embedded, chdb): written through the server, read back through the catalogue. */
import { runWriteConformance } from './write-run.js';

runWriteConformance('clickhouse');
