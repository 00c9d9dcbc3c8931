/**
 * NDJSON import normalised inside DuckDB, batch by batch. JavaScript cuts the bytes into numbered
 * lines and stages the lines the guard lets through (ndjson-guard.ts) in a file, each with its line
 * number as a first key; DuckDB reads that file with `read_json` into typed columns and normalises it
 * with the rules of ndjson-sql.ts. The lines those rules leave (other shapes, odd values, blank or
 * broken lines) go through the normaliser exactly as before, with their line numbers, so the report's
 * counts and errors are unchanged.
 *
 * A line the typed read refuses (a key twice, a `context` that is not an object, broken JSON) stops
 * the read with its position: it and the line before it are left to the normaliser and the read runs
 * again, a few times at most, then the whole batch goes to the normaliser.
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
import { stageable, suspectOffsets } from './ndjson-guard.js';
import { LINE_KEY, NDJSON_MACROS, NORMALISE_STAGE } from './ndjson-sql.js';
import { FUTURE_LIMIT_MS, isObject } from './normalize.js';
import { ndjsonBodies, ndjsonLineRecords, ndjsonLines, type PlainText, type SourceRecord } from './sources.js';
import { claimIds, foldEventually, linkStagedIdentities, STAGE_LINKS, type Claimed, type IngestWriter } from './writer.js';
import type { HistorySource } from './history.js';

/** One batch of lines: their numbers and text (bytes of a checked UTF-8 run, or decoded text), and which are staged. */
interface LineBatch {
  lines: number[];
  texts: (Buffer | string)[];
  /** Per line: staged for the typed read (else left to the normaliser outright). */
  staged: boolean[];
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
/** Reads of one batch that may stop on a refused line before the whole batch goes to the normaliser. */
const MAX_READS = 8;

/** Imports NDJSON text; answers the file's first records (for the hint). */
export async function importNdjsonInEngine(text: PlainText, job: NdjsonImport): Promise<unknown[]> {
  const file = join(tmpdir(), `truenorth-lines-${process.pid}-${++stageFiles}.ndjson`);
  const state: BatchState = { decided: undefined, sample: [], prepared: false };
  let line = 0;
  let batch = newBatch();
  // While DuckDB reads and stores one batch, the next one is cut and checked; batches still run one
  // after the other, in file order.
  let running: Promise<void> | undefined;
  const run = async (next: LineBatch) => {
    await running;
    running = runBatch(job, next, file, state);
    running.catch(() => {}); // awaited before the next batch and at the end
  };
  try {
    for await (const body of ndjsonBodies(text.bytes)) {
      line = cutLines(body, line, batch);
      if (batch.lines.length >= job.batchLines) {
        await run(batch);
        batch = newBatch();
      }
    }
    if (batch.lines.length > 0) await run(batch);
    await running;
  } finally {
    await running?.catch(() => {});
    await rm(file, { force: true });
  }
  return state.sample;
}

function newBatch(): LineBatch {
  return { lines: [], texts: [], staged: [] };
}

/**
 * Adds a run's lines to the batch; answers the last line number. A run that is not plain UTF-8 or
 * holds a \r (a line break of its own) is cut as text and left whole to the normaliser.
 */
function cutLines(body: Buffer, line: number, batch: LineBatch): number {
  if (body.includes(13) || !isUtf8(body)) {
    for (const text of ndjsonLines(body)) {
      line++;
      if (text.length === 0) continue;
      batch.lines.push(line);
      batch.texts.push(text);
      batch.staged.push(false);
    }
    return line;
  }
  const suspects = suspectOffsets(body);
  let next = 0;
  for (let start = 0; start < body.length;) {
    let end = body.indexOf(10, start);
    if (end < 0) end = body.length;
    line++;
    let suspect = false;
    while (next < suspects.length && suspects[next] < end) {
      suspect = true;
      next++;
    }
    if (end > start) {
      batch.lines.push(line);
      batch.texts.push(body.subarray(start, end));
      batch.staged.push(!suspect && stageable(body, start, end));
    }
    start = end + 1;
  }
  return line;
}

/** The stage file's bytes: each staged line with its number as a first key. */
function stageBytes(batch: LineBatch): { bytes: Buffer; lines: number[] } {
  const lines: number[] = [];
  let size = 0;
  for (let i = 0; i < batch.lines.length; i++) if (batch.staged[i]) size += (batch.texts[i] as Buffer).length + 40;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < batch.lines.length; i++) {
    if (!batch.staged[i]) continue;
    const text = batch.texts[i] as Buffer;
    at += out.write(`{"${LINE_KEY}":${batch.lines[i]},`, at, 'latin1');
    at += text.copy(out, at, 1);
    out[at++] = 10;
    lines.push(batch.lines[i]);
  }
  return { bytes: out.subarray(0, at), lines };
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
  // left whole to the normaliser. The typed read runs before the batch's transaction: a line it
  // refuses fails its statement, which would abort the transaction.
  const fast = state.decided === null && batch.staged.some(Boolean) ? await normaliseInEngine(job.store, batch, file, job.importedAt, state) : null;
  const inEngine = fast !== null;
  const reader = job.reader(state.decided ?? null);
  await job.commit(async () => {
    const claims = await claimInOrder(job, batch, fast ?? NO_ROWS, reader);
    const engine = inEngine ? await storeEngineRows(job.store, claims.dropped, job.source, fast.ordered) : { inserted: 0, relinked: [] };
    // The persons whose profiles the engine's rows or the batch's event accounts changed are
    // refreshed once, with those of the normaliser's messages.
    const touched = [...engine.relinked, ...await recordBatchAccounts(job.store, inEngine, claims.accounts)];
    const restInserted = await job.writer.writeClaimed(claims.claimed, Date.now(), { eventAccounts: false, touched });
    if (claims.claimed.length === 0 && touched.length > 0) await refreshIdentity(job.store, { persons: touched, accounts: [] });
    job.counts.imported += engine.inserted + restInserted;
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
  /** True when `nd_norm` holds them in line order already. */
  ordered: boolean;
}

const NO_ROWS: FastRows = { line: [], w0: [], w1: [], w2: [], w3: [], ordered: true };

/** The writer's fingerprint (dedupe-index.ts): the MD5 as a number, 1 in place of 0. */
const HASH = `greatest(md5_number(id), 1::UHUGEINT)`;

/**
 * Stages the batch's lines, reads and normalises them into `nd_norm` (a line the read refuses is left
 * to the normaliser with the one before it, and the read runs again); answers the rows kept, in line
 * order, with their ids' fingerprints, or null when the batch is left whole to the normaliser.
 */
async function normaliseInEngine(store: DuckDbStore, batch: LineBatch, file: string, importedAt: number, state: BatchState): Promise<FastRows | null> {
  if (!state.prepared) {
    for (const sql of NDJSON_MACROS) await store.run(sql);
    state.prepared = true;
  }
  for (let read = 0; read < MAX_READS; read++) {
    const stage = stageBytes(batch);
    if (stage.lines.length === 0) return null;
    await writeFile(file, stage.bytes);
    const refused = await store.run(NORMALISE_STAGE, { file, latest: importedAt + FUTURE_LIMIT_MS }).then(() => null, (e: Error) => refusedLine(e));
    if (refused === null) return keptRows(store, stage.lines.length);
    if (refused === undefined) break;
    unstage(batch, [stage.lines[refused - 2], stage.lines[refused - 1]]);
  }
  await store.run('DROP TABLE IF EXISTS nd_norm');
  return null;
}

/** The position in the stage file (from 1) of the line a read error names; undefined when it names none. */
function refusedLine(e: Error): number | undefined {
  const found = /\bin line (\d+)/.exec(e.message);
  return found ? Number(found[1]) : undefined;
}

/** Leaves lines (by number; undefined ignored) to the normaliser. */
function unstage(batch: LineBatch, lines: (number | undefined)[]): void {
  for (const line of lines) {
    if (line === undefined) continue;
    let lo = 0;
    let hi = batch.lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (batch.lines[mid] < line) lo = mid + 1;
      else hi = mid;
    }
    if (batch.lines[lo] === line) batch.staged[lo] = false;
  }
}

/** The rows the rules kept (the others deleted), after checking that every staged line was read once. */
async function keptRows(store: DuckDbStore, staged: number): Promise<FastRows | null> {
  const [{ n, lined }] = await store.all<{ n: number; lined: number }>('SELECT count(*) AS n, count(DISTINCT line) AS lined FROM nd_norm');
  if (Number(n) !== staged || Number(lined) !== staged) {
    await store.run('DROP TABLE nd_norm');
    return null;
  }
  // Filtered afterwards: a WHERE on the query itself would evaluate the verdict twice.
  await store.run('DELETE FROM nd_norm WHERE NOT ok');
  const word = (k: number) => `CAST((h >> ${32 * k}) & 4294967295 AS UINTEGER)`;
  // Read in the table's order (the read keeps the stage file's, so no sort is needed): if the lines
  // come back ascending, the insert keeps that order as it is.
  const reader = await store.connection.runAndReadAll(`SELECT line, ${word(0)}, ${word(1)}, ${word(2)}, ${word(3)} FROM (SELECT line, ${HASH} AS h FROM nd_norm)`);
  const [line = [], w0 = [], w1 = [], w2 = [], w3 = []] = reader.getColumnsJS() as number[][];
  if (line.every((l, i) => i === 0 || line[i - 1] < l)) return { line, w0, w1, w2, w3, ordered: true };
  const order = line.map((_, i) => i).sort((a, b) => line[a] - line[b]);
  const pick = (values: number[]) => order.map((i) => values[i]);
  return { line: pick(line), w0: pick(w0), w1: pick(w1), w2: pick(w2), w3: pick(w3), ordered: false };
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

/** Inserts the engine's rows not dropped as duplicates, with their identity links; answers how many, and the persons the links changed. */
async function storeEngineRows(store: DuckDbStore, dropped: number[], source: string, ordered: boolean): Promise<{ inserted: number; relinked: string[] }> {
  if (dropped.length > 0) {
    await store.run(`DELETE FROM nd_norm WHERE line IN (SELECT unnest(from_json($lines::JSON, '["INTEGER"]')))`, { lines: JSON.stringify(dropped) });
  }
  const inserted = await store.run(`INSERT INTO events
    SELECT id, ${HASH}, event, make_timestamp(ms * 1000), user_id, anonymous_id, account_id, properties,
      make_timestamp(CAST($received AS BIGINT)), $source
    FROM nd_norm ${ordered ? '' : 'ORDER BY line'}`, { received: Date.now() * 1000, source });
  if (inserted === 0) return { inserted, relinked: [] };
  await foldEventually(store, inserted);
  await store.run(STAGE_LINKS);
  const links = await store.run(`INSERT INTO stage_links SELECT anonymous_id, user_id, make_timestamp(ms * 1000) FROM nd_norm
    WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL AND anonymous_id <> user_id ${ordered ? '' : 'ORDER BY line'}`);
  return { inserted, relinked: links > 0 ? await linkStagedIdentities(store) : [] };
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
