/**
 * The dashboard's pages as a case table for the browser harness (test/web-pages.test.ts), which
 * runs every case at both sizes and in both colour schemes: no console error, no error box, the
 * heading, no sideways overflow, the dark palette, a shared link restoring week and segment, and
 * the CSV export of the tables listed. A page's own assertions go in its `check`.
 */
import type { Page } from 'playwright-core';

export type Size = 'desktop' | 'phone';
export type Scheme = 'light' | 'dark';

export const VIEWPORTS: Record<Size, { width: number; height: number }> = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
};

/** Where a case runs: the server, the size and scheme, and the week and segment in its address. */
export interface Visit {
  url: string;
  size: Size;
  scheme: Scheme;
  week: string;
  /** The as_of that makes `week` the last complete week, for API calls of the same period. */
  asOf: string;
  segment: 'all' | 'ideal';
}

/** A table with an "Export CSV" action: the file's rows must equal `rows` of the API's answer. */
export interface CsvCase {
  /** The `data-table` name of the table's card (also the end of the file name). */
  table: string;
  /** The API route giving the same table, with the visit's period and segment. */
  api: (at: Visit) => string;
  /** The header and the rows the file must hold, from the API's answer. */
  expected: (body: never, at: Visit) => { header: string[]; rows: string[][] };
}

export interface PageCase {
  path: string;
  heading: string;
  /** Whether the page reads the segment switch. */
  segmented: boolean;
  /**
   * Sizes at which the page must not scroll sideways. A size is left out only while the page's
   * fix is pending (say which, and why).
   */
  fits: Size[];
  /** Schemes in which every text must reach 4.5:1 contrast; one is left out only while its fix is pending. */
  legible: Scheme[];
  csv?: CsvCase[];
  /** The page's own assertions, at every size and scheme (`page` is settled). */
  check?: (page: Page, at: Visit) => Promise<void>;
}

const BOTH: Size[] = ['desktop', 'phone'];
const LIGHT_AND_DARK: Scheme[] = ['light', 'dark'];

export const PAGE_CASES: PageCase[] = [
  { path: '/', heading: 'Weekly scorecard', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/north-star', heading: 'North Star', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/journey', heading: 'Journey', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/retention', heading: 'Retention', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/revenue', heading: 'Revenue', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/voice', heading: 'Voice of the user', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/leading', heading: 'Leading indicators', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/okrs', heading: 'Objectives and key results', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/enter', heading: 'Enter numbers', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/data', heading: 'Data: the events the store holds', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK },
];
