/**
 * Parquet import without leaving DuckDB, for the rows where that provably gives the bytes the
 * TypeScript normaliser would store; every other row still goes through `normalizeMessage`.
 *
 * A file qualifies when its columns are text and a subset of what `truenorth export events` writes
 * (type, event, userId, anonymousId, timestamp, messageId, context.groupId, properties). A row takes
 * the fast path when every field is in a form whose normalised value is determined by plain rules:
 *
 * - `type` is exactly 'track'; `event` and `messageId` are non-empty and at most 512 bytes (so at most
 *   512 UTF-16 units); `userId` / `anonymousId` / `context.groupId` likewise, '' meaning absent, and at
 *   least one of the two ids present;
 * - `context.groupId` is not text the CSV/Parquet reader would turn into a number or a boolean;
 * - `timestamp` is `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` with valid fields in 1970–2199 (both engines read it
 *   to the same millisecond; DuckDB's cast reads that form's `T` and `Z` as they are; a date DuckDB
 *   refuses, like Feb 30, which JavaScript would roll over, is left to the normaliser), and not more than FUTURE_LIMIT_MS after the import started (a timestamp
 *   from the future is left to the normaliser, which clamps and counts it);
 * - `properties` is absent/empty (stored `{}`) or JSON text equal to `JSON.stringify(JSON.parse(it))`:
 *   a minified object of plain strings, plain numbers and literals, arrays of those and objects of
 *   one of those (`PLAIN_OBJECT`, see plain-json.ts, checked in one pass of a regular expression),
 *   without duplicate keys;
 * - `properties.account_id`, read when there is no groupId, is absent, null or a string, in properties
 *   without a nested object.
 *
 * Dedupe is exact as in `IngestWriter`: the first row of an id in file order is kept and an id already
 * stored is skipped; ids that appear on any row left to the normaliser are left to it entirely, so the
 * two paths never see the same id. The in-memory dedupe index is dropped afterwards and reloaded from
 * the table by the next write. The file is read in a few streaming passes (no whole-file temporary
 * table), so memory stays within the store's budget. The properties are checked once per distinct
 * text (a Parquet file usually stores them as a dictionary), the rest of each row in the insert
 * itself when the import may retry (`singlePass`). `test/parquet-fast.test.ts` imports files with
 * and without this path and compares the stored rows.
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldNewEvents, type NewRowsSource } from '../duckdb/catalogue-summary.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { FUTURE_LIMIT_MS } from './normalize.js';
import { keysDistinct, PLAIN_OBJECT } from './plain-json.js';
import { forgetDedupeIndex, linkStagedIdentities, STAGE_LINKS } from './writer.js';
import { refreshIdentity, upsertEventAccounts } from './identity-refresh.js';

/** The guard's pattern of plain properties, a constant of ours (never data) written into the SQL. */
const PLAIN = `'${PLAIN_OBJECT.replaceAll("'", "''")}'`;
/** `properties.account_id` when it is a string, else '' (as '' is absent), in properties the guard let through (no escapes). */
const ACCOUNT_STRING = (json: string) => `regexp_extract(${json}, '"account_id":"([^"]*)"', 1)`;

const FAST_COLUMNS = new Set(['type', 'event', 'userId', 'anonymousId', 'timestamp', 'messageId', 'context.groupId', 'properties']);
/** The column of the rest file that carries each row's 0-based position in the original file. */
export const REST_LINE_COLUMN = '__truenorth_row';

