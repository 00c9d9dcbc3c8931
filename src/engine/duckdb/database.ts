import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { chmodSync, existsSync, statSync, unlinkSync } from 'node:fs';
import { totalmem } from 'node:os';
import { TruenorthError } from '../../errors.js';
import type { Row, SqlEngine, SqlParams } from '../sql-engine.js';
import { foldNewEvents } from './catalogue-summary.js';
import { foldLiveState } from './live-state.js';
import { loadDuckDbDriver } from './driver.js';
import { orderedMigrations, SCHEMA_VERSION } from './migrations.js';
import { TableVersions, trackedConnection } from './table-versions.js';
import { WriterOwnership, type HeldWriter } from './writer-ownership.js';

export const DEFAULT_DB_PATH = './truenorth.duckdb';

/** `--db`, else `TRUENORTH_DB`, else the configured path, else ./truenorth.duckdb. */
export function resolveDbPath(flag?: string, configured?: string): string {
  return flag ?? process.env.TRUENORTH_DB ?? configured ?? DEFAULT_DB_PATH;
}

export interface OpenOptions {
  readOnly?: boolean;
}

/** One open DuckDB file: the single writer of that file for this process. */
export class DuckDbStore implements SqlEngine {
  readonly dialect = 'duckdb' as const;
  private writeConnection: DuckDBConnection;
  private readonly tables = new TableVersions();
  private transactionOpen = false;
  private readonly ownership = new WriterOwnership();

  private constructor(
    readonly path: string,
    private instance: DuckDBInstance,
    connection: DuckDBConnection,
    /** DuckDB's memory_limit for this store (see memoryLimit). */
    private readonly memoryBudget: string,
    private readonly readOnly: boolean,
  ) {
    this.writeConnection = trackedConnection(connection, this.tables);
  }

  /** The writing connection; a new one after `reopen`. Refused outside its holder's work while held (`holdWriter`). */
  get connection(): DuckDBConnection {
    this.ownership.check(this.path);
    return this.writeConnection;
  }

  /** Holds the writing connection for a write queue until it is released (see WriterOwnership). */
  holdWriter(): HeldWriter {
    return this.ownership.hold();
  }

  static async open(path: string, options: OpenOptions = {}): Promise<DuckDbStore> {
    if (options.readOnly && path !== ':memory:' && !existsSync(path)) {
      throw new TruenorthError('not_found', `no database at ${path}; run \`truenorth import\` or \`truenorth demo\` first`);
    }
    // A zero-byte file (`touch`, a temp file) holds nothing: DuckDB refuses it, so it starts afresh.
    if (!options.readOnly && path !== ':memory:' && existsSync(path) && statSync(path).size === 0) unlinkSync(path);
    const created = !options.readOnly && path !== ':memory:' && !existsSync(path);
    const budget = memoryLimit();
    const readOnly = options.readOnly ?? false;
    const instance = await createInstance(path, budget, readOnly);
    const connection = await instance.connect();
    const store = new DuckDbStore(path, instance, connection, budget, readOnly);
    if (!readOnly) {
      await store.migrate();
      store.tables.setViews(await store.all<{ name: string; sql: string }>('SELECT view_name AS name, sql FROM duckdb_views() WHERE NOT internal'));
      // Events stored before the catalogue summary existed, or by a bulk copy: folded once, here.
      await store.transaction(() => foldNewEvents(store));
      await store.transaction(() => foldLiveState(store, 1));
    } else await store.checkVersion();
    // A new database is its owner's alone (a WAL written later follows the umask: serve sets 077).
    if (created) for (const file of [path, `${path}.wal`]) if (existsSync(file)) chmodSync(file, 0o600);
    return store;
  }

