import type { SqlEngine } from '../engine/sql-engine.js';
import type { CompiledQuery } from '../query/dialect.js';
import type { ActorEvent, ChangedActors, KeptFunnelRow } from '../query/plans/funnel-kept.js';
import { ActorKeys, KnownEvents } from './funnel-events.js';
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
  change(changed: ChangedActors, kept: number, stored: number): CompiledQuery;
  /** Keys of ids among which every actor with events among the rows before `stored` is (`keys`), and `people`. */
  actors(stored: number): CompiledQuery;
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
  /** The actors with events among the rows before `stored` (and some others): read at the first change, null when too many to keep. */
  keys?: ActorKeys | null;
  /** All the events of the actors computed again lately, as of the rows before `stored`. */
  known: KnownEvents;
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
/** Past this many actors with events, a kept funnel does not keep their keys (8 bytes each) and reads every changed actor's events. */
const MAX_KEYS = 5_000_000;
/** Events kept per funnel of the actors computed again lately (about 100 bytes each). */
const KNOWN_EVENTS = 100_000;

/**
 * Cohort funnels' level counts, kept per funnel (its steps, range, window, segment and split) and
 * brought up to date after a write by computing again only the actors whose new events can change
 * their level. Exact: the counts always equal the plan over the rows before their stored count; a
 * change of who is who (an identity link, a trait) computes every actor again. Memory: a few counts
 * per funnel and one number per actor whose horizon reaches the cutoff (a million
 * at most over all funnels by default, about 100 MB); per funnel brought up, 8 bytes per id with
 * stored events (13 MB at 10M events; none past 5 million ids) and the events of the actors computed
 * again lately (100,000 at most, about 10 MB).
 */
export class FunnelCache {
  private readonly kept = new Map<string, Kept>();
  /** One update of a funnel at a time: each starts from what the previous one left. */
  private readonly updating = new Map<string, Promise<unknown>>();
  /** Whole computations, changes applied, the actors those changes computed again, and those of them whose events were read from the stored events. */
  computed = 0;
  changed = 0;
  touched = 0;
  read = 0;

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
    const entry: Kept = { version, plan, stored, people: peopleOf(rows), counts: new Map(), horizons: new Map(), known: new KnownEvents(KNOWN_EVENTS) };
    apply(entry, rows);
    return this.answer(key, entry);
  }

  /** Brings a kept funnel up to the rows before `stored`; false (and it is not to be used) when who is who changed. */
  private async bringUp(engine: SqlEngine, kept: Kept, plans: KeptFunnelPlans, stored: number): Promise<boolean> {
    const asked = plans.news(kept.stored, stored);
    const news = await engine.all<KeptFunnelRow>(asked.sql, asked.params);
    if (peopleOf(news) !== kept.people) return false;
    const entering = new Set(news.filter((r) => r.side === 'entry').map((r) => r.actor_id!));
    const moved = news.filter((r) => r.side === 'new' && (entering.has(r.actor_id!) || canMove(kept, plans.cutoff, r.actor_id!, Number(r.horizon))));
    const fresh = eventsByActor(news);
    const learnt = new Set<string>();
    if (moved.length) {
      if (kept.keys === undefined && !(await this.readKeys(engine, kept, plans))) return false;
      const { changed, unstored } = splitChanged(kept, moved, fresh);
      const q = plans.change(changed, kept.stored, stored);
      const rows = await engine.all<KeptFunnelRow>(q.sql, q.params);
      if (peopleOf(rows) !== kept.people) return false;
      for (const r of moved) kept.horizons.delete(r.actor_id!);
      apply(kept, rows);
      for (const [actor, events] of [...eventsByActor(rows), ...unstored.map((a) => [a, fresh.get(a)!] as const)]) {
        kept.known.set(actor, events);
        learnt.add(actor);
      }
      this.changed++;
      this.touched += moved.length;
      this.read += changed.read.length;
    }
    for (const [actor, events] of fresh) if (!learnt.has(actor)) kept.known.append(actor, events);
    for (const r of news) if (r.side === 'new') kept.keys?.add(Number(r.actors));
    kept.stored = stored;
    return true;
  }

  /** Reads the keys of the actors with events among the rows before the kept count; false when who is who changed. */
  private async readKeys(engine: SqlEngine, kept: Kept, plans: KeptFunnelPlans): Promise<boolean> {
    const q = plans.actors(kept.stored);
    const [row] = await engine.all<{ keys: number[] | null; people: string }>(q.sql, q.params);
    if (String(row.people) !== kept.people) return false;
    const keys = row.keys ?? [];
    kept.keys = keys.length > MAX_KEYS ? null : new ActorKeys(Float64Array.from(keys));
    return true;
  }

  /** What is kept, for the next process on the same store (as PeriodCache.snapshot; judged there the same way). */
  snapshot(): FunnelSnapshot {
    return [...this.kept].map(([key, k]) => ({ key, plan: k.plan, stored: k.stored, people: k.people, counts: [...k.counts], horizons: [...k.horizons] }));
  }

  /** Takes over what another process kept: each funnel is brought up from its stored count at its next read. */
  restore(snapshot: FunnelSnapshot): void {
    for (const f of snapshot.slice(-this.limits.funnels)) {
      this.kept.set(f.key, {
        version: -1, plan: f.plan, stored: f.stored, people: f.people, counts: new Map(f.counts), horizons: new Map(f.horizons), known: new KnownEvents(KNOWN_EVENTS),
      });
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

/** The `row`s of a statement per actor, as events to keep. */
function eventsByActor(rows: KeptFunnelRow[]): Map<string, ActorEvent[]> {
  const events = new Map<string, ActorEvent[]>();
  for (const r of rows) {
    if (r.side !== 'row') continue;
    const list = events.get(r.actor_id!) ?? [];
    list.push({ a: r.actor_id!, e: r.event!, t: Number(r.horizon), p: r.properties!, r: Number(r.row_number) });
    events.set(r.actor_id!, list);
  }
  return events;
}

/**
 * Where the events of the actors a change computes again come from: those kept (all of an actor's
 * events before the kept count, and its new ones), only the new ones for an actor with none stored
 * before (`unstored`), else the stored events.
 */
function splitChanged(kept: Kept, moved: KeptFunnelRow[], fresh: Map<string, ActorEvent[]>): { changed: ChangedActors; unstored: string[] } {
  const known: ActorEvent[] = [];
  const read: string[] = [];
  const unstored: string[] = [];
  for (const r of moved) {
    const actor = r.actor_id!;
    const events = kept.known.get(actor);
    const stored = events !== undefined || !kept.keys || kept.keys.has(Number(r.actors));
    // One by one: an actor may have more events than a call takes arguments.
    if (events) for (const list of [events, fresh.get(actor)!]) for (const e of list) known.push(e);
    else if (!stored) {
      for (const e of fresh.get(actor)!) known.push(e);
      unstored.push(actor);
    } else read.push(actor);
  }
  return { changed: { known, read }, unstored };
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
