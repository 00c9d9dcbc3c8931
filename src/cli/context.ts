import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { DuckDbStore, resolveDbPath } from '../engine/duckdb/database.js';
import { storeTarget, withOpenStore } from '../engine/open-store.js';
import type { StorePort } from '../engine/port.js';
import { onReader, type SqlEngine } from '../engine/sql-engine.js';

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

/** The DuckDB file alone: the keys, and what only the file holds. */
export async function withStore<T>(options: GlobalOptions, config: Config | undefined, work: (store: DuckDbStore) => Promise<T>, readOnly = false): Promise<T> {
  const store = await DuckDbStore.open(resolveDbPath(options.db, config?.database?.path), { readOnly });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Runs `work` on the store `--engine` (or the environment, or the config) chooses. */
export function withPort<T>(options: GlobalOptions, config: Config | undefined, work: (store: StorePort) => Promise<T>, readOnly = false): Promise<T> {
  return withOpenStore(storeTarget(options, config?.database), work, { readOnly });
}

/** Runs `work` on a reader of the chosen store: what report commands use. */
export function withEngine<T>(options: GlobalOptions, config: Config | undefined, work: (engine: SqlEngine) => Promise<T>, readOnly = false): Promise<T> {
  return withPort(options, config, (store) => onReader(store, work), readOnly);
}
