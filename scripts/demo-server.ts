/**
 * The demo company behind `truenorth serve`, for the browser tests and the screenshots: generates
 * it with `truenorth demo --no-open` and starts `serve` on it as a child process, both from source.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = ['--import', 'tsx', join(ROOT, 'scripts/cli.ts')];

export interface DemoOptions {
  users?: number;
  weeks?: number;
  /** The Monday the data stops before: fixed, so the numbers do not depend on today. */
  end?: string;
  seed?: number;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Writes truenorth.yaml and truenorth.duckdb for the demo company into `dir`. */
export async function buildDemo(dir: string, options: DemoOptions = {}): Promise<{ config: string; db: string; output: string }> {
  const args = ['demo', '--no-open', '--dir', dir, '--end', options.end ?? '2026-03-02'];
  if (options.users) args.push('--users', String(options.users));
  if (options.weeks) args.push('--weeks', String(options.weeks));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  const result = await run(args);
  if (result.code !== 0) throw new Error(`truenorth demo failed (${result.code}): ${result.stderr || result.stdout}`);
  return { config: join(dir, 'truenorth.yaml'), db: join(dir, 'truenorth.duckdb'), output: result.stdout };
}

/** Runs a CLI command on the demo (keys, record, …). */
export async function cli(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(['--config', join(dir, 'truenorth.yaml'), '--db', join(dir, 'truenorth.duckdb'), ...args], env);
}

export interface Served {
  url: string;
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

/** `truenorth serve --port 0` on the demo; resolves with its URL once it answers /ready. */
export async function serveDemo(dir: string, options: { host?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const args = ['--config', join(dir, 'truenorth.yaml'), '--db', join(dir, 'truenorth.duckdb'), 'serve', '--port', '0', '--log-level', 'warn'];
  if (options.host) args.push('--host', options.host);
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRUENORTH_ADMIN_TOKEN: '', ...options.env },
  });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    const match = /serving .* on (http:\/\/\S+) \(pid/.exec(log);
    if (match) url = match[1];
    else {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`truenorth serve did not start: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  while (!(await fetch(`${url}/ready`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`truenorth serve is not ready: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** dist/web, built if it is missing (the server serves the dashboard from there). */
export async function ensureWebBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'dist/web/index.html'))) return;
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(ROOT, 'web/vite.config.ts'), '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
}
