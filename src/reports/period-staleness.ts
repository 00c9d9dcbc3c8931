import { resultVersion, type SqlEngine } from '../engine/sql-engine.js';
import type { CompiledQuery } from '../query/dialect.js';
import { compileEventSpans } from '../query/plans/coverage.js';
import { duckdbDialect } from '../query/dialects/duckdb.js';
import {
  compileAccountsSignature, compileChangedPeopleEarliest, compilePeopleChanges, compileStoredEvents,
} from '../query/plans/live.js';

/**
 * Statements' rows per data version, by text and values, read again only once a table a statement
 * reads changed (`resultVersion`): the reads running at once share one read (the rows stored since a
 * kept result, for its staleness and for the counts topped up with them, are read once), and a failed
 * read is not kept. One per statement family: a family's statements read the same tables.
 */
class PerVersionRows {
  private read: { version: number; byText: Map<string, Promise<Record<string, unknown>[]>> } | undefined;

  of(engine: SqlEngine, q: CompiledQuery): Promise<Record<string, unknown>[]> {
    const version = resultVersion(engine, q.sql)!;
    if (this.read?.version !== version) this.read = { version, byText: new Map() };
    const key = `${q.sql}\u0000${JSON.stringify(q.params)}`;
    let found = this.read.byText.get(key);
    if (!found) {
      found = engine.all<Record<string, unknown>>(q.sql, q.params);
      this.read.byText.set(key, found);
      found.catch(() => this.read?.byText.delete(key));
    }
    return found;
  }
}

/** A statement's value per log row it reads from (a number of events stored, of people changes logged), per data version. */
function perVersionFrom<T>(compile: (from: number) => CompiledQuery, valueOf: (rows: Record<string, unknown>[]) => T): { of(engine: SqlEngine, from: number): Promise<T> } {
  const rows = new PerVersionRows();
  return { of: (engine, from) => rows.of(engine, compile(from)).then(valueOf) };
}

/** The event spans keep no timezone or week start: the store's rows are read alike under any. */
const SPANS_CONTEXT = { dialect: duckdbDialect, time: { timezone: 'UTC', weekStart: 'monday' as const }, idealUser: null };

/** A statement's one value, per data version (a statement read from no log row). */
function perVersion<T>(query: CompiledQuery, valueOf: (row: Record<string, unknown>) => T): { of(engine: SqlEngine): Promise<T> } {
  const read = perVersionFrom(() => query, ([row]) => valueOf(row));
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
  private readonly sinceKept = new PerVersionRows();
  private readonly earliestChanged = perVersionFrom(compileChangedPeopleEarliest, ([row]) => instant(row?.t));

  storedEvents(engine: SqlEngine): Promise<number> {
    return this.stored.of(engine);
  }

  async people(engine: SqlEngine): Promise<PeopleMark> {
    const [accounts, changes] = await Promise.all([this.accounts.of(engine), this.changes.of(engine)]);
    return { accounts, changes };
  }

  /**
   * Rows of a statement over the events stored since a kept result, read once per data version
   * however many kept results ask (compileEventSpans' statement is shared with `eventsFrom`).
   */
  rowsSince(engine: SqlEngine, q: CompiledQuery): Promise<Record<string, unknown>[]> {
    return this.sinceKept.of(engine, q);
  }

  /**
   * The earliest instant among the events (of these names, when given) stored in rows [from, stored):
   * rows committed later are judged at the next read, against the `stored` a result is kept with.
   */
  async eventsFrom(engine: SqlEngine, from: number, stored: number, events?: readonly string[]): Promise<number> {
    if (from >= stored) return Infinity;
    const names = events && new Set(events);
    const spans = await this.rowsSince(engine, compileEventSpans(SPANS_CONTEXT, { from, to: stored }));
    return Math.min(Infinity, ...spans.filter((r) => !names || names.has(String(r.event))).map((r) => instant(r.first_ms)));
  }

  /** The earliest instant among the events of the people changed from log row `from` on. */
  peopleFrom(engine: SqlEngine, from: number, now: PeopleMark): Promise<number> {
    return from >= now.changes ? Promise.resolve(Infinity) : this.earliestChanged.of(engine, from);
  }
}
