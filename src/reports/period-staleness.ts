import { resultVersion, type SqlEngine } from '../engine/sql-engine.js';
import type { CompiledQuery } from '../query/dialect.js';
import {
  compileAccountsSignature, compileChangedPeopleEarliest, compileEarliestSince, compilePeopleChanges, compileStoredEvents,
} from '../query/plans/live.js';

/**
 * A statement's rows per log row it reads from (a number of events stored, of people changes logged),
 * read again only once a table it reads changed (`resultVersion`): the reads running at once share
 * one read, and a failed read is not kept.
 */
class PerVersionFrom<T> {
  private read: { version: number; byRow: Map<number, Promise<T>> } | undefined;

  constructor(private readonly compile: (from: number) => CompiledQuery, private readonly valueOf: (rows: Record<string, unknown>[]) => T) {}

  of(engine: SqlEngine, from: number): Promise<T> {
    const q = this.compile(from);
    const version = resultVersion(engine, q.sql)!;
    if (this.read?.version !== version) this.read = { version, byRow: new Map() };
    let found = this.read.byRow.get(from);
    if (!found) {
      found = engine.all(q.sql, q.params).then(this.valueOf);
      this.read.byRow.set(from, found);
      found.catch(() => this.read?.byRow.delete(from));
    }
    return found;
  }
}

/** A statement's one value, per data version (a statement read from no log row). */
function perVersion<T>(query: CompiledQuery, valueOf: (row: Record<string, unknown>) => T): { of(engine: SqlEngine): Promise<T> } {
  const read = new PerVersionFrom(() => query, ([row]) => valueOf(row));
  return { of: (engine) => read.of(engine, 0) };
}

/** Who was who when a result was computed: the accounts' traits, and how many people changes were logged. */
export interface PeopleMark {
  accounts: string;
  changes: number;
}

const instant = (t: unknown) => (t === null || t === undefined ? Infinity : Number(t));

/**
 * What a kept result is judged by: the events stored since it was computed (the earliest of them, per
 * name), and for a result that counts people, the people changed since (the earliest event of any of
 * them: a link or a profile change moves nobody's events before it) and the accounts' traits (a change
 * there drops it whole).
 */
export class Staleness {
  /**
   * Events stored now, read before the query it guards: rows committed in between only make the
   * later check stricter.
   */
  private readonly stored = perVersion(compileStoredEvents(), (row) => Number(row.n));
  private readonly accounts = perVersion(compileAccountsSignature(), (row) => String(row.s));
  private readonly changes = perVersion(compilePeopleChanges(), (row) => Number(row.n));
  private readonly earliestEvents = new PerVersionFrom(compileEarliestSince, (rows) => rows.map((r) => ({ event: String(r.event), t: instant(r.t) })));
  private readonly earliestChanged = new PerVersionFrom(compileChangedPeopleEarliest, ([row]) => instant(row?.t));

  storedEvents(engine: SqlEngine): Promise<number> {
    return this.stored.of(engine);
  }

  async people(engine: SqlEngine): Promise<PeopleMark> {
    const [accounts, changes] = await Promise.all([this.accounts.of(engine), this.changes.of(engine)]);
    return { accounts, changes };
  }

  /** The earliest instant among the events (of these names, when given) stored from row `from` on. */
  async eventsFrom(engine: SqlEngine, from: number, stored: number, events?: readonly string[]): Promise<number> {
    if (from >= stored) return Infinity;
    const names = events && new Set(events);
    const earliest = (await this.earliestEvents.of(engine, from)).filter((r) => !names || names.has(r.event));
    return Math.min(Infinity, ...earliest.map((r) => r.t));
  }

  /** The earliest instant among the events of the people changed from log row `from` on. */
  peopleFrom(engine: SqlEngine, from: number, now: PeopleMark): Promise<number> {
    return from >= now.changes ? Promise.resolve(Infinity) : this.earliestChanged.of(engine, from);
  }
}
