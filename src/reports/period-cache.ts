import { capabilityGap, readerCapabilities } from '../engine/capabilities.js';
import { createHash } from 'node:crypto';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { TimeRange } from '../model/metrics.js';
import type { Period } from '../model/time.js';
import type { CompiledQuery } from '../query/dialect.js';
import type { RowSpan } from '../query/plans/coverage.js';
import { addValues, mergeCounts, type CountRow, type ValueRow } from './period-rows.js';
import { Staleness, type PeopleMark } from './period-staleness.js';

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
  /**
   * For rows (`period`, `value`) whose value for a period is a sum over its events (a count, a sum):
   * the statement over the stored rows of a span alone. A kept period is then topped up with the rows
   * stored since it was computed instead of computed again, and computed over the rows stored when
   * it is kept, so that each row is counted once.
   */
  additive?(range: TimeRange, periods: readonly Period[], rows: RowSpan): CompiledQuery;
  /**
   * The names of the events its rows are of: an event of another name, however late, changes none
   * of its periods. Without it, any event does.
   */
  events?: readonly string[];
  /** Called with the periods about to be computed, before `compile` is asked for their statement. */
  prepare?(missing: readonly Period[]): Promise<void>;
  /**
   * The caller only reads the rows: they are answered as kept, not copied (a copy of a large result,
   * such as every recent signup's window prefix, costs more than its statement).
   */
  readOnly?: boolean;
}

export interface Kept {
  rows: { period: string }[];
  /** Events stored when it was computed: later rows (row number from here on) may change it. */
  stored: number;
  /** Who was who when it was computed (PeriodQuery.people). */
  people?: PeopleMark;
}

/**
 * Whether results can be kept: the data changes only through this process (a data version), and the
 * engine numbers its event rows in the order they were stored, as the live state needs too.
 */
