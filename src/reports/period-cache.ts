import { capabilityGap, readerCapabilities } from '../engine/capabilities.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { TimeRange } from '../model/metrics.js';
import type { Period } from '../model/time.js';
import type { CompiledQuery } from '../query/dialect.js';
import type { RowSpan } from '../query/plans/coverage.js';
import { compileEarliestSince, compilePeopleSignature, compileStoredEvents } from '../query/plans/live.js';

/** A query answering rows per period, whose rows for a period depend only on the events stored in that period. */
export interface PeriodQuery {
  /** What the rows are of, without the range: equal keys answer equal rows for equal periods. */
  key: string;
  periods: readonly Period[];
  /** The statement for a range of whole periods; its rows name their period's first day in `period`. */
  compile(range: TimeRange): CompiledQuery;
  /**
   * Its rows also depend on who is who (distinct people, first reaches, segments): every period is
   * computed again once an identity link or a person's traits change.
   */
  people?: boolean;
}

interface Kept {
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
function keepsPeriods(engine: SqlEngine): boolean {
  return engine.dataVersion !== undefined && capabilityGap(readerCapabilities(engine), 'live_state') === undefined;
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
  private stored: { version: number; n: Promise<number> } | undefined;
  private people: { version: number; signature: Promise<string> } | undefined;
  hits = 0;
  misses = 0;

  async run<T extends { period: string }>(engine: SqlEngine, q: PeriodQuery): Promise<T[]> {
    const range = { from: q.periods[0].from, to: q.periods[q.periods.length - 1].to };
    if (!keepsPeriods(engine)) return engine.all<T>(q.compile(range).sql, q.compile(range).params);
    const stored = await this.storedEvents(engine);
    const people = q.people ? await this.peopleSignature(engine) : undefined;
    const byPeriod = this.kept.get(q.key) ?? new Map<string, Kept>();
    const stale = await this.staleFrom(engine, q.periods.map((p) => byPeriod.get(p.startDate)), stored);
    const missing = q.periods.filter((p) => {
      const k = byPeriod.get(p.startDate);
      return !k || k.people !== people || (k.stored < stored && p.to > stale);
    });
    this.hits += q.periods.length - missing.length;
    this.misses += missing.length;
    if (missing.length) {
      const fresh = { from: missing[0].from, to: missing[missing.length - 1].to };
      const compiled = q.compile(fresh);
      const rows = await engine.all<T>(compiled.sql, compiled.params);
      this.keep(q.key, byPeriod, q.periods.filter((p) => p.from >= fresh.from && p.to <= fresh.to), rows, { stored, people });
    }
    return q.periods.flatMap((p) => structuredClone(byPeriod.get(p.startDate)?.rows ?? []) as T[]);
  }

  /**
   * Counts and first instants of events (per name, or of the whole store): kept with the number of
   * events stored when computed, and topped up with the rows stored since (sums and minimums), so a
   * write costs a read of its own rows. Exact: each span of rows is counted once.
   */
  async counted<T extends CountRow>(engine: SqlEngine, key: string, compile: (rows?: RowSpan) => CompiledQuery): Promise<T[]> {
    if (!keepsPeriods(engine)) return engine.all<T>(compile().sql, compile().params);
    const stored = await this.storedEvents(engine);
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

  /** Who is who now (compilePeopleSignature), read once per data version, before the query it guards. */
  private peopleSignature(engine: SqlEngine): Promise<string> {
    const version = engine.dataVersion!;
    if (this.people?.version !== version) {
      const q = compilePeopleSignature();
      this.people = { version, signature: engine.all<{ s: string }>(q.sql, q.params).then(([row]) => String(row.s)) };
    }
    return this.people.signature;
  }

  /** Events stored now, counted once per data version (one count shared by the reads running at once). */
  private storedEvents(engine: SqlEngine): Promise<number> {
    const version = engine.dataVersion!;
    if (this.stored?.version !== version) {
      const q = compileStoredEvents();
      // Read before the query it guards: rows committed in between only make the later check stricter.
      this.stored = { version, n: engine.all<{ n: number }>(q.sql, q.params).then(([row]) => Number(row.n)) };
    }
    return this.stored.n;
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
      if (!byPeriod.has(p.startDate)) this.size++;
      byPeriod.set(p.startDate, { rows: rows.filter((r) => r.period === p.startDate), ...computed });
    }
    this.kept.set(key, byPeriod);
  }
}

/** A count of events and the first one's instant, per event name when `event` is there. */
export interface CountRow {
  event?: string;
  n: number;
  first_ms: number | null;
}

function mergeCounts(kept: CountRow[], added: CountRow[]): CountRow[] {
  const out = new Map(kept.map((r) => [r.event ?? '', { ...r }]));
  for (const r of added) {
    const n = Number(r.n);
    if (n === 0) continue;
    const was = out.get(r.event ?? '');
    if (!was || Number(was.n) === 0) out.set(r.event ?? '', { ...r, n });
    else out.set(r.event ?? '', { ...was, n: Number(was.n) + n, first_ms: Math.min(Number(was.first_ms), Number(r.first_ms)) });
  }
  return [...out.values()].sort((a, b) => ((a.event ?? '') < (b.event ?? '') ? -1 : 1));
}
