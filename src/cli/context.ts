import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { DuckDbStore, resolveDbPath } from '../engine/duckdb/database.js';

export interface GlobalOptions {
  config?: string;
  db?: string;
  json?: boolean;
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
