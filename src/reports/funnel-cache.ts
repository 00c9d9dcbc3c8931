import type { SqlEngine } from '../engine/sql-engine.js';
import type { CompiledQuery } from '../query/dialect.js';
import type { KeptFunnelRow } from '../query/plans/funnel-kept.js';
import { keepsPeriods, statementFingerprint, type PeriodCache } from './period-cache.js';

/** Actors at one level (and breakdown value, when split). */
export interface LevelCount {
  level: number;
  breakdown?: string;
  actors: number;
}

/** The statements a kept funnel is computed and brought up to date with (query/plans/funnel-kept.ts). */
export interface KeptFunnelPlans {
  /** Events from this instant on (epoch ms) move only the actors whose horizon reaches them (funnel-kept.ts). */
  cutoff: number;
  /** Every actor's levels over the rows before `stored`. */
  all(stored: number): CompiledQuery;
  /** The actors with events among the rows `kept`…`stored`−1, with the earliest. */
  news(kept: number, stored: number): CompiledQuery;
  /** The change for these actors from the rows before `kept` to the rows before `stored`. */
  change(actors: readonly string[], kept: number, stored: number): CompiledQuery;
}

interface Kept {
  /** The data version it was last brought up to: unchanged, nothing was written since (-1: restored). */
  version: number;
  /** A fingerprint of the statement that computed it: one restored from another release is not used. */
  plan: string;
  /** Events stored when it was computed: the counts are over the rows before this one. */
  stored: number;
  /** Who was who (the people signature, read in the same snapshot as the counts). */
  people: string;
  counts: Map<string, LevelCount>;
  /** The horizon of each actor whose horizon reaches the cutoff (funnel-kept.ts). */
  horizons: Map<string, number>;
}

/** Funnels kept at most, and horizons over all of them; past either, the least recently used are dropped. */
export interface FunnelCacheLimits {
  funnels: number;
  horizons: number;
}
/**
 * More rows stored since than this and the whole funnel is computed again: a bulk import touches most
 * actors, and one pass over all of them is cheaper than two over nearly all.
 */
const MAX_CHANGE = 200_000;

/**
 * Cohort funnels' level counts, kept per funnel (its steps, range, window, segment and split) and
 * brought up to date after a write by computing again only the actors whose new events can change
 * their level. Exact: the counts always equal the plan over the rows before their stored count; a
 * change of who is who (an identity link, a trait) computes every actor again. Memory: a few counts
 * per funnel and one number per actor whose horizon reaches the cutoff (a million
 * at most over all funnels by default, about 100 MB).
 */
export class FunnelCache {
  private readonly kept = new Map<string, Kept>();
  /** One update of a funnel at a time: each starts from what the previous one left. */
  private readonly updating = new Map<string, Promise<unknown>>();
  /** Whole computations, changes applied, and the actors those changes computed again. */
  computed = 0;
  changed = 0;
  touched = 0;

  constructor(private readonly periods: PeriodCache, private readonly limits: FunnelCacheLimits = { funnels: 16, horizons: 1_000_000 }) {}

  /** Whether this engine's funnels can be kept (a data version and numbered rows), else read from the events. */
  keeps(engine: SqlEngine): boolean {
    return keepsPeriods(engine);
  }

  levels(engine: SqlEngine, key: string, plans: KeptFunnelPlans): Promise<LevelCount[]> {
    const next = (this.updating.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.update(engine, key, plans));
    this.updating.set(key, next);
    void next.finally(() => { if (this.updating.get(key) === next) this.updating.delete(key); }).catch(() => undefined);
    return next;
  }

  private async update(engine: SqlEngine, key: string, plans: KeptFunnelPlans): Promise<LevelCount[]> {
    const version = engine.dataVersion!;
    const found = this.kept.get(key);
    this.kept.delete(key);
    if (found?.version === version) return this.answer(key, found);
    const stored = await this.periods.storedEvents(engine);
    const plan = statementFingerprint(plans.all(stored));
    // Computed here, a kept funnel has this process's statement; restored, it may have another release's.
    const kept = found?.plan === plan ? found : undefined;
    if (kept && kept.stored <= stored && stored - kept.stored <= MAX_CHANGE && await this.bringUp(engine, kept, plans, stored)) {
      kept.version = version;
      return this.answer(key, kept);
    }
    const q = plans.all(stored);
    const rows = await engine.all<KeptFunnelRow>(q.sql, q.params);
    this.computed++;
    const entry: Kept = { version, plan, stored, people: peopleOf(rows), counts: new Map(), horizons: new Map() };
    apply(entry, rows);
    return this.answer(key, entry);
  }

