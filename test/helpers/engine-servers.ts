import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { TruenorthServer, type ServerOptions } from '../../src/server/app.js';
import { openChdb } from './engines.js';

/** A server on DuckDB and one on ClickHouse (embedded, beside a DuckDB file for the keys), listening. */
export interface EngineServers {
  dir: string;
  duck: DuckDbStore;
  control: DuckDbStore;
  ch: ClickHouseStore;
  /** DuckDB's first, then ClickHouse's. */
  servers: TruenorthServer[];
  urls: string[];
  close(): Promise<void>;
}

/** Starts both with the same `options`; `prepare` runs in their directory first (e.g. to write a config). */
export async function startEngineServers(
  prefix: string, options: Partial<ServerOptions> = {}, prepare: (dir: string) => Partial<ServerOptions> = () => ({}),
): Promise<EngineServers> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const prepared = { ...options, ...prepare(dir) };
  const { store: ch, cleanup } = await openChdb();
  const duck = await DuckDbStore.open(join(dir, 'events.duckdb'));
  const control = await DuckDbStore.open(join(dir, 'keys.duckdb'));
  const servers: TruenorthServer[] = [];
  const urls: string[] = [];
  for (const stores of [{ store: duck }, { store: control, clickhouse: ch }]) {
    const server = await TruenorthServer.create({ ...prepared, ...stores, host: '127.0.0.1', port: 0, logger: false });
    servers.push(server);
    urls.push(await server.listen());
  }
  const close = async () => {
    for (const server of servers) await server.close();
    await duck.close();
    await control.close();
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, duck, control, ch, servers, urls, close };
}
