/**
 * No data is not zero. A scorecard cell has no data (value null, status `no_data`, a short reason)
 * when its week ends before the first event it counts, when the event has no rows at all, when its
 * inputs are missing (no subscription ledger, no hand entry). See docs/no-data.md.
 */
import { formatDate, localDateOf, type Period } from '../model/time.js';
import type { CompiledQuery } from '../query/dialect.js';
import { compileEventSpans } from '../query/plans/coverage.js';
import type { CountRow } from './period-rows.js';
import { run, type ReportContext } from './context.js';
import { keepsPeriods } from './period-cache.js';
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

/** Each stored event name's count and first and last instants: one grouped pass over the events. */
function eventSpans(ctx: ReportContext): Promise<EventSpan[]> {
  // A server keeps the counts and tops them up with the events stored since (period-cache.ts).
  return ctx.cache
    ? ctx.cache.periods.counted<EventSpan>(ctx.engine, 'event spans', (rows) => compileEventSpans(ctx.query, rows))
    : run<EventSpan>(ctx, compileEventSpans(ctx.query));
}

/**
 * The event names the store holds, where a server keeps them up to date with each write (the spans
 * the no-data coverage reads); undefined elsewhere, where the catalogue's summary is the cheaper read.
 */
export async function keptEventNames(ctx: ReportContext): Promise<string[] | undefined> {
  if (!ctx.cache || !keepsPeriods(ctx.engine)) return undefined;
  return (await eventSpans(ctx)).filter((r) => Number(r.n) > 0).map((r) => r.event);
}

/** First-seen instants of these event names, and the store's first and last: one grouped pass over the events. */
export async function dataCoverage(ctx: ReportContext, events: readonly string[]): Promise<DataCoverage> {
  const spans = await eventSpans(ctx);
  const asked = new Set(events);
  const firstSeen = new Map<string, number>();
  let storeFirst: number | null = null;
  let storeLast: number | null = null;
  for (const r of spans) {
    if (Number(r.n) === 0) continue;
    const [first, last] = [Number(r.first_ms), Number(r.last_ms)];
    if (asked.has(r.event)) firstSeen.set(r.event, first);
    storeFirst = storeFirst === null ? first : Math.min(storeFirst, first);
    storeLast = storeLast === null ? last : Math.max(storeLast, last);
  }
  return { firstSeen, storeFirst, storeLast, timezone: ctx.model.time.timezone };
}

type EventSpan = CountRow & { event: string; n: number; first_ms: number; last_ms: number };

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
