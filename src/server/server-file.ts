import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * While `truenorth serve` holds a database file, it writes `<db>.server.json` beside it: where to
 * reach it, and nothing secret. The CLI reads it when it finds the file locked, and sends its
 * request through the server instead. Beside it, `<db>.server.token` (readable by its owner alone)
 * holds the local admin token: the CLI of the same user on the same machine administers the server
 * with it (creates the first key) without any secret set up beforehand.
 */
export interface ServerInfo {
  url: string;
  pid: number;
  host: string;
  port: number;
  /** Whether the read API needs a secret key (it does unless the server is bound to loopback). */
  reads_need_key: boolean;
  started_at: string;
  version: 1;
}

export function serverFilePath(dbPath: string): string {
  return `${dbPath}.server.json`;
}

export function serverTokenPath(dbPath: string): string {
  return `${dbPath}.server.token`;
}

/** Written whole or not at all, and only ever readable by the owner (the mode is set even on a file left behind). */
function writePrivate(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** The token first, then the address: a CLI that finds the address finds the token too. */
export function writeServerFile(dbPath: string, info: ServerInfo, localToken: string): void {
  writePrivate(serverTokenPath(dbPath), `${localToken}\n`);
  writePrivate(serverFilePath(dbPath), JSON.stringify(info, null, 2) + '\n');
}

export function readServerFile(dbPath: string): ServerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(serverFilePath(dbPath), 'utf8')) as ServerInfo;
    if (typeof info.url !== 'string' || typeof info.pid !== 'number') return undefined;
    return info;
  } catch {
    return undefined;
  }
}

/** The running server's local admin token, when this user can read it. */
export function readServerToken(dbPath: string): string | undefined {
  try {
    return readFileSync(serverTokenPath(dbPath), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Removes both files if they are still this process's (a newer server may have replaced them). */
export function removeServerFile(dbPath: string, pid: number = process.pid): void {
  const info = readServerFile(dbPath);
  if (info && info.pid !== pid) return;
  for (const path of [serverFilePath(dbPath), serverTokenPath(dbPath)]) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

/** The URL a client on this machine uses to reach a server bound to `host`. */
export function localUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether a connection comes from this machine (`::ffff:127.0.0.1` is IPv4 loopback on a dual-stack socket). */
export function peerIsLoopback(address: string | undefined): boolean {
  return address !== undefined && isLoopback(address.replace(/^::ffff:/i, ''));
}