export interface FastParquetResult {
  /** Rows the fast path owns (inserted or duplicates). */
  rows: number;
  inserted: number;
  /** The other rows, with their original positions, in a temporary Parquet file (null when none). */
  rest: string | null;
  /** Removes the temporary file. */
  cleanup(): Promise<void>;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
let restFiles = 0;

/** The message of the error a refused row raises in a single-pass insert (never shown: the import then takes the checked path). */
const REFUSED = 'parquet-fast: a row needs the normaliser';

/** True for the error of a single-pass insert that met a row the normaliser must read. */
export function isRefusal(error: unknown): boolean {
  return error instanceof Error && error.message.includes(REFUSED);
}

/**
 * A file's plan: its rows' fields (a SELECT of `f_*` columns and `line`), the guard's verdict on them,
 * its columns. With `rowsOnly`, neither reads the properties' shape: a pass over the file's distinct
 * properties (`PROPERTIES_CLEAN`) found every one plain.
 */
interface FastPlan {
  fields(rowsOnly: boolean): string;
  ok(rowsOnly: boolean): string;
  columns: string[];
  /** Whether every distinct properties text of the file is plain (one pass over them), and whether every row is a track. */
  screen(): Promise<{ propertiesPlain: boolean; allTrack: boolean }>;
}

/** The shape of the properties `f_raw` of the rows of `from`: the plain text (`f_json`), its keys and whether it nests. */
const propertyShapes = (from: string) => `SELECT *, json_keys(f_json) AS f_keys, strpos(substr(f_json, 2), '{') > 0 AS f_nested FROM (
  SELECT *, CASE WHEN regexp_full_match(f_raw, ${PLAIN}) THEN f_raw END AS f_json FROM (${from}))`;
/** Properties stored as they are: absent, or plain without a key twice. */
const PROPERTIES_OK = `(f_raw IS NULL OR (f_json IS NOT NULL AND ${keysDistinct('f_keys')}))`;
// In a plain object without a nested one, a quote followed by `account_id":` opens that key (after a
// closing quote comes `:`, `,` or `}`, and a string holds no quote); with a nested object the key
// could be the inner one's, so such rows go to the normaliser.
/** The properties' `account_id` (read when there is no groupId) is one the pattern reads exactly. */
const ACCOUNT_OK = `(f_json IS NULL OR NOT contains(f_json, '"account_id":') OR (NOT f_nested AND (contains(f_json, '"account_id":null')
    OR (contains(f_json, '"account_id":"') AND strlen(${ACCOUNT_STRING('f_json')}) <= 512))))`;
/** How many of a file's distinct properties a row may not carry as they are (or when it has no groupId). */
const PROPERTIES_REFUSED = `SELECT count(*) AS n FROM (${propertyShapes("SELECT DISTINCT nullif(properties, '') AS f_raw FROM read_parquet($path)")})
  WHERE NOT coalesce(${PROPERTIES_OK} AND ${ACCOUNT_OK}, FALSE)`;

/** The plan of a file (null when the file does not qualify). */
export async function parquetFastPlan(store: DuckDbStore, path: string): Promise<FastPlan | null> {
  const described = await store.all<{ column_name: string; column_type: string }>('DESCRIBE SELECT * FROM read_parquet($path)', { path });
  const columns = described.map((c) => c.column_name);
  if (described.length === 0 || described.some((c) => !FAST_COLUMNS.has(c.column_name) || c.column_type !== 'VARCHAR')) return null;
  for (const needed of ['type', 'event', 'messageId', 'timestamp']) if (!columns.includes(needed)) return null;
  const col = (name: string) => (columns.includes(name) ? `nullif(${q(name)}, '')` : 'NULL::VARCHAR');
  const short = (expr: string) => `(${expr} IS NULL OR strlen(${expr}) <= 512)`;
  // Each intermediate value is a column of an inner SELECT: computed once per row.
  const rows = `SELECT ${q('type')} AS f_type, ${col('event')} AS f_event, ${col('messageId')} AS f_id, ${col('userId')} AS f_user,
      ${col('anonymousId')} AS f_anon, ${col('context.groupId')} AS f_group, ${col('timestamp')} AS f_ts, TRY_CAST(${col('timestamp')} AS TIMESTAMP) AS f_time,
      ${col('properties')} AS f_raw, file_row_number AS line
    FROM read_parquet($path, file_row_number = true)`;
  const tsOk = `(f_ts IS NOT NULL AND regexp_full_match(f_ts, '(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?Z')
      AND f_time <= make_timestamp(CAST($latest AS BIGINT)))`;
  const rowOk = `f_type = 'track' AND f_event IS NOT NULL AND ${short('f_event')}
    AND f_id IS NOT NULL AND ${short('f_id')}
    AND (f_user IS NOT NULL OR f_anon IS NOT NULL) AND ${short('f_user')} AND ${short('f_anon')}
    AND ${short('f_group')} AND (f_group IS NULL OR (NOT regexp_full_match(f_group, '-?(0|[1-9][0-9]{0,14})(\\.[0-9]+)?') AND f_group NOT IN ('true', 'false')))
    AND ${tsOk}`;
  return {
    fields: (rowsOnly) => (rowsOnly ? rows : propertyShapes(rows)),
    ok: (rowsOnly) => `coalesce(${rowOk}${rowsOnly ? '' : ` AND ${PROPERTIES_OK} AND (f_group IS NOT NULL OR ${ACCOUNT_OK})`}, FALSE)`,
    columns,
    screen: async () => {
      const [row] = await store.all<{ refused: number | null; others: number }>(`SELECT ${columns.includes('properties') ? `(${PROPERTIES_REFUSED})` : '0'} AS refused,
        (SELECT count(*) FROM read_parquet($path) WHERE ${q('type')} IS DISTINCT FROM 'track') AS others`, { path });
      return { propertiesPlain: Number(row.refused) === 0, allTrack: Number(row.others) === 0 };
    },
  };
}

/**
 * Inserts the file's fast rows into `events` (no transaction of its own) and writes the others to a
 * temporary Parquet file for the normaliser. Null when the file does not qualify.
 *
 * With `singlePass`, the guard may run inside the insert itself, and then its first refused row fails
 * the statement with an error `isRefusal` recognises: the caller rolls the transaction back and
 * imports again without it (the checked path: a pass of the guard first). A clean file, the common
 * case, is read once instead of twice; a file with a row to refuse costs an aborted insert more, so
 * the single pass is only tried when every properties text is plain and every row a track (one
 * cheap pass over both: the rows refused for their properties or their type go straight to the
 * checked path).
 */
export async function importParquetFast(store: DuckDbStore, path: string, source: string, receivedAt: number, options: { singlePass?: boolean } = {}): Promise<FastParquetResult | null> {
  const plan = await parquetFastPlan(store, path);
  if (!plan) return null;
  return insertFast(store, plan, path, source, receivedAt, options.singlePass === true);
}

/**
 * Streams the file through a few passes, keeping in temporary tables only the rows it sets aside
 * (refused rows and the later copies of an id), so memory stays within the store's budget whatever
 * the file's size: the distinct properties, the guard's verdicts (unless in a single pass), the ids
 * that repeat, then one insert straight from the file.
 */
async function insertFast(store: DuckDbStore, plan: FastPlan, path: string, source: string, receivedAt: number, singlePass: boolean): Promise<FastParquetResult> {
  const col = (name: string) => (plan.columns.includes(name) ? `nullif(r.${q(name)}, '')` : 'NULL::VARCHAR');
  const latest = (receivedAt + FUTURE_LIMIT_MS) * 1000;
  // When every distinct properties text of the file is plain, no row's properties are checked again.
  const screened = await plan.screen();
  const rowsOnly = screened.propertiesPlain;
  const single = singlePass && rowsOnly && screened.allTrack;
  const fields = plan.fields(rowsOnly);
  const ok = plan.ok(rowsOnly);
  // The refused rows (none in a single pass); every row sharing an id with one is left to the normaliser too.
  if (single) await store.run('CREATE OR REPLACE TEMP TABLE fast_refused (line BIGINT, id VARCHAR)');
  else await store.run(`CREATE OR REPLACE TEMP TABLE fast_refused AS SELECT line, f_id AS id FROM (${fields}) WHERE NOT ${ok}`, { path, latest });
  const file = `read_parquet($path, file_row_number = true) r`;
  await findLaterCopies(store, col('messageId'), path);
  const [counts] = await store.all<Record<'refused' | 'later' | 'stored' | 'messages', number>>(`SELECT (SELECT count(*) FROM fast_refused) AS refused,
    (SELECT count(*) FROM fast_later) AS later, (SELECT count(*) FROM events) AS stored, (SELECT count(*) FROM identity_messages) AS messages`);
  const stored = Number(counts.stored);
  const refused = (line: string, id: string) => (Number(counts.refused) === 0 ? 'FALSE'
    : `coalesce(${line} IN (SELECT line FROM fast_refused) OR ${id} IN (SELECT id FROM fast_refused WHERE id IS NOT NULL), FALSE)`);
  const [{ total, rest: restRows }] = await store.all<{ total: number; rest: number }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE ${refused('r.file_row_number', col('messageId'))}) AS rest FROM ${file}`, { path });
  // The writer's fingerprint (dedupe-index.ts): the MD5 as a number, 1 in place of 0.
  const hash = 'greatest(md5_number(f_id), 1::UHUGEINT)';
  // Each condition only when it can drop a row.
  const conditions = [
    ...(Number(counts.refused) === 0 ? [] : [`NOT ${refused('line', 'f_id')}`]),
    ...(Number(counts.later) > 0 ? ['line NOT IN (SELECT line FROM fast_later)'] : []),
    ...(stored + Number(counts.messages) > 0 ? [`${hash} NOT IN (SELECT id_hash FROM events UNION ALL SELECT id_hash FROM identity_messages)`] : []),
  ];
  // The pattern only where the key is (a plain `contains` first: the bench's file has none).
  const account = `coalesce(f_group, CASE WHEN contains(f_raw, '"account_id":"') THEN nullif(${ACCOUNT_STRING('f_raw')}, '') END)`;
  // The first row of every id, unless that id is stored already, in file order, as the normaliser
  // stores them: the row ids then order ties below. Without a condition the insert reads the file
  // and stores its rows in that order as it goes; a condition joins them with another table, after
  // which a parallel insert does not keep the order (it stored the second half of the bench's file
  // first), so they are sorted back into it.
  const id = single ? `CASE WHEN ${ok} THEN f_id ELSE error('${REFUSED}') END` : 'f_id';
  const inserted = await store.run(`INSERT INTO events
    SELECT ${id}, ${hash}, f_event, f_time, f_user, f_anon, ${account}, coalesce(f_raw, '{}'), make_timestamp(CAST($received AS BIGINT)), $source
    FROM (${fields})
    ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')} ORDER BY line` : ''}`,
  { path, received: receivedAt * 1000, source, ...(single ? { latest } : {}) });
  // The rows just stored, not yet committed, are read on one core: when they are the whole file as it
  // is (nothing set aside, nothing stored before), the folds, links and accounts read the file instead.
  const fromFile = single && conditions.length === 0;
  const added: NewRowsSource = fromFile
    ? { rows: `(SELECT f_event AS event, f_time AS ts, $source AS source, f_user AS user_id, f_anon AS anonymous_id, coalesce(f_raw, '{}') AS properties,
        ${account} AS account_id, line FROM (${fields})) n WHERE TRUE`, params: { path, source } }
    : { rows: '(SELECT *, rowid AS line FROM events WHERE rowid >= $from) n WHERE TRUE', params: { from: stored } };
  // (Else the folds start from their watermark: rows stored before may not be folded yet.)
  await foldNewEvents(store, 1, fromFile ? added : undefined);
  await linkAndAccount(store, added);
  await store.run('DROP TABLE fast_later');
  forgetDedupeIndex(store);

  // The other rows, as they are in the file, with their positions, for the normaliser.
  let rest: string | null = null;
  if (restRows > 0) {
    rest = join(tmpdir(), `truenorth-rest-${process.pid}-${++restFiles}.parquet`);
    const target = `'${rest.replaceAll("'", "''")}'`;
    await store.run(`COPY (SELECT ${plan.columns.map((c) => `r.${q(c)}`).join(', ')}, r.file_row_number AS ${REST_LINE_COLUMN}
      FROM ${file} WHERE ${refused('r.file_row_number', col('messageId'))}) TO ${target} (FORMAT parquet)`, { path });
  }
  await store.run('DROP TABLE fast_refused');
  const restFile = rest;
  return { rows: Number(total) - Number(restRows), inserted, rest: restFile, cleanup: async () => { if (restFile) await rm(restFile, { force: true }); } };
}

