import type { DuckDBConnection } from '@duckdb/node-api';

/** Statements that read only: their text starts with one of these and holds one statement. */
const READS = /^\s*\(*\s*(select|from|describe|show|summarize|begin|commit|rollback|checkpoint)\b/i;
/** A statement opening with common table expressions reads only unless one of these words is in it. */
const CTE = /^\s*with\b/i;
const WRITE_WORDS = /\b(insert|update|delete|copy|create|drop|alter|truncate|merge|attach|import|load|install|pragma|set|vacuum)\b/i;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/g;
const QUALIFIED = String.raw`((?:"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)(?:\.(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_]*))*)`;
/** One statement that writes one table, named after its opening keywords (the last part of the name is the table). */
const TARGET = new RegExp(
  String.raw`^\s*(?:insert\s+(?:or\s+(?:replace|ignore)\s+)?into|update|delete\s+from|truncate(?:\s+table)?|create\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?table(?:\s+if\s+not\s+exists)?|drop\s+table(?:\s+if\s+exists)?)\s+${QUALIFIED}`,
  'i',
);
/** Texts whose names are remembered, at most (statements are fixed texts with bound values). */
const MAX_TEXTS = 2_000;

/**
 * The data version at which each table (by name) last changed, so that a result that reads only
 * tables unchanged since it was computed can be reused, although other tables (events, at every
 * write) changed. Which tables a statement may change is read off its text: every name in a writing
 * statement counts as written (a column or keyword sharing a table's name only makes reuse rarer), and
 * an appender counts as a write of its table. A reading statement reads every name in its text, and
 * through a view the names of the view's definition (views are read once the schema is migrated: only
 * migrations create them). Exact as long as every write of the store goes through its connection, as
 * `DuckDbStore` ensures.
 */
export class TableVersions {
  private readonly changed = new Map<string, number>();
  /** Names written since the open transaction began (or by the statement running outside one). */
  private readonly pending = new Set<string>();
  private readonly namesByText = new Map<string, readonly string[]>();
  private views = new Map<string, readonly string[]>();
  /** A version every result must be at least as new as (the store was reopened). */
  private floor = 0;

  /**
   * Counts the tables a statement on the writing connection may write: the one a single INSERT,
   * UPDATE, DELETE, CREATE TABLE or DROP TABLE names, else every name in its text.
   */
  touch(sql: string): void {
    const single = !/;\s*\S/.test(sql);
    if (single && (READS.test(sql) || (CTE.test(sql) && !WRITE_WORDS.test(sql)))) return;
    const target = single ? TARGET.exec(sql) : null;
    if (target) this.pending.add(lastPart(target[1]));
    else for (const name of this.namesOf(sql)) this.pending.add(name);
  }

  /**
   * The store's data version moved to `version`: the names written so far get it. Inside a
   * transaction they are kept and stamped again at every later change, so the version they end with
   * is the one after the commit (a reader before it still sees the data as it was).
   */
  stamp(version: number, transactionOpen: boolean): void {
    for (const name of this.pending) this.changed.set(name, version);
    if (!transactionOpen) this.pending.clear();
  }

  /** Everything changed (the store was reopened). */
  reset(version: number): void {
    this.floor = version;
    this.pending.clear();
  }

  /** The views' names and their definitions. */
  setViews(views: readonly { name: string; sql: string }[]): void {
    this.views = new Map(views.map((v) => [v.name.toLowerCase(), this.namesOf(v.sql)]));
  }

  /** The latest version at which a table the statement names (itself or through a view) changed. */
  versionOf(sql: string): number {
    let version = this.floor;
    const seen = (name: string) => {
      const v = this.changed.get(name);
      if (v !== undefined && v > version) version = v;
    };
    for (const name of this.namesOf(sql)) {
      seen(name);
      for (const inner of this.views.get(name) ?? []) seen(inner);
    }
    return version;
  }

  private namesOf(sql: string): readonly string[] {
    return remembered(this.namesByText, sql, () => [...new Set((sql.match(NAME) ?? []).map((n) => n.toLowerCase()))]);
  }
}

/** `main."Events"` → `events`. */
function lastPart(qualified: string): string {
  const parts = qualified.match(/"[^"]+"|[A-Za-z_][A-Za-z0-9_]*/g)!;
  return parts[parts.length - 1].replace(/"/g, '').toLowerCase();
}

function remembered<T>(byText: Map<string, T>, sql: string, compute: () => T): T {
  if (byText.has(sql)) return byText.get(sql)!;
  const value = compute();
  if (byText.size >= MAX_TEXTS) byText.clear();
  byText.set(sql, value);
  return value;
}

/**
 * The writing connection, with every statement text (and every appender's table) it is given
 * counted in `versions` before it runs: its methods that take text take it first.
 */
export function trackedConnection(connection: DuckDBConnection, versions: TableVersions): DuckDBConnection {
  return new Proxy(connection, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof args[0] === 'string') versions.touch(args[0]);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
