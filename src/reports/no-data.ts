/**
 * No data is not zero. A scorecard cell has no data (value null, status `no_data`, a short reason)
 * when its week ends before the first event it counts, when the event has no rows at all, when its
 * inputs are missing (no subscription ledger, no hand entry). See docs/no-data.md.
 */
import { formatDate, localDateOf, type Period } from '../model/time.js';
import type { CompiledQuery } from '../query/dialect.js';
import { compileEventFirstSeen, compileStoreFirstSeen, type RowSpan } from '../query/plans/coverage.js';
import type { CountRow } from './period-rows.js';
import { run, type ReportContext } from './context.js';
import { buildRow, type ScorecardRow } from './scorecard.js';

/** Why each cell of a row has no data (null: the cell has data). */
export type CellReasons = (string | null)[];

export interface DataCoverage {
  /** First instant (epoch ms) of each asked-for event that has rows; a name absent here has none. */
  firstSeen: Map<string, number>;
  /** The store's first event instant; null for a store without events. */
  storeFirst: number | null;
  /** The store's latest event instant; null for a store without events. */
  storeLast: number | null;
  timezone: string;
}

/** First-seen instants of these event names, and the store's first and last: two cheap aggregate queries. */
export async function dataCoverage(ctx: ReportContext, events: readonly string[]): Promise<DataCoverage> {
  const names = [...new Set(events)].sort();
  // A server keeps the counts and tops them up with the events stored since (period-cache.ts).
  const counted = <T extends CountRow>(key: string, compile: (rows?: RowSpan) => CompiledQuery) =>
    ctx.cache ? ctx.cache.periods.counted<T>(ctx.engine, key, compile) : run<T>(ctx, compile());
  const [perEvent, store] = await Promise.all([
    names.length ? counted<{ event: string; n: number; first_ms: number }>(`first seen ${JSON.stringify(names)}`, (rows) => compileEventFirstSeen(ctx.query, names, rows)) : Promise.resolve([]),
    counted<{ n: number; first_ms: number | null; last_ms: number | null }>('first seen', (rows) => compileStoreFirstSeen(ctx.query, rows)),
  ]);
  const firstSeen = new Map<string, number>();
  for (const r of perEvent) if (Number(r.n) > 0) firstSeen.set(r.event, Number(r.first_ms));
  // An empty aggregate is NULL in DuckDB but the type's default (1970) in ClickHouse: trust the count.
  const stored = store.length > 0 && Number(store[0].n) > 0 && store[0].first_ms !== null;
  return { firstSeen, storeFirst: stored ? Number(store[0].first_ms) : null, storeLast: stored ? Number(store[0].last_ms) : null, timezone: ctx.model.time.timezone };
}

const quoted = (events: readonly string[]) => events.map((e) => `\`${e}\``).join(' or ');

/**
 * Per week: why a row counting these events has no data. Before the first of them (the store's first
 * event when the row names none), or every week when none of them has a row.
 */
export function eventGaps(events: readonly string[], weeks: readonly Period[], coverage: DataCoverage): CellReasons {
  const seen = events.map((e) => coverage.firstSeen.get(e)).filter((t): t is number => t !== undefined);
  if (events.length > 0 && seen.length === 0) return weeks.map(() => `no ${quoted(events)} events stored`);
  const first = seen.length ? Math.min(...seen) : coverage.storeFirst;
  if (first === null) return weeks.map(() => 'no events stored');
  const day = formatDate(localDateOf(first, coverage.timezone));
  const what = events.length ? `the first ${quoted(events)} event` : 'the first event stored';
  return weeks.map((w) => (w.to <= first ? `before ${what} (${day})` : null));
}

/** Per week: why a row computed from the subscription ledger has no data. */
export function ledgerGaps(weeks: readonly Period[], ledgerFirst: number | null, timezone: string): CellReasons {
  if (ledgerFirst === null) return weeks.map(() => 'no subscription ledger imported');
  const day = formatDate(localDateOf(ledgerFirst, timezone));
  return weeks.map((w) => (w.to <= ledgerFirst ? `before the subscription ledger begins (${day})` : null));
}

const FALLBACK_REASON = { manual: 'nothing entered by hand for this week', computed: 'nothing to compute it from this week' } as const;

/**
 * A scorecard row whose cells with a reason have no data: their values are dropped before the
 * status, trend and baseline are worked out, and every empty cell carries a reason.
 */
export function rowWithGaps(
  base: Parameters<typeof buildRow>[0], values: (number | null)[], gaps: CellReasons | undefined, manual?: (number | null)[],
): ScorecardRow {
  const kept = values.map((v, i) => (gaps?.[i] ? null : v));
  const row = buildRow(base, kept, manual);
  if (row.status.some((s) => s === 'no_data')) {
    row.reasons = row.status.map((s, i) => (s === 'no_data' ? (gaps?.[i] ?? FALLBACK_REASON[base.source]) : null));
  }
  return row;
}

/** Merges per-week reasons: the first reason given for a week wins. */
export function mergeGaps(...lists: (CellReasons | undefined)[]): CellReasons | undefined {
  const present = lists.filter((l): l is CellReasons => l !== undefined);
  if (present.length === 0) return undefined;
  return present[0].map((_, i) => present.map((l) => l[i]).find((r) => r) ?? null);
}
