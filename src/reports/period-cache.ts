import { capabilityGap, readerCapabilities } from '../engine/capabilities.js';
import { createHash } from 'node:crypto';
import { resultVersion, type SqlEngine } from '../engine/sql-engine.js';
import type { Frequency, TimeRange, TimeSettings } from '../model/metrics.js';
import { periodsIn, type Period } from '../model/time.js';
import type { CompiledQuery } from '../query/dialect.js';
import type { RowSpan } from '../query/plans/coverage.js';
import { compileEarliestSince, compilePeopleSignature, compileStoredEvents } from '../query/plans/live.js';

/** A query answering rows per period, whose rows for a period depend only on the events stored in that period. */
export interface PeriodQuery {
  /** What the rows are of, without the range: equal keys answer equal rows for equal periods. */
  key: string;
  /**
   * Whole periods, or each period's part up to an instant (`to` before the period's end: pace's
   * windows). A period's rows are kept per start and end, so a part up to another instant is another entry.
   */
  periods: readonly Period[];
  /** The statement for these periods (of the range spanning them); its rows name their period's first day in `period`. */
  compile(range: TimeRange, periods: readonly Period[]): CompiledQuery;
  /**
   * Its rows also depend on who is who (distinct people, first reaches, segments): every period is
   * computed again once an identity link or a person's traits change.
   */
  people?: boolean;
}

export interface Kept {
  rows: { period: string }[];
  /** Events stored when it was computed: later rows (row number from here on) may change it. */
  stored: number;
  /** Who was who when it was computed (PeriodQuery.people). */
  people?: string;
}

/**
 * Whether results can be kept: the data changes only through this process (a data version), and the
 * engine numbers its event rows in the order they were stored, as the live state needs too.
 */
export function keepsPeriods(engine: SqlEngine): boolean {
  return engine.dataVersion !== undefined && capabilityGap(readerCapabilities(engine), 'live_state') === undefined;
}

/**
 * A statement's one value, read again only once a table it reads changed (`resultVersion`): the
 * reads running at once share one read.
 */
class PerVersion<T> {
  private last: { version: number; value: Promise<T> } | undefined;

  constructor(private readonly query: CompiledQuery, private readonly valueOf: (row: Record<string, unknown>) => T) {}

  of(engine: SqlEngine): Promise<T> {
    const version = resultVersion(engine, this.query.sql)!;
    if (this.last?.version !== version) {
      this.last = { version, value: engine.all(this.query.sql, this.query.params).then(([row]) => this.valueOf(row)) };
    }
    return this.last.value;
  }
}

/** Periods kept at most, over every key; past it, all are dropped. */
const MAX_PERIODS = 20_000;

/**
 * Results of period queries (a plain count or sum of events per week), kept period by period and
 * dropped only when an event lands in the period: `events` is append only, so the events stored
 * since a period was computed are exactly the rows past the count taken then, and the earliest of
 * them says which periods they can change (those ending after it). On a live server, writing every
 * second, the closed weeks stay kept and only the current one is computed again. For an engine
 * whose data can change elsewhere (no data version), every read computes the whole range.
 */
export class PeriodCache {
  private readonly kept = new Map<string, Map<string, Kept>>();
  private readonly counts = new Map<string, { rows: CountRow[]; stored: number }>();
  private size = 0;
  /** Per key, a fingerprint of the statement that computes it (its SQL for one period), taken once. */
  private readonly plans = new Map<string, string>();
  /** Keys restored from a snapshot whose plan is not yet compared with this process's. */
  private readonly unchecked = new Map<string, string>();
  /**
   * Events stored now, read before the query it guards: rows committed in between only make the
   * later check stricter.
   */
  private readonly stored = new PerVersion(compileStoredEvents(), (row) => Number(row.n));
  /** Who is who now (compilePeopleSignature), read before the query it guards. */
  private readonly people = new PerVersion(compilePeopleSignature(), (row) => String(row.s));
  hits = 0;
  misses = 0;

  /** How many events are stored now: the row number the next one gets (read once per data version). */
  storedEvents(engine: SqlEngine): Promise<number> {
    return this.stored.of(engine);
  }

