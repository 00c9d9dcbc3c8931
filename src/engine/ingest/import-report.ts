import type { FileFormat } from './sources.js';

/** What an import did: rows imported, skipped as duplicates, rejected (with the first rejections). */
export interface ImportCounts {
  imported: number;
  duplicates: number;
  rejected: number;
}

export interface RowError {
  line: number;
  /** The file of a zip archive the row is in. */
  file?: string;
  reason: string;
}

export interface ImportReport extends ImportCounts {
  format: FileFormat;
  /** The first rejected rows, in file order (at most 100 are kept). */
  errors: RowError[];
  /** When rows were rejected and the first rows look like another kind of file: the right command or format. */
  hint?: string;
}