  async all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => plainRow(row) as T);
  }

  async run(sql: string, params?: SqlParams): Promise<number> {
    try {
      const result = await this.connection.run(sql, params);
      return result.rowsChanged;
    } finally {
      this.bump();
    }
  }

  /**
   * Runs `work` in one transaction: all of it is committed, or none of it. On any failure the
   * rollback hooks run, also when the ROLLBACK itself fails — a COMMIT that failed (a full disk) has
   * already ended the transaction, and an invalidated database refuses everything — so no state
   * derived from the failed writes outlives them. The original error is what the caller sees.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    this.transactionOpen = true;
    try {
      const value = await work();
      await this.connection.run('COMMIT');
      return value;
    } catch (e) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      this.runRollbackHooks();
      throw e;
    } finally {
      // After the commit (never before it): a query starting now sees the committed data.
      this.transactionOpen = false;
      this.bump();
    }
  }

  private runRollbackHooks(): void {
    for (const hook of this.rollbackHooks) hook();
  }

  /**
   * Closes the database and opens it again, which replays its write-ahead log: how a store that
   * DuckDB invalidated after a fatal write error (a failed checkpoint on a full disk) comes back
   * without restarting the process. Everything derived from the old connection is dropped (the
   * rollback hooks run); readers opened before keep failing and are replaced as they close.
   */
  async reopen(): Promise<void> {
    await this.closeBeside().catch(() => undefined);
    try {
      this.writeConnection.closeSync();
      this.instance.closeSync();
    } catch {
      // an invalidated database may refuse to close cleanly; its file lock goes with the handles
    }
    this.instance = await createInstance(this.path, this.memoryBudget, this.readOnly);
    this.writeConnection = trackedConnection(await this.instance.connect(), this.tables);
    this.transactionOpen = false;
    this.runRollbackHooks();
    this.version++;
    this.tables.reset(this.version);
  }

  /** One small durable write (committed, so written and fsynced to the WAL): does writing work now? */
  async probeWrite(): Promise<void> {
    await this.run('INSERT OR REPLACE INTO write_probe VALUES (1, now()::TIMESTAMP)');
  }

  /**
   * Bumped after every statement run through `run` and every transaction end, which is how this
   * process writes (appenders write inside transactions). Only one process writes a DuckDB file, and
   * not while others read it, so this counts every change the open store can see.
   */
  private version = 0;

  get dataVersion(): number {
    return this.version;
  }

  /** The data version at which a table this statement reads last changed (TableVersions). */
  versionOf(sql: string): number {
    return this.tables.versionOf(sql);
  }

  private bump(): void {
    this.version++;
    this.tables.stamp(this.version, this.transactionOpen);
  }

  private readonly rollbackHooks = new Set<() => void>();

  /** Called after any rollback, so in-memory state derived from writes (the dedupe index) can be dropped. */
  onRollback(hook: () => void): void {
    this.rollbackHooks.add(hook);
  }

  async schemaVersion(): Promise<number> {
    const rows = await this.all<{ v: number | null }>(
      `SELECT max(version) AS v FROM duckdb_tables() t, schema_migrations WHERE t.table_name = 'schema_migrations'`,
    ).catch(() => [{ v: 0 }]);
    return rows[0]?.v ?? 0;
  }

  private async migrate(): Promise<void> {
    await this.connection.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)',
    );
    const current = await this.schemaVersion();
    if (current > SCHEMA_VERSION) {
      throw new TruenorthError('conflict', `database ${this.path} has schema version ${current}, newer than this truenorth (${SCHEMA_VERSION}); upgrade truenorth`);
    }
    for (const migration of orderedMigrations().filter((m) => m.version > current)) {
      await this.transaction(async () => {
        for (const statement of migration.statements) await this.connection.run(statement);
        await this.connection.run('INSERT INTO schema_migrations VALUES ($version, $name, now()::TIMESTAMP)', {
          version: migration.version,
          name: migration.name,
        });
      });
    }
  }

  private async checkVersion(): Promise<void> {
    const current = await this.schemaVersion();
    if (current !== SCHEMA_VERSION) {
      throw new TruenorthError('conflict', `database ${this.path} has schema version ${current}; open it once for writing (e.g. \`truenorth import\`) to migrate it to ${SCHEMA_VERSION}`);
    }
  }

  /**
   * Another connection to the same open database, with its own transactions: readers beside the
   * writer (they see committed data only, never the writer's open transaction). Closing it leaves
   * the database open. `interrupt()` cancels the query running on it.
   */
  async reader(): Promise<SqlEngine & { interrupt(): void }> {
    const connection = await this.instance.connect();
    const store = this;
    return {
      dialect: 'duckdb',
      get dataVersion() {
        return store.dataVersion;
      },
      versionOf: (sql: string) => store.versionOf(sql),
      async all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
        const reader = await connection.runAndReadAll(sql, params);
        return reader.getRowObjectsJS().map((row) => plainRow(row) as T);
      },
      async close(): Promise<void> {
        connection.closeSync();
      },
      interrupt(): void {
        connection.interrupt();
      },
    };
  }

  async checkpoint(): Promise<void> {
    await this.connection.run('CHECKPOINT');
  }

  private besideConnection: Promise<DuckDBConnection> | undefined;

  /**
   * Runs `work` in a transaction of its own on a second connection, while the writing connection goes
   * on with its own: for derived state (the folds) that reads committed rows only and writes tables
   * no other transaction writes meanwhile. The tables it wrote count as changed once it commits.
   */
  async beside<T>(work: (engine: SqlEngine & { run(sql: string, params?: SqlParams): Promise<number> }) => Promise<T>): Promise<T> {
    this.besideConnection ??= this.instance.connect();
    const connection = await this.besideConnection;
    const written: string[] = [];
    const engine = {
      dialect: this.dialect,
      close: async () => undefined,
      all: async <R = Row>(sql: string, params?: SqlParams) => (await connection.runAndReadAll(sql, params)).getRowObjectsJS().map((row) => plainRow(row) as R),
      run: async (sql: string, params?: SqlParams) => {
        written.push(sql);
        return (await connection.run(sql, params)).rowsChanged;
      },
    };
    await connection.run('BEGIN TRANSACTION');
    try {
      const value = await work(engine);
      await connection.run('COMMIT');
      return value;
    } catch (e) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      for (const sql of written) this.tables.touch(sql);
      this.bump();
    }
  }

  private async closeBeside(): Promise<void> {
    const connection = this.besideConnection;
    this.besideConnection = undefined;
    await connection?.then((c) => c.closeSync(), () => undefined);
  }

  async close(): Promise<void> {
    await this.closeBeside();
    this.writeConnection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * DuckDB's memory budget: `TRUENORTH_MEMORY_LIMIT` (e.g. 8GB), else 1.75 GB, at most DuckDB's own
 * default of 80 % of the machine's memory. Past it, large sorts, joins and imports spill to
 * `<db>.tmp`, so a 100M-event server (with its dedupe index, about 0.5 GB more) stays under 3 GB.
 */
export function memoryLimit(): string {
  const configured = process.env.TRUENORTH_MEMORY_LIMIT?.trim();
  if (configured) {
    if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(configured)) {
      throw new TruenorthError('input', `TRUENORTH_MEMORY_LIMIT: expected a size like 4GB or 512MB, got ${JSON.stringify(configured)}`);
    }
    return configured;
  }
  return `${Math.min(DEFAULT_MEMORY_LIMIT_MB, machineMemoryLimitMb())}MB`;
}

/** DuckDB's own default memory limit: 80 % of the machine's memory, in MB. */
function machineMemoryLimitMb(): number {
  return Math.floor((totalmem() / 2 ** 20) * 0.8);
}

const DEFAULT_MEMORY_LIMIT_MB = 1750;

async function createInstance(path: string, budget: string, readOnly: boolean): Promise<DuckDBInstance> {
  try {
    const { DuckDBInstance } = await loadDuckDbDriver();
    return await DuckDBInstance.create(path, { ...(readOnly ? { access_mode: 'READ_ONLY' } : {}), memory_limit: budget });
  } catch (e) {
    throw translateOpenError(path, e);
  }
}

function translateOpenError(path: string, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  const lock = /Could not set lock on file .*?(?:PID (\d+))?\)?\. /s.exec(message) ?? (message.includes('Could not set lock') ? [message] : null);
  if (lock) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new TruenorthError(
      'locked',
      `database ${path} is already open for writing by another process${pid ? ` (pid ${pid})` : ''}; stop it, or send the request through \`truenorth serve\``,
    );
  }
  return new TruenorthError('internal', `cannot open database ${path}: ${message.split('\n')[0]}`);
}

function plainRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
  return out;
}

function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plainValue);
  return value;
}
