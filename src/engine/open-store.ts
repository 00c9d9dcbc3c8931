import { InputError } from '../errors.js';
import { clickHousePort } from './clickhouse/port.js';
import { ClickHouseStore, DEFAULT_CHDB_PATH } from './clickhouse/store.js';
import { DuckDbStore, resolveDbPath } from './duckdb/database.js';
import { duckDbPort } from './duckdb/port.js';
import type { WriteQueue } from './duckdb/write-queue.js';
import { clickHouseControl } from './clickhouse/control.js';
import type { ControlStore } from './control.js';
import { duckDbControl } from './duckdb/control.js';
import type { StorePort } from './port.js';
import { DIALECTS, type Dialect } from './sql-engine.js';

/** The engine settings of the command line (`--engine`, `--db`, `--clickhouse-url`). */
export interface StoreFlags {
  engine?: string;
  db?: string;
  clickhouseUrl?: string;
}

/** The config's `database:` section. */
export interface DatabaseSettings {
  path?: string;
  engine?: string;
  clickhouse_url?: string;
}

export type StoreTarget =
  | { engine: 'duckdb'; path: string }
  /** A ClickHouse server at `url`, or without one the embedded engine (chdb) in the directory `path`. */
  | { engine: 'clickhouse'; url?: string; path: string };

/** `--engine`, else `TRUENORTH_ENGINE`, else `database.engine`, else duckdb. */
export function parseEngine(flags: StoreFlags, database?: DatabaseSettings): Dialect {
  const engine = flags.engine ?? process.env.TRUENORTH_ENGINE ?? database?.engine ?? 'duckdb';
  const known = DIALECTS.find((d) => d === engine);
  if (!known) throw new InputError(`--engine: expected ${DIALECTS.join(' or ')}, got ${JSON.stringify(engine)}`);
  return known;
}

/**
 * Which store the command line means. DuckDB: the file at `--db` / `TRUENORTH_DB` / `database.path`.
 * ClickHouse: the server at `--clickhouse-url` / `TRUENORTH_CLICKHOUSE_URL` / `database.clickhouse_url`,
 * or without a URL the embedded engine in the directory `--db` (default ./truenorth.chdb).
 */
export function storeTarget(flags: StoreFlags, database?: DatabaseSettings): StoreTarget {
  if (parseEngine(flags, database) === 'duckdb') return { engine: 'duckdb', path: resolveDbPath(flags.db, database?.path) };
  const url = flags.clickhouseUrl ?? process.env.TRUENORTH_CLICKHOUSE_URL ?? database?.clickhouse_url;
  return { engine: 'clickhouse', url, path: flags.db ?? DEFAULT_CHDB_PATH };
}

/** Opens the store (creating its schema unless read-only): the only place that picks an engine. */
export async function openStore(target: StoreTarget, options: { readOnly?: boolean } = {}): Promise<StorePort> {
  if (target.engine === 'duckdb') return duckDbPort(await DuckDbStore.open(target.path, options));
  return clickHousePort(await ClickHouseStore.open({ url: target.url, path: target.path }, options));
}

/** Runs `work` on the store, closing it after. */
export async function withOpenStore<T>(target: StoreTarget, work: (store: StorePort) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  return closing(await openStore(target, options), work);
}

async function closing<S extends { close(): Promise<void> }, T>(store: S, work: (store: S) => Promise<T>): Promise<T> {
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * The control state (keys, sessions, digest claims) of the store at `target`, for the CLI: in the
 * DuckDB file, or in ClickHouse where every server on that database shares it.
 */
export async function withControlStore<T>(target: StoreTarget, work: (control: ControlStore) => Promise<T>): Promise<T> {
  if (target.engine === 'duckdb') return closing(await DuckDbStore.open(target.path), (store) => work(duckDbControl(store)));
  return closing(await ClickHouseStore.open({ url: target.url, path: target.path }), (store) => work(clickHouseControl(store)));
}

/** A server's stores: the DuckDB file (on DuckDB events and the control state), and ClickHouse when events go there. */
export interface ServerStores {
  store: DuckDbStore;
  clickhouse?: ClickHouseStore;
}

/**
 * `serve`: the DuckDB file at `dbPath` always; with `--engine clickhouse` events go
 * to ClickHouse: the server URL, else the embedded engine in `chdbPath` (default ./truenorth.chdb).
 */
export async function openServerStores(dbPath: string, flags: StoreFlags & { chdbPath?: string }, database?: DatabaseSettings): Promise<ServerStores> {
  const target = storeTarget({ ...flags, db: flags.chdbPath }, database);
  if (flags.chdbPath !== undefined && (target.engine !== 'clickhouse' || target.url)) throw new InputError('--chdb-path: only with --engine clickhouse and no --clickhouse-url');
  const clickhouse = target.engine === 'clickhouse' ? await ClickHouseStore.open({ url: target.url, path: target.path }) : undefined;
  try {
    return { store: await DuckDbStore.open(dbPath), clickhouse };
  } catch (e) {
    await clickhouse?.close();
    throw e;
  }
}

/** A server's control state: in ClickHouse when events go there (shared with every server on it), else in the DuckDB file through `lane`. */
export function serverControl(stores: ServerStores, lane: WriteQueue): ControlStore {
  return stores.clickhouse ? clickHouseControl(stores.clickhouse) : duckDbControl(stores.store, lane);
}

/** The store a server's reports read and its ingestion writes: ClickHouse when given, else the DuckDB file through `lane`. */
export function serverPort(stores: ServerStores, lane: WriteQueue): StorePort {
  return stores.clickhouse ? clickHousePort(stores.clickhouse) : duckDbPort(stores.store, lane);
}
