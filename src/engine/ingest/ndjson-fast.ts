/**
 * NDJSON import normalised inside DuckDB, batch by batch. JavaScript only cuts the bytes into
 * numbered lines and writes them to a stage file (`line \x01 text`), which DuckDB reads with its CSV
 * reader and normalises with the rules of ndjson-sql.ts; the lines those rules leave (other shapes,
 * invalid values, blank or broken lines) go through the normaliser exactly as before, with their
 * line numbers, so the report's counts and errors are unchanged.
 *
 * Dedupe is exact and in file order across both paths: every message id of the batch, the engine's
 * rows' and the normaliser's, is claimed in the writer's dedupe index in line order, and the engine's
 * rows whose id was taken are dropped before the insert. Identity links and event accounts are kept
 * as the Parquet path keeps them (parquet-fast.ts).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NormalizedMessage } from '../../model/message.js';
import { appendRows } from '../duckdb/append-rows.js';
import type { DuckDbStore } from '../duckdb/database.js';
import { fingerprint, type Fingerprint } from './dedupe-index.js';
import { detectHistorySource } from './history.js';
import { refreshIdentity, upsertEventAccounts } from './identity-refresh.js';
import { HINT_SAMPLE_ROWS } from './import-hint.js';
import type { ImportCounts } from './import-report.js';
import { NDJSON_MACROS, NORMALISE_LINES, PARSE_LINES } from './ndjson-sql.js';
import { FUTURE_LIMIT_MS, isObject } from './normalize.js';
import { ndjsonBodies, ndjsonLineRecords, ndjsonLines, type PlainText, type SourceRecord } from './sources.js';
import { claimIds, foldEventually, linkStagedIdentities, STAGE_LINKS, type Claimed, type IngestWriter } from './writer.js';
import type { HistorySource } from './history.js';

/** One batch of lines: their numbers and text (bytes of a checked UTF-8 run, or decoded text), and the stage file's bytes. */
interface LineBatch {
  lines: number[];
  texts: (Buffer | string)[];
  /** Per line: written to the stage file (else left to the normaliser outright). */
  staged: boolean[];
  stage: Buffer[];
}

/** What the import around this path supplies: how to read the lines left to the normaliser and to store messages. */
export interface NdjsonImport {
  store: DuckDbStore;
  writer: IngestWriter;
  /** Normalises records as the normaliser path does (errors, rejections, quality); `from` as in `recordReader`. */
  reader(from: HistorySource | null): { read(records: readonly SourceRecord[], keep: (m: NormalizedMessage, line: number) => void): void };
  /** Runs one batch's work atomically. */
  commit<T>(work: () => Promise<T>, weight: number): Promise<T>;
  /** Stores the quality tally with the batch's duplicates. */
  recordQuality(duplicates: number): Promise<void>;
  counts: ImportCounts;
  /** The import's quality source, stored with each row. */
  source: string;
  importedAt: number;
  batchLines: number;
  onBatch(): void;
}

let stageFiles = 0;
/** Longer lines are left to the normaliser (the CSV reader's line limit is 2 MB). */
const MAX_STAGED_LINE = 1 << 20;

/** Imports NDJSON text; answers the file's first records (for the hint). */
export async function importNdjsonInEngine(text: PlainText, job: NdjsonImport): Promise<unknown[]> {
  const file = join(tmpdir(), `truenorth-lines-${process.pid}-${++stageFiles}.txt`);
  const state: BatchState = { decided: undefined, sample: [], prepared: false };
  let line = 0;
  let batch = newBatch();
  try {
    for await (const body of ndjsonBodies(text.bytes)) {
      line = cutLines(body, line, batch);
      if (batch.lines.length >= job.batchLines) {
        await runBatch(job, batch, file, state);
        batch = newBatch();
      }
    }
    if (batch.lines.length > 0) await runBatch(job, batch, file, state);
  } finally {
    await rm(file, { force: true });
  }
  return state.sample;
}

function newBatch(): LineBatch {
  return { lines: [], texts: [], staged: [], stage: [] };
}

/**
 * Adds a run's lines to the batch; answers the last line number. A run that is not plain UTF-8,
 * holds a \r (a line break of its own) or the stage file's separator is cut as text and left whole to
 * the normaliser.
 */
function cutLines(body: Buffer, line: number, batch: LineBatch): number {
  if (body.includes(13) || body.includes(1) || !isUtf8(body)) {
    for (const text of ndjsonLines(body)) {
      line++;
      if (text.length === 0) continue;
      batch.lines.push(line);
      batch.texts.push(text);
      batch.staged.push(false);
    }
    return line;
  }
  // Each line gains its number, a separator and a line break: at most 12 bytes.
  let breaks = 1;
  for (let at = body.indexOf(10); at >= 0; at = body.indexOf(10, at + 1)) breaks++;
  const out = Buffer.allocUnsafe(body.length + breaks * 12);
  let at = 0;
  for (let start = 0; start < body.length;) {
    let end = body.indexOf(10, start);
    if (end < 0) end = body.length;
    line++;
    if (end > start) {
      const staged = end - start <= MAX_STAGED_LINE;
      batch.lines.push(line);
      batch.texts.push(body.subarray(start, end));
      batch.staged.push(staged);
      if (staged) {
        at += out.write(`${line}\x01`, at, 'latin1');
        at += body.copy(out, at, start, end);
        out[at++] = 10;
      }
    }
    start = end + 1;
  }
  batch.stage.push(out.subarray(0, at));
  return line;
}

