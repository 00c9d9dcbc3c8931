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
 *   to the same millisecond; a date DuckDB refuses, like Feb 30, which JavaScript would roll over, is
 *   left to the normaliser), and not more than FUTURE_LIMIT_MS after the import started (a timestamp
 *   from the future is left to the normaliser, which clamps and counts it);
 * - `properties` is absent/empty (stored `{}`) or JSON text equal to `JSON.stringify(JSON.parse(it))`:
 *   a flat object (no nested object or array), already minified, without any backslash (so no escape
 *   to re-encode), without digit-only keys (which JavaScript reorders), without duplicate keys, whose
 *   numbers are integers of at most 15 digits or decimals of at most 15 digits without trailing zeros
 *   and not below 1e-4 (forms JavaScript prints back unchanged), not `-0`, and nothing but the
 *   literals true, false and null besides;
 * - `properties.account_id`, read when there is no groupId, is absent, null or a string.
 *
 * Dedupe is exact as in `IngestWriter`: the first row of an id in file order is kept and an id already
 * stored is skipped; ids that appear on any row left to the normaliser are left to it entirely, so the
 * two paths never see the same id. The in-memory dedupe index is dropped afterwards and reloaded from
 * the table by the next write. `test/parquet-fast.test.ts` imports files with and without this path
 * and compares the stored rows.
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldNewEvents } from '../duckdb/catalogue-summary.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { FUTURE_LIMIT_MS } from './normalize.js';
import { forgetDedupeIndex, linkStagedIdentities, STAGE_LINKS } from './writer.js';
import { refreshIdentity, upsertEventAccounts } from './identity-refresh.js';

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

/** The guard of a file as a SELECT list item over its columns (null when the file does not qualify). */
export async function parquetFastGuard(store: DuckDbStore, path: string): Promise<{ guard: string; columns: string[] } | null> {
  const described = await store.all<{ column_name: string; column_type: string }>('DESCRIBE SELECT * FROM read_parquet($path)', { path });
  const columns = described.map((c) => c.column_name);
  if (described.length === 0 || described.some((c) => !FAST_COLUMNS.has(c.column_name) || c.column_type !== 'VARCHAR')) return null;
  for (const needed of ['type', 'event', 'messageId', 'timestamp']) if (!columns.includes(needed)) return null;
  const col = (name: string) => (columns.includes(name) ? `nullif(${q(name)}, '')` : 'NULL::VARCHAR');
  const short = (expr: string) => `(${expr} IS NULL OR strlen(${expr}) <= 512)`;
  const group = col('context.groupId');
  const ts = col('timestamp');
  // Each intermediate value is a column of an inner SELECT: computed once per row.
  const fields = `SELECT ${q('type')} AS f_type, ${col('event')} AS f_event, ${col('messageId')} AS f_id, ${col('userId')} AS f_user,
      ${col('anonymousId')} AS f_anon, ${group} AS f_group, ${ts} AS f_ts, ${col('properties')} AS f_raw,
      CASE WHEN json_valid(${col('properties')}) THEN ${col('properties')} END AS f_json
    FROM read_parquet($path)`;
  // Strings hold no backslash, hence no quote: removing them leaves structure, numbers and literals.
  const shapes = `SELECT *, regexp_replace(f_json, '"[^"]*"', '""', 'g') AS f_bare, json_keys(f_json) AS f_keys,
      json_type(f_json, '$.account_id') AS f_account_type FROM (${fields})`;
  const propertiesOk = `(f_raw IS NULL OR (
      f_json IS NOT NULL AND json_type(f_json) = 'OBJECT' AND NOT contains(f_json, '\\') AND json(f_json) = f_json
      AND NOT regexp_matches(substr(f_bare, 2), '[\\[{]')
      AND regexp_full_match(regexp_replace(f_bare, 'true|false|null', '', 'g'), '[{}":,0-9.-]*')
      AND NOT regexp_matches(f_bare, '([0-9]\\.?){16}|\\.[0-9]*0([^0-9]|$)|-0([^.0-9]|$)|0\\.0000')
      AND NOT regexp_matches(f_json, '"[0-9]+":')
      AND len(f_keys) = len(list_distinct(f_keys))))`;
  const accountOk = `(f_group IS NOT NULL OR f_raw IS NULL
    OR coalesce(f_account_type, 'NULL') = 'NULL'
    OR (f_account_type = 'VARCHAR' AND strlen(json_extract_string(f_json, '$.account_id')) <= 512))`;
  const tsOk = `(f_ts IS NOT NULL AND regexp_full_match(f_ts, '(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?Z')
      AND TRY_CAST(replace(replace(f_ts, 'T', ' '), 'Z', '') AS TIMESTAMP) <= make_timestamp(CAST($latest AS BIGINT)))`;
  const guard = `coalesce(f_type = 'track' AND f_event IS NOT NULL AND ${short('f_event')}
    AND f_id IS NOT NULL AND ${short('f_id')}
    AND (f_user IS NOT NULL OR f_anon IS NOT NULL) AND ${short('f_user')} AND ${short('f_anon')}
    AND ${short('f_group')} AND (f_group IS NULL OR (NOT regexp_full_match(f_group, '-?(0|[1-9][0-9]{0,14})(\\.[0-9]+)?') AND f_group NOT IN ('true', 'false')))
    AND ${tsOk} AND ${propertiesOk} AND ${accountOk}, FALSE)`;
  return { guard: `SELECT f_id AS id, ${guard} AS ok FROM (${shapes})`, columns };
}

