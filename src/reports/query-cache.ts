import { resultVersion, type SqlEngine } from '../engine/sql-engine.js';
import type { CompiledQuery } from '../query/dialect.js';
import { FunnelCache, type FunnelCacheLimits } from './funnel-cache.js';
import { PeriodCache } from './period-cache.js';

/** Derived values kept at most (each is small: a few rows per week). */
const MAX_DERIVED = 64;

/**
 * Results of report queries, reused while no table the query reads changed (the engine's
 * `versionOf`, else its data version: any committed write changes it), so a reused result is always
 * what the query would return now. Bounded by the
 * number of result rows kept; least recently used first out. A hit returns a copy, so a caller that
 * edits its rows never changes what the next caller gets.
 */
export class QueryCache {
  private readonly entries = new Map<string, { version: number; rows: unknown[] }>();
  private readonly values = new Map<string, { version: number; value: unknown }>();
  private rows = 0;
  hits = 0;
  misses = 0;
  /** Per-period results that outlive writes to other periods (period-cache.ts). */
  readonly periods = new PeriodCache();
  /** Cohort funnels' level counts, brought up to date actor by actor after a write (funnel-cache.ts). */
  readonly funnels: FunnelCache;

  constructor(private readonly maxRows = 500_000, funnelLimits?: FunnelCacheLimits) {
    this.funnels = new FunnelCache(this.periods, funnelLimits);
  }

  async run<T>(engine: SqlEngine, q: CompiledQuery): Promise<T[]> {
    const version = resultVersion(engine, q.sql);
    if (version === undefined) return engine.all<T>(q.sql, q.params);
    const key = `${q.sql}\u0000${JSON.stringify(q.params)}`;
    const found = this.entries.get(key);
    if (found && found.version === version) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return structuredClone(found.rows) as T[];
    }
    this.misses++;
    const rows = await engine.all<T>(q.sql, q.params);
    this.store(key, version, rows);
    return rows.length ? structuredClone(rows) : rows;
  }

  /**
   * A value computed from these queries' results alone (and from what `key` names), reused while no
   * table they read changed: work in JavaScript over rows that rarely change (the subscription
   * ledger) is done once, not at every read after an event is stored.
   */
  async derived<T>(engine: SqlEngine, key: string, inputs: readonly CompiledQuery[], compute: () => Promise<T>): Promise<T> {
    const version = resultVersion(engine, inputs.map((q) => q.sql).join('\n'));
    if (version === undefined) return compute();
    const full = `${key}\u0000${JSON.stringify(inputs.map((q) => [q.sql, q.params]))}`;
    const found = this.values.get(full);
    if (found && found.version === version) {
      this.values.delete(full);
      this.values.set(full, found);
      return structuredClone(found.value) as T;
    }
    const value = await compute();
    this.values.delete(full);
    this.values.set(full, { version, value: structuredClone(value) });
    for (const k of this.values.keys()) {
      if (this.values.size <= MAX_DERIVED) break;
      this.values.delete(k);
    }
    return value;
  }

  private store(key: string, version: number, rows: unknown[]): void {
    const old = this.entries.get(key);
    if (old) {
      this.rows -= old.rows.length;
      this.entries.delete(key);
    }
    if (rows.length > this.maxRows) return;
    this.entries.set(key, { version, rows });
    this.rows += rows.length;
    for (const [k, e] of this.entries) {
      if (this.rows <= this.maxRows) break;
      this.entries.delete(k);
      this.rows -= e.rows.length;
    }
  }
}