interface BatchState {
  /** The tool the file was exported from (null: none), once its first object record was seen. */
  decided: HistorySource | null | undefined;
  sample: unknown[];
  prepared: boolean;
}

const textOf = (t: Buffer | string) => (typeof t === 'string' ? t : isAscii(t) ? t.toString('latin1') : t.toString('utf8'));

/** Looks at the batch's first records until the file's first object tells whether it is another tool's export. */
function decide(batch: LineBatch, state: BatchState): void {
  for (let i = 0; i < batch.lines.length && (state.decided === undefined || state.sample.length < HINT_SAMPLE_ROWS); i++) {
    const records: SourceRecord[] = [];
    ndjsonLineRecords(textOf(batch.texts[i]), batch.lines[i], records);
    for (const r of records) {
      if ('error' in r) continue;
      if (state.sample.length < HINT_SAMPLE_ROWS) state.sample.push(r.value);
      if (state.decided === undefined && isObject(r.value)) state.decided = detectHistorySource(r.value) ?? null;
    }
  }
}

async function runBatch(job: NdjsonImport, batch: LineBatch, file: string, state: BatchState): Promise<void> {
  decide(batch, state);
  // Until the first object record is seen there is none to convert; an export of another tool is
  // left whole to the normaliser.
  const inEngine = state.decided === null && batch.staged.some(Boolean);
  const reader = job.reader(state.decided ?? null);
  if (inEngine) await writeFile(file, batch.stage.length === 1 ? batch.stage[0] : Buffer.concat(batch.stage));
  await job.commit(async () => {
    const fast = inEngine ? await normaliseInEngine(job.store, file, job.importedAt, state) : NO_ROWS;
    const claims = await claimInOrder(job, batch, fast, reader);
    const fastInserted = inEngine ? await storeEngineRows(job.store, claims.dropped, job.source) : 0;
    const restInserted = await job.writer.writeClaimed(claims.claimed, Date.now(), { eventAccounts: false });
    const changed = await recordBatchAccounts(job.store, inEngine, claims.accounts);
    if (changed.length > 0) await refreshIdentity(job.store, { persons: changed, accounts: [] });
    job.counts.imported += fastInserted + restInserted;
    job.counts.duplicates += claims.duplicates;
    await job.recordQuality(claims.duplicates);
  }, batch.lines.length);
  job.onBatch();
}

/** The engine's rows of a batch, in line order: their lines and their ids' fingerprints (four words each). */
interface FastRows {
  line: number[];
  w0: number[];
  w1: number[];
  w2: number[];
  w3: number[];
}

const NO_ROWS: FastRows = { line: [], w0: [], w1: [], w2: [], w3: [] };

const HASH = `CASE WHEN md5_number(id) = 0 THEN 1::UHUGEINT ELSE md5_number(id) END`;

/** Reads the stage file into `nd_lines` and normalises it into `nd_norm`; answers the rows kept, in line order, with their ids' fingerprints. */
async function normaliseInEngine(store: DuckDbStore, file: string, importedAt: number, state: BatchState): Promise<FastRows> {
  if (!state.prepared) {
    for (const sql of NDJSON_MACROS) await store.run(sql);
    state.prepared = true;
  }
  await store.run(`CREATE OR REPLACE TEMP TABLE nd_lines AS SELECT line, text FROM read_csv($file, columns = {'line': 'INTEGER', 'text': 'VARCHAR'},
    delim = chr(1), quote = '', escape = '', header = false, auto_detect = false, new_line = '\\n', strict_mode = true,
    max_line_size = 2097152, comment = '')`, { file });
  await store.run(PARSE_LINES);
  // Filtered afterwards: a WHERE on the query itself would evaluate the verdict twice.
  await store.run(`CREATE OR REPLACE TEMP TABLE nd_norm AS ${NORMALISE_LINES}`, { latest: importedAt + FUTURE_LIMIT_MS });
  await store.run('DELETE FROM nd_norm WHERE NOT ok');
  const word = (k: number) => `CAST((h >> ${32 * k}) & 4294967295 AS UINTEGER)`;
  const reader = await store.connection.runAndReadAll(
    `SELECT line, ${word(0)}, ${word(1)}, ${word(2)}, ${word(3)} FROM (SELECT line, ${HASH} AS h FROM nd_norm) ORDER BY line`);
  const [line = [], w0 = [], w1 = [], w2 = [], w3 = []] = reader.getColumnsJS() as number[][];
  return { line, w0, w1, w2, w3 };
}

