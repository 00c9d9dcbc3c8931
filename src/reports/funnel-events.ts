import type { ActorEvent } from '../query/plans/funnel-kept.js';

/**
 * Keys (query/plans/funnel-kept.ts: a hash of the id) among which are those of every actor with
 * stored events of a funnel's names. An actor whose key is not here has none, so its events are all
 * among the rows a change reads anyway; a key here that is no such actor's (another id's, or two ids
 * sharing a key) only has that actor's events read from the stored events.
 */
export class ActorKeys {
  private readonly added = new Set<number>();

  /** `keys` in any order; kept sorted, then searched. */
  constructor(private readonly sorted: Float64Array) {
    sorted.sort();
  }

  get size(): number {
    return this.sorted.length + this.added.size;
  }

  has(key: number): boolean {
    if (this.added.has(key)) return true;
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.sorted[mid];
      if (at === key) return true;
      if (at < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  add(key: number): void {
    if (!this.has(key)) this.added.add(key);
  }
}

/**
 * All the events of a funnel's names of some actors (the ones computed again lately), as of the rows
 * before a kept funnel's stored count, so computing them again reads none of the stored events. At
 * most `limit` events; the least recently set actors are dropped first.
 */
export class KnownEvents {
  private readonly byActor = new Map<string, ActorEvent[]>();
  private count = 0;

  constructor(private readonly limit: number) {}

  get(actor: string): ActorEvent[] | undefined {
    return this.byActor.get(actor);
  }

  set(actor: string, events: ActorEvent[]): void {
    this.delete(actor);
    this.byActor.set(actor, events);
    this.count += events.length;
    this.trim();
  }

  /** Adds events past the ones kept for an actor (one whose events are kept; others are not). */
  append(actor: string, events: readonly ActorEvent[]): void {
    const kept = this.byActor.get(actor);
    if (!kept) return;
    for (const e of events) kept.push(e);
    this.count += events.length;
    this.trim();
  }

  private trim(): void {
    for (const [oldest, dropped] of this.byActor) {
      if (this.count <= this.limit) break;
      this.byActor.delete(oldest);
      this.count -= dropped.length;
    }
  }

  private delete(actor: string): void {
    const kept = this.byActor.get(actor);
    if (!kept) return;
    this.byActor.delete(actor);
    this.count -= kept.length;
  }
}
