import type { Command } from 'commander';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Config } from '../config/schema/index.js';
import { resolveDbPath } from '../engine/duckdb/database.js';
import type { ImportReport } from '../engine/ingest/import-events.js';
import type { FileFormat } from '../engine/ingest/sources.js';
import { EXPORT_COUNT_HEADER } from '../server/cli-routes.js';
import { parseDialect, type SqlEngine } from '../engine/sql-engine.js';
import { errorFromServer, isTruenorthError, TruenorthError } from '../errors.js';
import { queryFromParams } from '../app/wire.js';
import { ReplayEngine, type RecordedQuery } from '../server/replay.js';
import { readServerFile, readServerToken, type ServerInfo } from '../server/server-file.js';
import { readConfigIfPresent, type GlobalOptions } from './context.js';
import { MINUTE_MS } from '../model/time.js';

/**
 * The CLI's side of the server: when `truenorth serve` holds the database file, reports and every write go
 * through its HTTP API, saying so in one stderr line. A file nobody holds is opened directly.
 */

/** A running server, with its local admin token when this user can read it. */
export type LiveServer = ServerInfo & { localToken?: string };

/** The server holding `dbPath`, if its address file is there and it answers. */
export async function findLiveServer(dbPath: string): Promise<LiveServer | undefined> {
  const info = readServerFile(dbPath);
  if (!info) return undefined;
  try {
    const res = await fetch(`${info.url}/health`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { pid?: number };
    return body.pid === info.pid ? { ...info, localToken: readServerToken(dbPath) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For a `.catch` after opening the store: when the file is locked and a live server holds it, runs
 * `remote` against that server; otherwise rethrows the original error.
 */
export async function viaServer<T>(
  error: unknown, globals: GlobalOptions, config: Config | undefined, remote: (server: LiveServer) => Promise<T>,
): Promise<T> {
  if (!isTruenorthError(error) || error.code !== 'locked') throw error;
  const dbPath = resolveDbPath(globals.db, (config ?? safeConfig(globals))?.database?.path);
  const server = await findLiveServer(dbPath);
  if (!server) throw error;
  process.stderr.write(`truenorth: ${dbPath} is held by \`truenorth serve\` (pid ${server.pid}); sending the request through ${server.url}\n`);
  return remote(server);
}

function safeConfig(globals: GlobalOptions): Config | undefined {
  try {
    return readConfigIfPresent(globals);
  } catch {
    return undefined;
  }
}

/**
 * Authorization for a server whose read API needs a key: a secret key or the admin token from the
 * environment, else the local admin token the server wrote beside the database.
 */
function authHeaders(server: LiveServer, always = false): Record<string, string> {
  const token = process.env.TRUENORTH_SECRET_KEY || process.env.TRUENORTH_ADMIN_TOKEN || server.localToken;
  if (!token) {
    if (always || server.reads_need_key) {
      throw new TruenorthError('auth', `the server at ${server.url} needs a secret key: set TRUENORTH_SECRET_KEY (or TRUENORTH_ADMIN_TOKEN), or run this as the user who started it`);
    }
    return {};
  }
  return { authorization: `Bearer ${token}` };
}

async function failure(res: Response, server: LiveServer): Promise<TruenorthError> {
  const body: unknown = await res.json().catch(() => undefined);
  return errorFromServer(res.status, body, server.url);
}

/**
 * An engine that answers the report's queries with the rows the server recorded while running the
 * same report: the CLI then prints exactly what it would print on the file itself.
 */
export async function replayEngine(server: LiveServer, program: Command, flags: object, asOf: number): Promise<SqlEngine> {
  const command = program.args[0];
  // The server runs the report on its own engine: the CLI compiles the same engine's SQL to replay it.
  const ready = (await fetch(`${server.url}/ready`).then((r) => r.json(), () => ({}))) as { engine?: unknown };
  const dialect = parseDialect(ready.engine);
  const query = queryFromParams({ ...flags, asOf: new Date(asOf).toISOString() });
  const res = await fetch(`${server.url}/api/v1/${encodeURIComponent(command)}?${query}`, {
    headers: { 'x-truenorth-replay': '1', ...authHeaders(server) },
    signal: AbortSignal.timeout(10 * MINUTE_MS),
  });
  if (!res.ok) {
    const error = await failure(res, server);
    // An older server without this report's route: the report still runs on the file, once it is free.
    if (error.code === 'not_found') throw new TruenorthError('not_found', `the server at ${server.url} has no API for \`${command}\`; stop it to run this report on the file directly`);
    throw error;
  }
  const body = (await res.json()) as { queries: RecordedQuery[] };
  return new ReplayEngine(dialect, body.queries, server.url);
}

/** Streams a file (or stdin for `-`) to the server's import endpoint. */
export async function remoteImport(
  server: LiveServer, kind: 'events' | 'subscriptions' | 'manual', file: string,
  options: { format?: string; from?: string; strict?: boolean; onProgress?: (done: number, total?: number) => void } = {},
): Promise<ImportReport> {
  const query = new URLSearchParams();
  if (options.format) query.set('format', options.format);
  if (options.from) query.set('from', options.from);
  if (options.strict) query.set('strict', '1');
  if (kind === 'manual') query.set('name', file);
  let input: Readable;
  let total: number | undefined;
  if (file === '-') input = process.stdin;
  else {
    try {
      total = statSync(file).size;
    } catch {
      throw new TruenorthError('input', `${file}: no such file`);
    }
    input = createReadStream(file, { highWaterMark: 1 << 20 });
  }
  const url = new URL(`/api/v1/import/${kind}?${query}`, server.url);
  const headers = { 'content-type': 'application/octet-stream', ...authHeaders(server) };
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (e) => reject(new TruenorthError('internal', `lost the server at ${server.url}: ${e.message}`)));
    let sent = 0;
    input.on('data', (chunk: Buffer | string) => {
      sent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      options.onProgress?.(sent, total);
    });
    input.on('error', (e) => req.destroy(e));
    input.pipe(req);
  });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TruenorthError('internal', `unexpected answer from the server at ${server.url} (${status})`);
  }
  if (status >= 400) throw errorFromServer(status, body, server.url);
  return body as ImportReport;
}

/** Calls the key administration API (always needs a secret key or the admin token). */
export function remoteKeys<T>(server: LiveServer, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return remoteJson<T>(server, method, `/api/v1/keys${path}`, body, true);
}

/** One JSON request to the server's API; answers its JSON body. `always`: a key is needed even on loopback. */
export async function remoteJson<T>(server: LiveServer, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, always = false): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...authHeaders(server, always), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw await failure(res, server);
  return (await res.json()) as T;
}

/** Downloads the server's export of every event into `file`; answers how many it holds. */
export async function remoteExport(server: LiveServer, format: FileFormat, file: string): Promise<number> {
  const res = await fetch(`${server.url}/api/v1/export/events?format=${format}`, { headers: authHeaders(server) });
  if (!res.ok || !res.body) throw await failure(res, server);
  const count = Number(res.headers.get(EXPORT_COUNT_HEADER));
  await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(file));
  return count;
}
