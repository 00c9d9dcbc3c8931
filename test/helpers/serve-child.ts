import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readServerFile, type ServerInfo } from '../../src/server/server-file.js';

/** A real `truenorth serve` child process of the tests, with what it wrote to stderr. */
export interface ServeChild {
  child: ChildProcess;
  stderr(): string;
}

const repo = join(import.meta.dirname, '..', '..');

/** Starts `truenorth serve` from source on `db` (port 0, no config unless `config` names one). */
export function spawnServe(db: string, options: { env?: Record<string, string>; args?: string[]; config?: string } = {}): ServeChild {
  const config = options.config ?? join(db, '..', 'none.yaml');
  const argv = ['--import', 'tsx', 'test/helpers/server-cli.ts', '--db', db, '--config', config, 'serve', '--port', '0', '--log-level', 'warn', ...(options.args ?? [])];
  const env = { ...process.env, TRUENORTH_ADMIN_TOKEN: '', ...options.env };
  const child = spawn(process.execPath, argv, { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return { child, stderr: () => stderr };
}

/** Waits until the child's address file names it and /ready answers 200. */
export async function waitForServer(db: string, { child, stderr }: ServeChild, timeoutMs = 30_000): Promise<ServerInfo> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr()}`);
    const info = readServerFile(db);
    if (info && info.pid === child.pid) {
      const ok = await fetch(`${info.url}/ready`).then((r) => r.ok, () => false);
      if (ok) return info;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start in ${timeoutMs / 1000} s: ${stderr()}`);
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}
