import { TruenorthError } from '../../errors.js';
import type { Row } from '../sql-engine.js';
import { decodeRows, RESULT_FORMAT, SESSION_SETTINGS, type ClickHouseConnection, type ClickHouseParams, type QueryLimits } from './connection.js';

/** The part of chdb's `Session` we use (chdb is installed separately, loaded on demand). */
interface ChdbSession {
  queryBindAsync(query: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>;
  insert(params: { table: string; values: string; format: 'JSONEachRow' }): Promise<unknown>;
  close(): void;
}
interface ChdbModule {
  Session: new (path?: string, opts?: { connectionArgs?: readonly string[] }) => ChdbSession;
}

/**
 * chdb is not part of the default install (it is large): loaded on first use, and when it is not
 * installed the one thing to say is how to get it, or to use a server instead.
 */
export async function loadChdb(name = 'chdb'): Promise<ChdbModule> {
  try {
    const mod = (await import(name)) as ChdbModule & { default?: ChdbModule };
    return mod.Session ? mod : mod.default!;
  } catch (e) {
    if (isMissingModule(e, name)) throw new TruenorthError('engine_not_installed');
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new TruenorthError('internal', `cannot load the embedded ClickHouse engine (chdb): ${reason}`);
  }
}

/** The package itself is absent (not one of its own imports, nor a broken native binary). */
function isMissingModule(e: unknown, name: string): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (e as Error).message.includes(`'${name}'`);
}

/**
 * The embedded ClickHouse engine (chdb): the same SQL as a server, in-process, on a local directory.
 * Calls are serialised: one session runs one statement at a time.
 */
export class ChdbConnection implements ClickHouseConnection {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly session: ChdbSession, readonly description: string) {}

  /** `settings` are added to (or override) the session settings, e.g. `{ max_threads: 1 }` for tiny test data. */
  static async open(path: string, settings: Record<string, number | string> = {}): Promise<ChdbConnection> {
    const { Session } = await loadChdb();
    const args = Object.entries({ ...SESSION_SETTINGS, ...settings }).map(([k, v]) => `--${k}=${v}`);
    let session: ChdbSession;
    try {
      session = new Session(path, { connectionArgs: args });
    } catch (e) {
      throw new TruenorthError('internal', `cannot open the embedded ClickHouse store at ${path}: ${(e as Error).message.split('\n')[0]}`);
    }
    return new ChdbConnection(session, `chdb:${path}`);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The embedded engine cannot stop a running query: an aborted one is not started. */
  query(sql: string, params: ClickHouseParams = {}, limits: QueryLimits = {}): Promise<Row[]> {
    return this.serial(async () => {
      limits.signal?.throwIfAborted();
      return decodeRows((await this.session.queryBindAsync(sql, params, { format: RESULT_FORMAT })).text());
    });
  }

  command(sql: string, params: ClickHouseParams = {}): Promise<void> {
    return this.serial(async () => {
      await this.session.queryBindAsync(sql, params, { format: 'TabSeparated' });
    });
  }

  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const payload = rows.map((r) => JSON.stringify(r)).join('\n');
    return this.serial(async () => {
      await this.session.insert({ table, values: payload, format: 'JSONEachRow' });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.session.close();
  }
}