  async run<T extends { period: string }>(engine: SqlEngine, q: PeriodQuery): Promise<T[]> {
    if (!keepsPeriods(engine)) {
      const compiled = q.compile(spanOf(q.periods), q.periods);
      return engine.all<T>(compiled.sql, compiled.params);
    }
    this.checkPlan(q.key, () => q.compile(spanOf(q.periods.slice(0, 1)), q.periods.slice(0, 1)));
    const stored = await this.stored.of(engine);
    const people = q.people ? await this.people.of(engine) : undefined;
    const byPeriod = this.kept.get(q.key) ?? new Map<string, Kept>();
    // Judged and answered from the entries as they are now: a read finishing meanwhile may replace them.
    const entries = q.periods.map((p) => byPeriod.get(slotOf(p)));
    const stale = await this.staleFrom(engine, entries, stored);
    const fresh = entries.map((k, i) => k !== undefined && k.people === people && (k.stored >= stored || q.periods[i].to <= stale));
    // No event stored since ends before them: they hold up to now, so later reads look only at the rows from here on.
    entries.forEach((k, i) => { if (fresh[i] && k!.stored < stored) k!.stored = stored; });
    const missing = q.periods.filter((_, i) => !fresh[i]);
    this.hits += q.periods.length - missing.length;
    this.misses += missing.length;
    let rows: { period: string }[] = [];
    if (missing.length) {
      const compiled = q.compile(spanOf(missing), missing);
      rows = await engine.all<T>(compiled.sql, compiled.params);
      this.keep(q.key, byPeriod, missing, rows, { stored, people });
    }
    const answer = q.periods.flatMap((p, i) => (fresh[i] ? entries[i]!.rows : rows.filter((r) => r.period === p.startDate)));
    return structuredClone(answer) as T[];
  }

  /**
   * Counts and first (and last) instants of events (per name, or of the whole store): kept with the number of
   * events stored when computed, and topped up with the rows stored since (sums, minimums, maximums), so a
   * write costs a read of its own rows. Exact: each span of rows is counted once.
   */
  async counted<T extends CountRow>(engine: SqlEngine, key: string, compile: (rows?: RowSpan) => CompiledQuery): Promise<T[]> {
    if (!keepsPeriods(engine)) return engine.all<T>(compile().sql, compile().params);
    this.checkPlan(key, compile);
    const stored = await this.stored.of(engine);
    const kept = this.counts.get(key);
    const from = kept && kept.stored <= stored ? kept.stored : 0;
    let rows = from > 0 ? kept!.rows : [];
    if (from < stored || !kept) {
      const q = compile({ from, to: stored });
      rows = mergeCounts(rows, await engine.all<CountRow>(q.sql, q.params));
      this.counts.set(key, { rows, stored });
    }
    return structuredClone(rows) as T[];
  }

  /**
   * What is kept, to be restored by the next process on the same store (a server saves it when it
   * stops): each result with the number of events stored and the people signature it was computed
   * with, as here, and its statement's fingerprint.
   */
  snapshot(): PeriodSnapshot {
    return {
      periods: [...this.kept].flatMap(([key, byPeriod]) => this.planned(key, (plan) => ({ key, plan, kept: [...byPeriod] }))),
      counts: [...this.counts].flatMap(([key, counts]) => this.planned(key, (plan) => ({ key, plan, ...counts }))),
    };
  }

  /**
   * Takes over what another process kept. A result stays valid as it is judged here (the events
   * stored since, the people signature); a key whose statement differs in this release is dropped
   * the first time it is asked for.
   */
  restore(snapshot: PeriodSnapshot): void {
    for (const { key, plan, kept } of snapshot.periods) {
      if (this.size + kept.length > MAX_PERIODS) break;
      this.kept.set(key, new Map(kept));
      this.size += kept.length;
      this.unchecked.set(key, plan);
    }
    for (const { key, plan, rows, stored } of snapshot.counts) {
      this.counts.set(key, { rows, stored });
      this.unchecked.set(key, plan);
    }
  }

  /** `entry` with the key's plan: this process's, else the one it was restored with (not asked for since). */
  private planned<T>(key: string, entry: (plan: string) => T): T[] {
    const plan = this.unchecked.get(key) ?? this.plans.get(key);
    return plan === undefined ? [] : [entry(plan)];
  }