/**
 * Claims the batch's message ids in line order: the engine's rows by their fingerprints, the other
 * lines after the normaliser read them. Answers the engine's rows whose id was taken, the normaliser's
 * messages to store and the duplicates of both.
 */
async function claimInOrder(
  job: NdjsonImport, batch: LineBatch, fast: FastRows,
  reader: { read(records: readonly SourceRecord[], keep: (m: NormalizedMessage, line: number) => void): void },
): Promise<{ dropped: number[]; claimed: Claimed[]; duplicates: number; accounts: RestAccount[] }> {
  // The batch's ids in line order, claimed at once: the engine's rows (no message) and the normaliser's messages.
  const read: { line: number; m?: NormalizedMessage }[] = [];
  const fingerprints: Fingerprint[] = [];
  const keep = (m: NormalizedMessage, line: number) => {
    read.push({ m, line });
    fingerprints.push(fingerprint(m.id));
  };
  let next = 0;
  for (let i = 0; i < batch.lines.length; i++) {
    const line = batch.lines[i];
    if (fast.line[next] === line) {
      read.push({ line });
      fingerprints.push([fast.w0[next], fast.w1[next], fast.w2[next], fast.w3[next]]);
      next++;
      continue;
    }
    const records: SourceRecord[] = [];
    ndjsonLineRecords(textOf(batch.texts[i]), line, records);
    reader.read(records, keep);
  }
  const fresh = await (await claimIds(job.store)).claim(fingerprints);
  const dropped: number[] = [];
  const claimed: Claimed[] = [];
  const accounts: RestAccount[] = [];
  let duplicates = 0;
  read.forEach(({ m, line }, i) => {
    if (!fresh[i]) {
      duplicates++;
      if (!m) dropped.push(line);
      return;
    }
    if (!m) return;
    claimed.push({ m, f: fingerprints[i] });
    const person = m.userId ?? m.anonymousId;
    if (m.kind === 'event' && m.accountId && person) accounts.push({ person, account: m.accountId, ms: m.timestamp, line });
  });
  return { dropped, claimed, duplicates, accounts };
}

/** Inserts the engine's rows not dropped as duplicates, with their identity links; answers how many. */
async function storeEngineRows(store: DuckDbStore, dropped: number[], source: string): Promise<number> {
  if (dropped.length > 0) {
    await store.run(`DELETE FROM nd_norm WHERE line IN (SELECT unnest(from_json($lines::JSON, '["INTEGER"]')))`, { lines: JSON.stringify(dropped) });
  }
  const inserted = await store.run(`INSERT INTO events
    SELECT id, ${HASH}, event, make_timestamp(ms * 1000), user_id, anonymous_id, account_id, properties,
      make_timestamp(CAST($received AS BIGINT)), $source
    FROM nd_norm ORDER BY line`, { received: Date.now() * 1000, source });
  if (inserted === 0) return 0;
  await foldEventually(store, inserted);
  await store.run(STAGE_LINKS);
  const links = await store.run(`INSERT INTO stage_links SELECT anonymous_id, user_id, make_timestamp(ms * 1000) FROM nd_norm
    WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL AND anonymous_id <> user_id ORDER BY line`);
  const relinked = links > 0 ? await linkStagedIdentities(store) : [];
  if (relinked.length > 0) await refreshIdentity(store, { persons: relinked, accounts: [] });
  return inserted;
}

/** An event the normaliser read that names an account, with its line. */
interface RestAccount {
  person: string;
  account: string;
  ms: number;
  line: number;
}

/**
 * Keeps each person's event account from the batch's events of both paths at once: the latest event
 * wins, the later line a tie, as when the normaliser reads the whole batch. Answers the persons whose
 * account changed.
 */
async function recordBatchAccounts(store: DuckDbStore, inEngine: boolean, rest: readonly RestAccount[]): Promise<string[]> {
  if (!inEngine && rest.length === 0) return [];
  await store.run('CREATE OR REPLACE TEMP TABLE nd_rest_accounts (person VARCHAR, account_id VARCHAR, ms BIGINT, line INTEGER)');
  if (rest.length > 0) {
    await appendRows(store, 'nd_rest_accounts', 'temp', rest, (a, r) => {
      a.appendVarchar(r.person);
      a.appendVarchar(r.account);
      a.appendBigInt(BigInt(r.ms));
      a.appendInteger(r.line);
    });
  }
  const engine = inEngine
    ? `SELECT coalesce(user_id, anonymous_id), account_id, ms, line FROM nd_norm WHERE account_id IS NOT NULL AND coalesce(user_id, anonymous_id) IS NOT NULL UNION ALL `
    : '';
  return upsertEventAccounts(store, `(SELECT person, arg_max(account_id, (ms, line)) AS account_id, make_timestamp(max(ms) * 1000) AS ts
    FROM (${engine}SELECT person, account_id, ms, line FROM nd_rest_accounts) t(person, account_id, ms, line) GROUP BY 1)`);
}