/**
 * Of an id (the expression `id` over the file `r`) that repeats, the rows after its first, into
 * `fast_later`: the ids that repeat first (usually none, and then the file's ids are not read again).
 */
async function findLaterCopies(store: DuckDbStore, id: string, path: string): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE fast_repeated AS
    SELECT id FROM (SELECT ${id} AS id FROM read_parquet($path) r) WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1`, { path });
  const [{ repeated }] = await store.all<{ repeated: number }>('SELECT count(*) AS repeated FROM fast_repeated');
  await store.run(`CREATE OR REPLACE TEMP TABLE fast_later AS
    SELECT line FROM (SELECT ${id} AS id, r.file_row_number AS line FROM read_parquet($path, file_row_number = true) r
      WHERE ${Number(repeated) > 0 ? `${id} IN (SELECT id FROM fast_repeated)` : 'FALSE'})
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY line) > 1`, { path });
  await store.run('DROP TABLE fast_repeated');
}

/** The new rows (`line` in file order): identity links of the rows carrying both ids, and each person's event account. */
async function linkAndAccount(store: DuckDbStore, added: NewRowsSource): Promise<void> {
  await store.run(STAGE_LINKS);
  // Each anonymous id's earliest link only (the file's earlier row wins a tie): what the links keep of them all.
  const links = await store.run(`INSERT INTO stage_links SELECT anonymous_id, arg_min(user_id, (ts, line)), min(ts) FROM ${added.rows}
    AND user_id IS NOT NULL AND anonymous_id IS NOT NULL AND anonymous_id <> user_id GROUP BY anonymous_id`, added.params);
  const relinked = links > 0 ? await linkStagedIdentities(store) : [];
  // Each person's latest account (the file's later row wins a tie), computed once for the upsert's two reads.
  await store.run(`CREATE OR REPLACE TEMP TABLE fast_accounts AS SELECT coalesce(user_id, anonymous_id) AS person, arg_max(account_id, (ts, line)) AS account_id, max(ts) AS ts
    FROM ${added.rows} AND account_id IS NOT NULL AND coalesce(user_id, anonymous_id) IS NOT NULL GROUP BY 1`, added.params);
  const accountChanged = await upsertEventAccounts(store, 'fast_accounts');
  await store.run('DROP TABLE fast_accounts');
  if (relinked.length > 0 || accountChanged.length > 0) await refreshIdentity(store, { persons: [...relinked, ...accountChanged], accounts: [] });
}
