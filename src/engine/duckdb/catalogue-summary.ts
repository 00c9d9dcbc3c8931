/**
 * The event catalogue's summary on DuckDB: per event name its count, first and last time, sources,
 * property-key counts and a HyperLogLog sketch of its senders, kept in small tables (migration 10) so
 * the catalogue reads a few thousand rows whatever the number of events stored; and per trait key,
 * how many users and accounts carry it.
 *
 * `events` is append only (nothing deletes or updates its rows), so its committed rows have the row
 * ids 0..n-1 in the order they were stored. The summary holds every row below its watermark;
 * `foldNewEvents` adds the rows from the watermark on (DuckDB skips the row groups below it) and
 * moves the watermark, in the caller's transaction: the rows of a batch that rolls back are never
 * counted, and a duplicate the writer refused is never stored, so never counted either. A read
 * aggregates the (committed) rows past the watermark, at most FOLD_EVERY after the writer's batches,
 * and merges them with the summary.
 */
import type { SqlEngine, SqlParams } from '../sql-engine.js';
/** The writing connection of a DuckDB file, inside its transaction (DuckDbStore). */
interface Writer extends SqlEngine {
  run(sql: string, params?: SqlParams): Promise<number>;
}

/** HyperLogLog registers per event name: 2^14, a standard error of about 0.8 %. */
const REGISTER_BITS = 14;
const REGISTERS = 2 ** REGISTER_BITS;
/** Rank when the hash bits past the register index are all zero (64 − 14 bits, plus one). */
const EMPTY_RANK = 64 - REGISTER_BITS + 1;

/** Rows of `events` from the watermark on: the parameter `from`. */
const NEW_ROWS = 'events WHERE rowid >= $from';

/** Per name over the new rows (`rows`: a FROM clause ending in a WHERE): event, n, first_ts, last_ts, sources. */
const newEvents = (rows: string) => `SELECT event, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts, list_sort(list(DISTINCT source)) AS sources
  FROM ${rows} GROUP BY event`;
// A register is the sender hash's low bits; its rank, the position of the lowest set bit of the
// rest (one more than its trailing zeros), exact in integers. A register keeps its highest rank.
const newSenders = (rows: string) => `SELECT event, CAST(h % ${REGISTERS} AS USMALLINT) AS register,
    max(CASE WHEN r = 0 THEN ${EMPTY_RANK} ELSE CAST(round(log2(CAST(r & -r AS DOUBLE))) AS INTEGER) + 1 END) AS max_rank
  FROM (SELECT event, hash(coalesce(user_id, anonymous_id)) AS h, CAST(hash(coalesce(user_id, anonymous_id)) >> ${REGISTER_BITS} AS BIGINT) AS r
        FROM ${rows} AND coalesce(user_id, anonymous_id) IS NOT NULL)
  GROUP BY event, register`;
const newKeys = (rows: string) => `SELECT event, key, count(*) AS n FROM (SELECT event, unnest(json_keys(properties)) AS key FROM ${rows}) k GROUP BY event, key`;
const NEW_EVENTS = newEvents(NEW_ROWS);
const NEW_SENDERS = newSenders(NEW_ROWS);
const NEW_KEYS = newKeys(NEW_ROWS);

const FOLD = (rows: string) => [
  `INSERT INTO catalogue_events ${newEvents(rows)}
   ON CONFLICT (event) DO UPDATE SET
     n = catalogue_events.n + excluded.n,
     first_ts = least(catalogue_events.first_ts, excluded.first_ts),
     last_ts = greatest(catalogue_events.last_ts, excluded.last_ts),
     sources = list_sort(list_distinct(list_concat(catalogue_events.sources, excluded.sources)))`,
  `INSERT INTO catalogue_senders ${newSenders(rows)}
   ON CONFLICT (event, register) DO UPDATE SET max_rank = greatest(catalogue_senders.max_rank, excluded.max_rank)`,
  `INSERT INTO catalogue_property_keys ${newKeys(rows)}
   ON CONFLICT (event, key) DO UPDATE SET n = catalogue_property_keys.n + excluded.n`,
];