  /** Brings a kept funnel up to the rows before `stored`; false (and it is not to be used) when who is who changed. */
  private async bringUp(engine: SqlEngine, kept: Kept, plans: KeptFunnelPlans, stored: number): Promise<boolean> {
    const asked = plans.news(kept.stored, stored);
    const news = await engine.all<KeptFunnelRow>(asked.sql, asked.params);
    if (peopleOf(news) !== kept.people) return false;
    const entering = new Set(news.filter((r) => r.side === 'entry').map((r) => r.actor_id!));
    const actors = news.filter((r) => r.side === 'new' && (entering.has(r.actor_id!) || canMove(kept, plans.cutoff, r.actor_id!, Number(r.horizon))))
      .map((r) => r.actor_id!);
    if (actors.length) {
      const q = plans.change(actors, kept.stored, stored);
      const rows = await engine.all<KeptFunnelRow>(q.sql, q.params);
      if (peopleOf(rows) !== kept.people) return false;
      for (const actor of actors) kept.horizons.delete(actor);
      apply(kept, rows);
      this.changed++;
      this.touched += actors.length;
    }
    kept.stored = stored;
    return true;
  }

  /** What is kept, for the next process on the same store (as PeriodCache.snapshot; judged there the same way). */
  snapshot(): FunnelSnapshot {
    return [...this.kept].map(([key, k]) => ({ key, plan: k.plan, stored: k.stored, people: k.people, counts: [...k.counts], horizons: [...k.horizons] }));
  }

  /** Takes over what another process kept: each funnel is brought up from its stored count at its next read. */
  restore(snapshot: FunnelSnapshot): void {
    for (const f of snapshot.slice(-this.limits.funnels)) {
      this.kept.set(f.key, { version: -1, plan: f.plan, stored: f.stored, people: f.people, counts: new Map(f.counts), horizons: new Map(f.horizons) });
    }
  }

  private answer(key: string, entry: Kept): LevelCount[] {
    this.kept.set(key, entry);
    let horizons = 0;
    for (const k of this.kept.values()) horizons += k.horizons.size;
    for (const [oldest, k] of this.kept) {
      if (oldest === key || (this.kept.size <= this.limits.funnels && horizons <= this.limits.horizons)) break;
      this.kept.delete(oldest);
      horizons -= k.horizons.size;
    }
    return [...entry.counts.values()].map((c) => ({ ...c }));
  }
}

/** A kept funnel as plain data (FunnelCache.snapshot). */
export type FunnelSnapshot = { key: string; plan: string; stored: number; people: string; counts: [string, LevelCount][]; horizons: [string, number][] }[];

/** Whether an event at `t` that starts no chain can change the actor's level: before the cutoff, or not past its horizon. */
function canMove(kept: Kept, cutoff: number, actor: string, t: number): boolean {
  return t < cutoff || t <= (kept.horizons.get(actor) ?? -Infinity);
}

function peopleOf(rows: KeptFunnelRow[]): string {
  return String(rows.find((r) => r.side === 'people')?.people);
}

/** Adds a statement's rows to a kept funnel: `after` counts in, `before` counts out, horizons set. */
function apply(kept: Kept, rows: KeptFunnelRow[]): void {
  for (const r of rows) {
    if (r.side === 'horizon') kept.horizons.set(r.actor_id!, Number(r.horizon));
    if (r.side !== 'before' && r.side !== 'after') continue;
    const k = `${r.level}\u0000${r.breakdown ?? ''}`;
    const actors = (kept.counts.get(k)?.actors ?? 0) + (r.side === 'before' ? -1 : 1) * Number(r.actors);
    if (actors === 0) kept.counts.delete(k);
    else kept.counts.set(k, { level: Number(r.level), ...(r.breakdown === null ? {} : { breakdown: r.breakdown }), actors });
  }
}
