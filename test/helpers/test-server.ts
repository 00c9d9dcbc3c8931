import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import { TruenorthServer, type ServerOptions } from '../../src/server/app.js';
import { createKey, type CreatedKey } from '../../src/server/keys.js';
import { duckDbControl } from '../../src/engine/duckdb/control.js';
import type { Dialect } from '../../src/engine/sql-engine.js';
import { openChdb } from './engines.js';

/**
 * An in-process server on a fresh database in its own folder, with a write key and a secret key; on
 * `clickhouse`, events go to a fresh embedded ClickHouse beside the DuckDB file.
 */
export interface TestServer {
  dir: string;
  store: DuckDbStore;
  server: TruenorthServer;
  url: string;
  write: CreatedKey;
  secret: CreatedKey;
  close(): Promise<void>;
}

export async function startTestServer(name: string, options: Omit<ServerOptions, 'store'> = {}, engine: Dialect = 'duckdb'): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), `truenorth-${name}-`));
  const store = await DuckDbStore.open(join(dir, 'db.duckdb'));
  const chdb = engine === 'clickhouse' ? await openChdb() : undefined;
  const write = await createKey(duckDbControl(store).keys, 'write');
  const secret = await createKey(duckDbControl(store).keys, 'secret');
  const clickhouse = chdb && { clickhouse: chdb.store, clickhouseBatching: { maxDelayMs: 10 } };
  const server = await TruenorthServer.create({ port: 0, ...clickhouse, ...options, store });
  const url = await server.listen();
  return {
    dir, store, server, url, write, secret,
    async close() {
      await server.close();
      await store.close();
      await chdb?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
