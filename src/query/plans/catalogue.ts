import type { CompiledQuery } from '../dialect.js';
import { StatementBuilder, type QueryContext } from '../context.js';
import { EVENT_IDENTITY } from '../sql.js';

/**
 * The event catalogue's statements: what the store holds, by event name, without a word of the
 * config. Each is one aggregate over one table, so the catalogue costs a few scans at most.
 */

/** Rows: `n` (events in the store). */
export function compileEventTotal(): CompiledQuery {
  return { sql: 'SELECT count(*) AS n FROM events', params: {} };
}

/**
 * Rows per event name: `event`, `n`, `actors` (distinct user id, else anonymous id: the ids as sent,
 * before identity links merge them), `first_ms`, `last_ms`, `sources` (sorted list).
 * `exact`: count distinct ids exactly; otherwise each engine's HyperLogLog estimate.
 */
export function compileEventCatalogue(ctx: QueryContext, exact: boolean): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const sender = EVENT_IDENTITY;
  const actors = exact ? `count(DISTINCT ${sender})` : b.d.approxDistinct(sender);
  const sql = `SELECT e.event AS event, count(*) AS n, ${actors} AS actors,
      ${b.ms('min(e.ts)')} AS first_ms, ${b.ms('max(e.ts)')} AS last_ms, ${b.d.sortedDistinct('e.source')} AS sources
    FROM events e GROUP BY e.event ORDER BY n DESC, event`;
  return { sql, params: b.params.values };
}

/** Rows per event name: `event`, `actors` (distinct senders, counted exactly, as in compileEventCatalogue). */
export function compileEventActors(): CompiledQuery {
  return { sql: 'SELECT event, count(DISTINCT coalesce(user_id, anonymous_id)) AS actors FROM events GROUP BY event', params: {} };
}

/**
 * Rows per (event, property key) over a deterministic sample: every event of a name whose count is
 * at most `perEvent`, about `perEvent` of the others (ids whose hash is a multiple of the name's
 * step). `key` NULL carries the number of events sampled for that name.
 */
export function compilePropertyKeys(ctx: QueryContext, steps: ReadonlyMap<string, number>): CompiledQuery {
  const b = new StatementBuilder(ctx);
  let where = 'TRUE';
  if (steps.size > 0) {
    const cases = [...steps].map(([event, step]) => `WHEN ${b.params.bind(event)} THEN ${b.params.bind(step, 'integer')}`).join(' ');
    where = `${b.d.idHash('e')} % (CASE e.event ${cases} ELSE 1 END) = 0`;
  }
  const sql = `WITH sampled AS (SELECT e.event AS event, e.properties AS properties FROM events e WHERE ${where})
    SELECT event, key, count(*) AS n FROM (SELECT event, ${b.d.jsonKeyRows('properties')} AS key FROM sampled) k GROUP BY event, key
    UNION ALL
    SELECT event, NULL AS key, count(*) AS n FROM sampled GROUP BY event`;
  return { sql, params: b.params.values };
}

/** Rows per trait key of `users` or `accounts`: `key`, `n` (how many rows have it). */
export function compileTraitKeys(ctx: QueryContext, table: 'users' | 'accounts'): CompiledQuery {
  const b = new StatementBuilder(ctx);
  const sql = `SELECT key, count(*) AS n FROM (SELECT ${b.d.jsonKeyRows('t.traits')} AS key FROM ${table} t) k GROUP BY key ORDER BY n DESC, key`;
  return { sql, params: b.params.values };
}

/** Rows: `event`, one per name the store holds (what a report checks its config's names against). */
export function compileEventNames(ctx: QueryContext): CompiledQuery {
  const b = new StatementBuilder(ctx);
  return { sql: `SELECT event FROM ${b.d.storedEventNames()} n ORDER BY event`, params: {} };
}