/**
 * The writer folds once this many events are past the watermark: a fold costs a few milliseconds
 * whatever its size, so small batches share one. A read adds the rows past the watermark itself.
 */
export const FOLD_EVERY = 100_000;

async function watermark(engine: SqlEngine): Promise<{ folded: number; stored: number }> {
  const [row] = await engine.all<{ folded: number; stored: number }>(
    'SELECT (SELECT events FROM catalogue_watermark) AS folded, (SELECT count(*) FROM events) AS stored',
  );
  return { folded: Number(row.folded), stored: Number(row.stored) };
}

/**
 * The rows past the watermark read from where they came from (a FROM clause ending in a WHERE, with
 * the columns event, ts, source, user_id, anonymous_id and properties), by a writer that knows them to
 * be exactly those rows: a bulk copy reads its file on every core where the rows it has just stored,
 * not yet committed, are read on one.
 */
export interface NewRowsSource {
  rows: string;
  params: SqlParams;
}

/**
 * Adds the events stored since the watermark to the summary, when there are at least `atLeast`.
 * Run it in the transaction that stored them; when nothing is folded it costs two counts. Answers
 * how many events it folded.
 */
export async function foldNewEvents(store: Writer, atLeast = 1, source?: NewRowsSource): Promise<number> {
  const { folded, stored } = await watermark(store);
  if (stored - folded < atLeast) return 0;
  for (const sql of FOLD(source?.rows ?? NEW_ROWS)) await store.run(sql, source?.params ?? { from: folded });
  await store.run('UPDATE catalogue_watermark SET events = $stored', { stored });
  return stored - folded;
}

export type TraitTable = 'users' | 'accounts';
const TRAIT_IDS: Record<TraitTable, string> = { users: 'user_id', accounts: 'account_id' };

/**
 * Before `stage` (rows of `table`'s shape) replaces the current traits of its ids: the trait-key
 * counts gain the staged rows' keys and lose the replaced rows' keys. In the writer's transaction.
 */
export async function countTraitChanges(store: Writer, table: TraitTable, stage: string): Promise<void> {
  const id = TRAIT_IDS[table];
  await store.run(`INSERT INTO catalogue_trait_keys
      SELECT $table, key, sum(change) FROM (
        SELECT unnest(json_keys(traits)) AS key, 1 AS change FROM ${stage}
        UNION ALL
        SELECT unnest(json_keys(traits)) AS key, -1 AS change FROM ${table} WHERE ${id} IN (SELECT ${id} FROM ${stage})) k
      GROUP BY key
    ON CONFLICT (table_name, key) DO UPDATE SET n = catalogue_trait_keys.n + excluded.n`, { table });
}

/** Before rows of `table` are deleted (the ids a bound `$ids` JSON list names): their keys no longer count. */
export async function countTraitRemovals(store: Writer, table: TraitTable, idList: string, params: Record<string, string>): Promise<void> {
  const id = TRAIT_IDS[table];
  await store.run(`INSERT INTO catalogue_trait_keys
      SELECT $table, key, -count(*) FROM (SELECT unnest(json_keys(traits)) AS key FROM ${table} WHERE ${id} IN ${idList}) k
      GROUP BY key
    ON CONFLICT (table_name, key) DO UPDATE SET n = catalogue_trait_keys.n + excluded.n`, { ...params, table });
}

/** Counts the trait keys again from the current traits (after a bulk copy of users and accounts). */
export async function recountTraitKeys(store: Writer): Promise<void> {
  await store.run('DELETE FROM catalogue_trait_keys');
  for (const table of Object.keys(TRAIT_IDS) as TraitTable[]) {
    await store.run(`INSERT INTO catalogue_trait_keys
      SELECT $table, key, count(*) FROM (SELECT unnest(json_keys(traits)) AS key FROM ${table}) k GROUP BY key`, { table });
  }
}