  private checkPlan(key: string, compile: () => CompiledQuery): void {
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = createHash('sha256').update(compile().sql).digest('hex');
      this.plans.set(key, plan);
    }
    const restored = this.unchecked.get(key);
    if (restored === undefined) return;
    this.unchecked.delete(key);
    if (restored === plan) return;
    this.size -= this.kept.get(key)?.size ?? 0;
    this.kept.delete(key);
    this.counts.delete(key);
  }

  /** The earliest instant among the events stored since the oldest of these was computed (periods ending after it are stale). */
  private async staleFrom(engine: SqlEngine, kept: (Kept | undefined)[], stored: number): Promise<number> {
    const oldest = Math.min(...kept.map((k) => k?.stored ?? stored));
    if (oldest >= stored) return Infinity;
    const q = compileEarliestSince(oldest);
    const [row] = await engine.all<{ t: number | null }>(q.sql, q.params);
    return row?.t === null || row?.t === undefined ? Infinity : Number(row.t);
  }

  private keep(key: string, byPeriod: Map<string, Kept>, periods: readonly Period[], rows: { period: string }[], computed: Omit<Kept, 'rows'>): void {
    if (this.size + periods.length > MAX_PERIODS) {
      this.kept.clear();
      byPeriod.clear();
      this.size = 0;
    }
    for (const p of periods) {
      if (!byPeriod.has(slotOf(p))) this.size++;
      byPeriod.set(slotOf(p), { rows: rows.filter((r) => r.period === p.startDate), ...computed });
    }
    this.kept.set(key, byPeriod);
  }
}

/**
 * What a query over a range can be kept by: its whole periods, or with `within` (pace's windows) each
 * window as its period's part; null when it cannot be kept period by period.
 */
export function keptPeriods(range: TimeRange, frequency: Frequency, time: TimeSettings, within?: readonly TimeRange[]): Period[] | null {
  return within ? periodParts(range, within, frequency, time) : wholePeriods(range, frequency, time);
}

/** The windows a query restricted to periods' parts reads: each part's span. */
export function windowsOf(parts: readonly Period[]): TimeRange[] {
  return parts.map(({ from, to }) => ({ from, to }));
}

/** The periods of a range that starts and ends on period boundaries, else null (it cannot be kept period by period). */
function wholePeriods(range: TimeRange, frequency: Frequency, time: TimeSettings): Period[] | null {
  const periods = periodsIn(range, frequency, time);
  return periods.length > 0 && periods[0].from === range.from && periods[periods.length - 1].to === range.to ? periods : null;
}

/**
 * Windows inside a range, each a period's part from its start (pace's windows), as periods ending at
 * the window's end; null unless every window starts a period and ends inside it.
 */
function periodParts(range: TimeRange, within: readonly TimeRange[], frequency: Frequency, time: TimeSettings): Period[] | null {
  if (within.length === 0 || within[0].from < range.from || within[within.length - 1].to > range.to) return null;
  const periods = periodsIn({ from: within[0].from, to: within[within.length - 1].to }, frequency, time);
  const parts = within.map((w) => {
    const p = periods.find((x) => x.from === w.from);
    return p && w.to > p.from && w.to <= p.to ? { ...p, to: w.to } : null;
  });
  return parts.every((p) => p !== null) ? parts : null;
}

/** Where a period's rows are kept: its start and its end (a whole period, or its part up to a cut). */
function slotOf(p: Period): string {
  return `${p.startDate}/${p.to}`;
}

function spanOf(periods: readonly Period[]): TimeRange {
  return { from: periods[0].from, to: periods[periods.length - 1].to };
}

/** What a period cache kept (PeriodCache.snapshot), as plain data. */
export interface PeriodSnapshot {
  periods: { key: string; plan: string; kept: [string, Kept][] }[];
  counts: { key: string; plan: string; rows: CountRow[]; stored: number }[];
}

/** A count of events and the first (and last) one's instant, per event name when `event` is there. */
export interface CountRow {
  event?: string;
  n: number;
  first_ms: number | null;
  /** The last one's instant, when asked for. */
  last_ms?: number | null;
}

function mergeCounts(kept: CountRow[], added: CountRow[]): CountRow[] {
  const out = new Map(kept.map((r) => [r.event ?? '', { ...r }]));
  for (const r of added) {
    const n = Number(r.n);
    if (n === 0) continue;
    const was = out.get(r.event ?? '');
    if (!was || Number(was.n) === 0) out.set(r.event ?? '', { ...r, n });
    else {
      const last = was.last_ms === undefined ? {} : { last_ms: Math.max(Number(was.last_ms), Number(r.last_ms)) };
      out.set(r.event ?? '', { ...was, n: Number(was.n) + n, first_ms: Math.min(Number(was.first_ms), Number(r.first_ms)), ...last });
    }
  }
  return [...out.values()].sort((a, b) => ((a.event ?? '') < (b.event ?? '') ? -1 : 1));
}
