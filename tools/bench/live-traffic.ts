/**
 * What `bench --live` sends and how it checks read-your-writes. The live events fall in the week after
 * the generated data (the "live week"), which the reads, run as of the Monday after it, report as
 * their last complete week. Three kinds of event, each moving one figure by exactly one:
 * - `message`: Message Sent (channel general) by a person of the store: the North Star (a count of
 *   messages) of the live week, in the scorecard and the North Star read;
 * - `visit`: Page Viewed by a new person: the funnel's first step (distinct visitors in its range);
 * - `signup`: Signed Up by a new person: the size of the live week's retention cohort.
 * Every answer must count at least the events acknowledged before its request was sent, and at most
 * those sent before its answer arrived.
 */
import { BENCH_END_DATE } from './data.js';

export const LIVE_WEEK = '2026-W47';
const LIVE_WEEK_START = Date.parse(`${BENCH_END_DATE}T00:00:00Z`);
const WEEK_MS = 7 * 86_400_000;
/** The reads run as of noon on the Monday after the live week: it is their last complete week. */
export const LIVE_AS_OF = new Date(LIVE_WEEK_START + WEEK_MS + 12 * 3_600_000).toISOString();

export type LiveKind = 'message' | 'visit' | 'signup';
export const LIVE_KINDS: readonly LiveKind[] = ['message', 'visit', 'signup'];
export type Counts = Record<LiveKind, number>;
export const zeroCounts = (): Counts => ({ message: 0, visit: 0, signup: 0 });

/** One in 20 events is a new visitor, one in 20 a new signup, the rest messages. */
export function liveKind(index: number): LiveKind {
  const r = index % 20;
  return r === 0 ? 'visit' : r === 1 ? 'signup' : 'message';
}

/** Event `index` of the run `runId`, as a Segment track message; senders are people already in the store. */
export function liveEvent(runId: string, index: number, senders: readonly string[]): Record<string, unknown> {
  const kind = liveKind(index);
  const timestamp = new Date(LIVE_WEEK_START + ((index * 1000) % WEEK_MS)).toISOString();
  const base = { type: 'track', messageId: `live-${runId}-${index}`, timestamp };
  if (kind === 'visit') return { ...base, userId: `live-visitor-${runId}-${index}`, event: 'Page Viewed', properties: { path: '/pricing' } };
  if (kind === 'signup') return { ...base, userId: `live-user-${runId}-${index}`, event: 'Signed Up', properties: {} };
  return { ...base, userId: senders[index % senders.length], event: 'Message Sent', properties: { channel: 'general', length: index % 280 } };
}

export function countKinds(from: number, to: number, into: Counts): void {
  for (let i = from; i < to; i++) into[liveKind(i)]++;
}

/** A dashboard read of the live bench: its API path and the one figure of its answer the live events move. */
export interface LiveRead {
  name: 'scorecard' | 'north-star' | 'funnel' | 'retention';
  path: string;
  kind: LiveKind;
  /** The figure; null when the answer has none (no data yet), which counts as 0 only before any event. */
  figure(answer: unknown): number | null;
}

type Json = Record<string, unknown>;
const asNumber = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export const LIVE_READS: readonly LiveRead[] = [
  {
    name: 'scorecard', path: '/api/v1/scorecard', kind: 'message',
    figure(answer) {
      const a = answer as { weeks?: string[]; rows?: { id: string; values: unknown[] }[] };
      const i = (a.weeks ?? []).indexOf(LIVE_WEEK);
      const row = (a.rows ?? []).find((r) => r.id === 'north_star');
      return i < 0 || !row ? null : asNumber(row.values[i]);
    },
  },
  {
    name: 'north-star', path: '/api/v1/north-star', kind: 'message',
    figure: (answer) => asNumber(list((answer as Json).series).find((p) => p.period === LIVE_WEEK)?.value),
  },
  {
    name: 'funnel', path: '/api/v1/funnel', kind: 'visit',
    figure: (answer) => asNumber(list((answer as Json).steps).find((s) => s.stage === 'visit')?.actors),
  },
  {
    name: 'retention', path: '/api/v1/retention', kind: 'signup',
    figure: (answer) => asNumber(list((answer as Json).cohorts).find((c) => c.cohort === LIVE_WEEK)?.size) ?? 0,
  },
];

/**
 * Read-your-writes for one answer: `figure - base` must lie between the events of its kind acknowledged
 * before the request was sent and those sent before the answer arrived. Returns the problem, or null.
 */
export function checkAnswer(read: LiveRead, figure: number | null, base: number, ackedBefore: Counts, sentBefore: Counts): string | null {
  const low = base + ackedBefore[read.kind];
  const high = base + sentBefore[read.kind];
  const value = figure ?? (low === 0 ? 0 : null);
  if (value === null) return `${read.name}: no ${LIVE_WEEK} figure, expected at least ${low}`;
  if (value < low) return `${read.name}: ${value}, but ${low} were acknowledged before the request`;
  if (value > high) return `${read.name}: ${value}, more than the ${high} sent before the answer`;
  return null;
}
