/**
 * The dashboard's pages as a case table for the browser harness (test/web-pages.test.ts), which
 * runs every case at both sizes and in both colour schemes: no console error, no error box, the
 * heading, no sideways overflow, the dark palette, a shared link restoring week and segment, and
 * the CSV export of the tables listed. A page's own assertions go in its `check`.
 */
import type { Page } from 'playwright-core';
import { leadingCheck, northStarCheck, okrsCheck, revenueCheck, voiceCheck } from './web-checks.js';
import { checkJourney, checkRetention, checkScorecard } from './web-review-checks.js';
import { andThen, peopleCheck } from './web-people-checks.js';
import { checkWhyPanel } from './web-why-check.js';
import { checkAlerts } from './web-alerts-check.js';

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

/** A table with an "Export CSV" action: the file's records must equal the API's table. */
export interface CsvCase<T = never> {
  /** The table's name: its button is `button[data-export=<name>]`, its file `<page>-<week>-<name>.csv`. */
  table: string;
  /** The API route giving the same table, for the visit's period and segment. */
  api: (at: Visit) => string;
  /** The records the file must hold (header first), from the API's answer, every field as text. */
  expected: (body: T, at: Visit) => string[][];
}

/** A field as the file holds it: numbers unformatted, no value empty. */
const field = (v: string | number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/** A case whose `expected` reads the API's answer as `T`. */
function csv<T>(c: CsvCase<T>): CsvCase {
  return c as unknown as CsvCase;
}

type Target = { gte: number } | { lte: number } | { between: [number, number] } | null;
interface ScorecardAnswer { weeks: string[]; rows: { id: string; name: string; owner: string | null; unit: string; target: Target; values: (number | null)[]; status: string[] }[] }
interface FunnelAnswer { steps: { stage: string; event: string; actors: number; conversion_from_previous: number | null; conversion_from_first: number | null }[] }
interface EventsAnswer { events: { event: string; count: number; actors: number; first_seen: string; last_seen: string; sources: string[]; properties: { key: string; share: number }[] }[] }

/** A list of the API's objects, one column per plain field (lists joined by spaces), as the file holds it. */
function recordsOf(list: Record<string, unknown>[]): string[][] {
  const keys = Object.keys(list[0] ?? {}).filter((k) => typeof list[0][k] !== 'object' || list[0][k] === null || (Array.isArray(list[0][k]) && (list[0][k] as unknown[]).every((x) => typeof x !== 'object' || x === null)));
  return [keys, ...list.map((o) => keys.map((k) => (Array.isArray(o[k]) ? (o[k] as unknown[]).join(' ') : field(o[k] as string | number | null))))];
}

const REVENUE_CSV = csv<{ periods: Record<string, unknown>[] }>({
  table: 'by-period',
  api: (at) => `/api/v1/revenue?as_of=${at.asOf}`,
  expected: (r) => recordsOf(r.periods),
});

const LEADING_CSV = csv<{ indicators: Record<string, unknown>[] }>({
  table: 'indicators',
  api: (at) => `/api/v1/leading?as_of=${at.asOf}&segment=${at.segment}`,
  expected: (r) => recordsOf(r.indicators),
});

const RETENTION_CSV = csv<{ period: string; cohorts: { cohort: string; size: number; rates: (number | null)[] }[] }>({
  table: 'cohorts',
  api: (at) => `/api/v1/retention?as_of=${at.asOf}&segment=${at.segment}&mode=on&period=week&period_zero=cohort`,
  expected: (r) => {
    const width = Math.max(...r.cohorts.map((c) => c.rates.length));
    const periods = [...Array(width).keys()];
    return [['cohort', 'size', ...periods.map((k) => `W${k}`)], ...r.cohorts.map((c) => [c.cohort, c.size, ...periods.map((k) => c.rates[k])].map(field))];
  },
});

const OKRS_CSV = csv<{ objectives: { key_results: Record<string, unknown>[] }[] }>({
  table: 'objective-1',
  api: (at) => `/api/v1/okrs?as_of=${at.asOf}`,
  expected: (r) => recordsOf(r.objectives[0].key_results),
});

const SCORECARD_CSV = csv<ScorecardAnswer>({
  table: 'grid',
  api: (at) => `/api/v1/scorecard?as_of=${at.asOf}`,
  expected: (card) => [
    ['id', 'metric', 'owner', 'unit', 'target_min', 'target_max', ...card.weeks, `status ${card.weeks.at(-1)}`],
    ...card.rows.map((r) => {
      const t = r.target;
      const bounds = !t ? [null, null] : 'gte' in t ? [t.gte, null] : 'lte' in t ? [null, t.lte] : t.between;
      return [r.id, r.name, r.owner, r.unit, ...bounds, ...r.values, r.status.at(-1)].map(field);
    }),
  ],
});

const FUNNEL_CSV = csv<FunnelAnswer>({
  table: 'funnel',
  api: (at) => `/api/v1/funnel?as_of=${at.asOf}&segment=${at.segment}`,
  expected: (f) => [
    ['stage', 'event', 'actors', 'conversion_from_previous', 'conversion_from_first'],
    ...f.steps.map((s) => [s.stage, s.event, s.actors, s.conversion_from_previous, s.conversion_from_first].map(field)),
  ],
});

interface WeeklyStagesAnswer { weeks: { week: string; stages: Record<string, number> }[] }

/**
 * The weekly stage counts; the weeks of the range before the demo's first event (those before the
 * first week with any visit) are empty in the file, "no data" on the page, never zero.
 */
const WEEKLY_STAGES_CSV = csv<WeeklyStagesAnswer>({
  table: 'weekly-stages',
  api: (at) => `/api/v1/funnel?as_of=${at.asOf}&segment=${at.segment}&weekly=1`,
  expected: (r) => {
    const stages = Object.keys(r.weeks[0]?.stages ?? {});
    const first = r.weeks.findIndex((w) => Object.values(w.stages).some((n) => n > 0));
    const cell = (i: number, n: number | undefined) => (i < first ? '' : field(n ?? 0));
    return [['stage', ...r.weeks.map((w) => w.week)], ...stages.map((s) => [s, ...r.weeks.map((w, i) => cell(i, w.stages[s]))])];
  },
});

const EVENTS_CSV = csv<EventsAnswer>({
  table: 'events',
  api: () => '/api/v1/events',
  expected: (r) => [
    ['Event', 'Count', 'Senders', 'First seen', 'Last seen', 'Sources', 'Common properties'],
    ...r.events.map((e) => [e.event, e.count, e.actors, e.first_seen, e.last_seen, e.sources.join(' '), e.properties.map((p) => `${p.key}=${p.share}`).join(' ')].map(field)),
  ],
});

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
  { path: '/', heading: 'Weekly scorecard', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK, csv: [SCORECARD_CSV], check: async (page, at) => {
    await checkScorecard(page, at);
    await checkAlerts(page, at);
    await checkWhyPanel(page, at);
  } },
  { path: '/north-star', heading: 'North Star', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK, check: northStarCheck },
  { path: '/journey', heading: 'Journey', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK, csv: [FUNNEL_CSV, WEEKLY_STAGES_CSV],
    check: andThen(andThen(checkJourney, peopleCheck('.weekly-table tbody tr:nth-child(3) td:last-child .people-link')), peopleCheck('[data-testid^="dropped-"] .people-link')),
  },
  { path: '/retention', heading: 'Retention', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK, csv: [RETENTION_CSV],
    check: andThen(checkRetention, peopleCheck('[data-testid="retention-heatmap"] tbody tr:first-child td.heat:nth-of-type(3) .people-link', { fromTitle: true })),
  },
  { path: '/revenue', heading: 'Revenue', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK, csv: [REVENUE_CSV], check: andThen(revenueCheck, peopleCheck('[data-testid="movement-accounts"] .people-link')) },
  { path: '/voice', heading: 'Voice of the user', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK, check: voiceCheck },
  { path: '/leading', heading: 'Leading indicators', segmented: true, fits: BOTH, legible: LIGHT_AND_DARK, csv: [LEADING_CSV], check: andThen(leadingCheck, peopleCheck('[data-testid="leading-table"] tbody tr:first-child .people-link')) },
  { path: '/okrs', heading: 'Objectives and key results', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK, csv: [OKRS_CSV], check: okrsCheck },
  { path: '/enter', heading: 'Enter numbers', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK },
  { path: '/data', heading: 'Data: the events the store holds', segmented: false, fits: BOTH, legible: LIGHT_AND_DARK, csv: [EVENTS_CSV] },
];
