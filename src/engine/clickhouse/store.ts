import { TruenorthError } from '../../errors.js';
import type { Row, SqlEngine, SqlParams } from '../sql-engine.js';
import { ChdbConnection } from './chdb.js';
import type { ClickHouseConnection } from './connection.js';
import { CLICKHOUSE_SCHEMA_VERSION, clickhouseDdl, clickhouseUpgrades } from './schema.js';
import { ServerConnection } from './server.js';

export const DEFAULT_CHDB_PATH = './truenorth.chdb';

export interface ClickHouseTarget {
  /** http(s)://[user:password@]host:port[/database]: a server. Without it: embedded chdb at `path`. */
  url?: string;
  path?: string;
  /** Extra settings for the embedded engine's session. */
  chdbSettings?: Record<string, number | string>;
}

export interface ClickHouseOpenOptions {
  /** Only check the schema version; create nothing. */
  readOnly?: boolean;
}

/** A ClickHouse database holding truenorth's schema: the SqlEngine the reports run on. */
export class ClickHouseStore implements SqlEngine {
  readonly dialect = 'clickhouse' as const;

  constructor(readonly connection: ClickHouseConnection) {}

  static async open(target: ClickHouseTarget, options: ClickHouseOpenOptions = {}): Promise<ClickHouseStore> {
    const connection = target.url ? await openServer(target.url) : await ChdbConnection.open(target.path ?? DEFAULT_CHDB_PATH, target.chdbSettings);
    const store = new ClickHouseStore(connection);
    try {
      if (options.readOnly) await store.checkVersion();
      else await store.migrate();
    } catch (e) {
      await connection.close();
      throw e;
    }
    return store;
  }

  get description(): string {
    return this.connection.description;
  }

  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.connection.query(sql, params) as Promise<T[]>;
  }

  /** An engine over this store for one report: `interrupt()` aborts its query; none runs past `maxSeconds` on the server. */
  cancellable(maxSeconds: number): SqlEngine & { interrupt(): void } {
    const controller = new AbortController();
    const limits = { signal: controller.signal, maxExecutionSeconds: Math.max(1, Math.ceil(maxSeconds)) };
    return {
      dialect: this.dialect,
      all: <T = Row>(sql: string, params?: SqlParams) => this.connection.query(sql, params, limits) as Promise<T[]>,
      close: async () => undefined,
      interrupt: () => controller.abort(),
    };
  }

  async schemaVersion(): Promise<number> {
    const exists = await this.all<{ n: number }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'tn_schema_migrations'`);
    if (!exists[0]?.n) return 0;
    const rows = await this.all<{ v: number | null }>('SELECT max(version) AS v FROM tn_schema_migrations');
    return rows[0]?.v ?? 0;
  }

  /** Creates what is missing (every statement is IF NOT EXISTS / OR REPLACE) and records the version. */
  async migrate(): Promise<void> {
    const current = await this.schemaVersion();
    if (current > CLICKHOUSE_SCHEMA_VERSION) {
      throw new TruenorthError('conflict', `ClickHouse database ${this.description} has truenorth schema version ${current}, newer than this truenorth (${CLICKHOUSE_SCHEMA_VERSION}); upgrade truenorth`);
    }
    if (current === CLICKHOUSE_SCHEMA_VERSION) return;
    for (const statement of clickhouseDdl()) await this.connection.command(statement);
    if (current > 0) for (const statement of clickhouseUpgrades(current)) await this.connection.command(statement);
    await this.connection.insert('tn_schema_migrations', [
      { version: CLICKHOUSE_SCHEMA_VERSION, name: current === 0 ? 'initial store' : 'upgrade', applied_at: Math.floor(Date.now() / 1000) },
    ]);
  }

  private async checkVersion(): Promise<void> {
    const current = await this.schemaVersion();
    if (current !== CLICKHOUSE_SCHEMA_VERSION) {
      throw new TruenorthError(
        current === 0 ? 'not_found' : 'conflict',
        current === 0
          ? `no truenorth data in ClickHouse at ${this.description}; run \`truenorth import … --engine clickhouse\` or \`truenorth clickhouse ddl\` first`
          : `ClickHouse database ${this.description} has schema version ${current}; open it once for writing to migrate it to ${CLICKHOUSE_SCHEMA_VERSION}`,
      );
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

async function openServer(url: string): Promise<ServerConnection> {
  let connection: ServerConnection;
  try {
    connection = await ServerConnection.open(url);
  } catch (e) {
    throw new TruenorthError('input', `--clickhouse-url: not a valid URL: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    await connection.ping();
  } catch (e) {
    await connection.close();
    throw new TruenorthError('internal', `cannot reach ClickHouse at ${connection.description}: ${(e as Error).message.split('\n')[0]}`);
  }
  return connection;
}
