import { resultVersion, type SqlEngine } from '../engine/sql-engine.js';
import type { CompiledQuery } from '../query/dialect.js';
import { FunnelCache, type FunnelCacheLimits } from './funnel-cache.js';
import { PeriodCache } from './period-cache.js';

/**
 * Results of report queries, reused while no table the query reads changed (the engine's
 * `versionOf`, else its data version: any committed write changes it), so a reused result is always
 * what the query would return now. Bounded by the
 * number of result rows kept; least recently used first out. A hit returns a copy, so a caller that
 * edits its rows never changes what the next caller gets.
 */
export class QueryCache {
  private readonly entries = new Map<string, { version: number; rows: unknown[] }>();
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
