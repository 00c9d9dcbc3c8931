import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { DuckDbStore, resolveDbPath } from '../engine/duckdb/database.js';
import { ClickHouseStore, DEFAULT_CHDB_PATH } from '../engine/clickhouse/store.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { InputError } from '../errors.js';

export interface GlobalOptions {
  config?: string;
  db?: string;
  json?: boolean;
  engine?: string;
  clickhouseUrl?: string;
}

export const DEFAULT_CONFIG_PATH = 'truenorth.yaml';

export function configPath(options: GlobalOptions): string {
  return options.config ?? process.env.TRUENORTH_CONFIG ?? DEFAULT_CONFIG_PATH;
}

export function readConfig(options: GlobalOptions): Config {
  return loadConfig(configPath(options));
}

/** The config if there is one; commands that can work without it (import) use this. */
export function readConfigIfPresent(options: GlobalOptions): Config | undefined {
  const path = configPath(options);
  return existsSync(path) ? loadConfig(path) : undefined;
}

export async function openStore(options: GlobalOptions, config?: Config, readOnly = false): Promise<DuckDbStore> {
  return DuckDbStore.open(resolveDbPath(options.db, config?.database?.path), { readOnly });
}

export async function withStore<T>(options: GlobalOptions, config: Config | undefined, work: (store: DuckDbStore) => Promise<T>, readOnly = false): Promise<T> {
  const store = await openStore(options, config, readOnly);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export type EngineChoice = { engine: 'duckdb' } | { engine: 'clickhouse'; url?: string; path: string };

/**
 * `--engine`, else `TRUENORTH_ENGINE`, else `database.engine`, else duckdb. ClickHouse is the server
 * at `--clickhouse-url` / `TRUENORTH_CLICKHOUSE_URL` / `database.clickhouse_url`, or without a URL the
 * embedded engine (chdb) in the directory `--db` (default ./truenorth.chdb).
 */
export function engineChoice(options: GlobalOptions, config?: Config): EngineChoice {
  const engine = options.engine ?? process.env.TRUENORTH_ENGINE ?? config?.database?.engine ?? 'duckdb';
  if (engine === 'duckdb') return { engine };
  if (engine !== 'clickhouse') throw new InputError(`--engine: expected duckdb or clickhouse, got ${JSON.stringify(engine)}`);
  const url = options.clickhouseUrl ?? process.env.TRUENORTH_CLICKHOUSE_URL ?? config?.database?.clickhouse_url;
  return { engine, url, path: options.db ?? DEFAULT_CHDB_PATH };
}

/** Opens the configured ClickHouse (server or chdb); creates the schema unless read-only. */
export async function openClickHouse(options: GlobalOptions, config?: Config, readOnly = false): Promise<ClickHouseStore> {
  const choice = engineChoice(options, config);
  if (choice.engine !== 'clickhouse') throw new InputError('this command needs --engine clickhouse');
  return ClickHouseStore.open({ url: choice.url, path: choice.path }, { readOnly });
}

/** Runs `work` on whichever engine is chosen: what report commands use. */
export async function withEngine<T>(options: GlobalOptions, config: Config | undefined, work: (engine: SqlEngine) => Promise<T>, readOnly = false): Promise<T> {
  if (engineChoice(options, config).engine === 'duckdb') return withStore(options, config, work, readOnly);
  const store = await openClickHouse(options, config, readOnly);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