export function keepsPeriods(engine: SqlEngine): boolean {
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
  /** Per key, a fingerprint of the statement that computes it (its SQL for one period), taken once. */
  private readonly plans = new Map<string, string>();
  /** Keys restored from a snapshot whose plan is not yet compared with this process's. */
  private readonly unchecked = new Map<string, string>();
  private readonly staleness = new Staleness();
  hits = 0;
  misses = 0;
  /** Kept periods topped up with the rows stored since (PeriodQuery.additive) rather than computed again. */
  toppedUp = 0;

  /** How many events are stored now: the row number the next one gets (read once per data version). */
  storedEvents(engine: SqlEngine): Promise<number> {
    return this.staleness.storedEvents(engine);
  }

  async run<T extends { period: string }>(engine: SqlEngine, q: PeriodQuery): Promise<T[]> {
    if (!keepsPeriods(engine)) {
      const compiled = q.compile(spanOf(q.periods), q.periods);
      return engine.all<T>(compiled.sql, compiled.params);
    }
    this.checkPlan(q.key, () => q.compile(spanOf(q.periods.slice(0, 1)), q.periods.slice(0, 1)));
    const stored = await this.staleness.storedEvents(engine);
    const people = q.people ? await this.staleness.people(engine) : undefined;
    const byPeriod = this.kept.get(q.key) ?? new Map<string, Kept>();
    // Judged and answered from the entries as they are now: a read finishing meanwhile may replace them.
    const entries = q.periods.map((p) => byPeriod.get(slotOf(p)));
    const fresh = await this.judge(engine, q, entries, stored, people);
    const topped = q.additive ? await this.topUp(engine, q, byPeriod, entries.map((k, i) => (fresh[i] || !samePeople(k, people) ? undefined : k)), stored) : new Map();
    const missing = q.periods.filter((_, i) => !fresh[i] && !topped.has(i));
    this.hits += q.periods.length - missing.length - topped.size;
    this.toppedUp += topped.size;
    this.misses += missing.length;
    let rows: { period: string }[] = [];
    if (missing.length) {
      await q.prepare?.(missing);
      const compiled = q.additive ? q.additive(spanOf(missing), missing, { from: 0, to: stored }) : q.compile(spanOf(missing), missing);
      rows = await engine.all<T>(compiled.sql, compiled.params);
      this.keep(q.key, byPeriod, missing, rows, { stored, people });
    }
    const answer = q.periods.flatMap((p, i) => (fresh[i] ? entries[i]!.rows : topped.get(i) ?? rows.filter((r) => r.period === p.startDate)));
    return (q.readOnly ? answer : structuredClone(answer)) as T[];
  }

  /**
   * Kept periods (`stale`, by index; undefined where not to top up) topped up with the rows stored
   * since each was computed: one statement per count of events they were computed at. Answers their
   * new rows by index, and keeps them.
   */
  private async topUp(engine: SqlEngine, q: PeriodQuery, byPeriod: Map<string, Kept>, stale: (Kept | undefined)[], stored: number): Promise<Map<number, { period: string }[]>> {
    const out = new Map<number, { period: string }[]>();
    for (const from of new Set(stale.flatMap((k) => (k ? [k.stored] : [])))) {
      const at = stale.flatMap((k, i) => (k?.stored === from ? [i] : []));
      const periods = at.map((i) => q.periods[i]);
      const compiled = q.additive!(spanOf(periods), periods, { from, to: stored });
      const added = await engine.all<{ period: string; value: number | null }>(compiled.sql, compiled.params);
      const merged = at.flatMap((i) => addValues(stale[i]!.rows as ValueRow[], added.filter((r) => r.period === q.periods[i].startDate)));
      this.keep(q.key, byPeriod, periods, merged, { stored, people: stale[at[0]]!.people });
      at.forEach((i) => out.set(i, merged.filter((r) => r.period === q.periods[i].startDate)));
    }
    return out;
  }

  /**
   * Counts and first (and last) instants of events (per name, or of the whole store): kept with the number of
   * events stored when computed, and topped up with the rows stored since (sums, minimums, maximums), so a
   * write costs a read of its own rows. Exact: each span of rows is counted once.
   */
  async counted<T extends CountRow>(engine: SqlEngine, key: string, compile: (rows?: RowSpan) => CompiledQuery): Promise<T[]> {
    if (!keepsPeriods(engine)) return engine.all<T>(compile().sql, compile().params);
    this.checkPlan(key, compile);
    const stored = await this.staleness.storedEvents(engine);
    const kept = this.counts.get(key);
    const from = kept && kept.stored <= stored ? kept.stored : 0;
    let rows = from > 0 ? kept!.rows : [];
    if (from < stored || !kept) {
      const q = compile({ from, to: stored });
      rows = mergeCounts(rows, await this.staleness.rowsSince(engine, q) as unknown as CountRow[]);
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
      plan = statementFingerprint(compile());
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

  /**
   * Which entries still hold: computed with the same accounts' traits, and ending before the earliest
   * event (of the names the query reads) stored since and, when it counts people, before the earliest
   * event of the people changed since. Those that hold are marked as holding up to now, so later reads
   * look only at what is stored or changed from here on.
   */
  private async judge(engine: SqlEngine, q: PeriodQuery, entries: (Kept | undefined)[], stored: number, people?: PeopleMark): Promise<boolean[]> {
    const oldest = <T>(value: (k: Kept) => T, now: T) => entries.reduce((m, k) => (k && value(k) < m ? value(k) : m), now);
    const stale = await this.staleness.eventsFrom(engine, oldest((k) => k.stored, stored), stored, q.events);
    const moved = people ? await this.staleness.peopleFrom(engine, oldest((k) => (samePeople(k, people) ? k.people!.changes : Infinity), people.changes), people) : Infinity;
    const fresh = entries.map((k, i) => k !== undefined && samePeople(k, people)
      && (k.stored >= stored || q.periods[i].to <= stale) && (!people || k.people!.changes >= people.changes || q.periods[i].to <= moved));
    entries.forEach((k, i) => {
      if (!fresh[i]) return;
      k!.stored = Math.max(k!.stored, stored);
      if (people) k!.people = people;
    });
    return fresh;
  }

  private keep(key: string, byPeriod: Map<string, Kept>, periods: readonly Period[], rows: { period: string }[], computed: Omit<Kept, 'rows'>): void {
    // Another read of the key may have kept its own periods meanwhile (reads run side by side): kept beside them.
    const target = this.kept.get(key) ?? byPeriod;
    if (this.size + periods.length > MAX_PERIODS) {
      this.kept.clear();
      target.clear();
      this.size = 0;
    }
    for (const p of periods) {
      if (!target.has(slotOf(p))) this.size++;
      target.set(slotOf(p), { rows: rows.filter((r) => r.period === p.startDate), ...computed });
    }
    this.kept.set(key, target);
  }
}

/** What a kept result was computed with (its statement's text): one kept by another release's statement is not reused. */
export function statementFingerprint(q: CompiledQuery): string {
  return createHash('sha256').update(q.sql).digest('hex');
}

/** Whether a kept result was computed with these accounts' traits (both undefined for a result that counts no one). */
function samePeople(k: Kept | undefined, people: PeopleMark | undefined): boolean {
  return k?.people?.accounts === people?.accounts;
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