/**
 * Inserts the file's fast rows into `events` (no transaction of its own) and writes the others to a
 * temporary Parquet file for the normaliser. Null when the file does not qualify.
 */
export async function importParquetFast(store: DuckDbStore, path: string, source: string, receivedAt: number): Promise<FastParquetResult | null> {
  const plan = await parquetFastGuard(store, path);
  if (!plan) return null;
  // The whole file passes through two temporary tables, which DuckDB keeps in memory.
  return store.withMachineMemory(() => insertFast(store, plan, path, source, receivedAt));
}

async function insertFast(store: DuckDbStore, plan: { guard: string; columns: string[] }, path: string, source: string, receivedAt: number): Promise<FastParquetResult> {
  const col = (name: string) => (plan.columns.includes(name) ? `nullif(r.${q(name)}, '')` : 'NULL::VARCHAR');
  // One guard verdict per row, in file order (joined back by position); rows sharing an id with a
  // refused row are refused too.
  const latest = (receivedAt + FUTURE_LIMIT_MS) * 1000;
  await store.run(`CREATE OR REPLACE TEMP TABLE fast_guard AS ${plan.guard}`, { path, latest });
  await store.run(`UPDATE fast_guard SET ok = FALSE WHERE ok AND id IN (SELECT id FROM fast_guard WHERE NOT ok AND id IS NOT NULL)`);
  const [{ n }] = await store.all<{ n: number }>('SELECT count(*) FILTER (WHERE ok) AS n FROM fast_guard');
  const rows = `read_parquet($path, file_row_number = true) r POSITIONAL JOIN fast_guard g`;
  const props = col('properties');
  const account = `coalesce(${col('context.groupId')}, CASE WHEN ${props} IS NOT NULL AND json_type(${props}, '$.account_id') = 'VARCHAR' THEN json_extract_string(${props}, '$.account_id') END)`;
  // The first row of every id, unless that id is stored already.
  await store.run(`CREATE OR REPLACE TEMP TABLE fast_new AS
    SELECT * FROM (
      SELECT ${col('messageId')} AS id, md5_number(${col('messageId')}) AS h, ${col('event')} AS event,
        CAST(replace(replace(${col('timestamp')}, 'T', ' '), 'Z', '') AS TIMESTAMP) AS ts,
        ${col('userId')} AS user_id, ${col('anonymousId')} AS anonymous_id, ${account} AS account_id,
        coalesce(${props}, '{}') AS properties, r.file_row_number AS line
      FROM ${rows} WHERE g.ok
    ) f
    WHERE CASE WHEN h = 0 THEN 1::UHUGEINT ELSE h::UHUGEINT END NOT IN (SELECT id_hash FROM events UNION ALL SELECT id_hash FROM identity_messages)
    QUALIFY row_number() OVER (PARTITION BY id ORDER BY line) = 1`, { path });
  const inserted = await store.run(`INSERT INTO events
    SELECT id, CASE WHEN h = 0 THEN 1::UHUGEINT ELSE h::UHUGEINT END, event, ts, user_id, anonymous_id, account_id, properties,
      make_timestamp(CAST($received AS BIGINT)), $source
    FROM fast_new ORDER BY line`, { received: receivedAt * 1000, source });
  await foldNewEvents(store);
  // Link candidates: the new rows carrying both ids.
  await store.run(STAGE_LINKS);
  const links = await store.run(`INSERT INTO stage_links SELECT anonymous_id, user_id, ts FROM fast_new
    WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL AND anonymous_id <> user_id ORDER BY line`);
  const relinked = links > 0 ? await linkStagedIdentities(store) : [];
  const accountChanged = await recordFastEventAccounts(store);
  if (relinked.length > 0 || accountChanged.length > 0) await refreshIdentity(store, { persons: [...relinked, ...accountChanged], accounts: [] });
  await store.run('DROP TABLE fast_new');
  forgetDedupeIndex(store);

  // The other rows, as they are in the file, with their positions, for the normaliser.
  const [{ m }] = await store.all<{ m: number }>('SELECT count(*) FILTER (WHERE NOT ok) AS m FROM fast_guard');
  let rest: string | null = null;
  if (m > 0) {
    rest = join(tmpdir(), `truenorth-rest-${process.pid}-${++restFiles}.parquet`);
    const target = `'${rest.replaceAll("'", "''")}'`;
    await store.run(`COPY (SELECT ${plan.columns.map((c) => `r.${q(c)}`).join(', ')}, r.file_row_number AS ${REST_LINE_COLUMN}
      FROM ${rows} WHERE NOT g.ok) TO ${target} (FORMAT parquet)`, { path });
  }
  await store.run('DROP TABLE fast_guard');
  const file = rest;
  return { rows: n, inserted, rest: file, cleanup: async () => { if (file) await rm(file, { force: true }); } };
}

/** The new rows' event accounts (the file's later row wins a tie): the persons whose account changed. */
function recordFastEventAccounts(store: DuckDbStore): Promise<string[]> {
  return upsertEventAccounts(store, `(SELECT coalesce(user_id, anonymous_id) AS person, arg_max(account_id, (ts, line)) AS account_id, max(ts) AS ts
    FROM fast_new WHERE account_id IS NOT NULL AND coalesce(user_id, anonymous_id) IS NOT NULL GROUP BY 1)`);
}