export interface SummaryEventRow { event: string; n: number; first_ms: number; last_ms: number; sources: string[] }
export interface SummaryKeyRow { event: string; key: string; n: number }

export interface CatalogueSummary {
  total: number;
  events: SummaryEventRow[];
  /** Estimated distinct senders per event name. */
  senders: Map<string, number>;
  /** Per name and top-level property key: how many of its events carry the key. */
  keys: SummaryKeyRow[];
  /** Per table, its trait keys with how many rows carry each, most common first (where the engine keeps them). */
  traits?: Record<TraitTable, { key: string; count: number }[]>;
}

/**
 * The summary with the rows past its watermark added (each read merges them; the writer folds them
 * later). A fold that commits between the read's statements would have it count the folded rows
 * twice, so the read is taken again when the watermark moved meanwhile (it only moves forward).
 */
export async function readCatalogueSummary(engine: SqlEngine): Promise<CatalogueSummary> {
  for (;;) {
    const { folded, stored } = await watermark(engine);
    const summary = await readFrom(engine, folded, stored);
    if ((await watermark(engine)).folded === folded) return summary;
  }
}

async function readFrom(engine: SqlEngine, folded: number, stored: number): Promise<CatalogueSummary> {
  const from = { from: folded };
  const ms = (column: string) => `CAST(epoch_ms(${column}) AS DOUBLE)`;
  const events = await engine.all<SummaryEventRow>(
    `SELECT event, sum(n) AS n, ${ms('min(first_ts)')} AS first_ms, ${ms('max(last_ts)')} AS last_ms, list_sort(list_distinct(flatten(list(sources)))) AS sources
     FROM (SELECT event, n, first_ts, last_ts, sources FROM catalogue_events UNION ALL ${NEW_EVENTS}) e
     GROUP BY event ORDER BY n DESC, event`, from);
  const registers = await engine.all<{ event: string; filled: number; inverse_sum: number }>(
    `SELECT event, count(*) AS filled, sum(pow(2.0, -CAST(max_rank AS INTEGER))) AS inverse_sum FROM (
       SELECT event, register, max(max_rank) AS max_rank
       FROM (SELECT event, register, max_rank FROM catalogue_senders UNION ALL ${NEW_SENDERS}) s GROUP BY event, register) r
     GROUP BY event`, from);
  const keys = await engine.all<SummaryKeyRow>(
    `SELECT event, key, sum(n) AS n FROM (SELECT event, key, n FROM catalogue_property_keys UNION ALL ${NEW_KEYS}) k GROUP BY event, key`, from);
  const traitRows = await engine.all<{ table_name: TraitTable; key: string; n: number }>(
    'SELECT table_name, key, n FROM catalogue_trait_keys WHERE n > 0 ORDER BY n DESC, key');
  const traits = (table: TraitTable) => traitRows.filter((r) => r.table_name === table).map((r) => ({ key: r.key, count: Number(r.n) }));
  const senders = new Map(registers.map((r) => [r.event, hyperLogLogEstimate(Number(r.filled), Number(r.inverse_sum))]));
  return { total: stored, events, senders, keys, traits: { users: traits('users'), accounts: traits('accounts') } };
}

/**
 * The HyperLogLog estimate from `filled` non-empty registers whose sum of 2^−rank is `inverseSum`
 * (empty registers add 2^0 each); linear counting while many registers are empty.
 */
export function hyperLogLogEstimate(filled: number, inverseSum: number): number {
  const m = REGISTERS;
  const empty = m - filled;
  const raw = ((0.7213 / (1 + 1.079 / m)) * m * m) / (inverseSum + empty);
  if (raw <= 2.5 * m && empty > 0) return Math.round(m * Math.log(m / empty));
  return Math.round(raw);
}
