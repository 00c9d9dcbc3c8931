/**
 * The pack-install-run test (slow: a build, `npm pack`, `npm install` of the tarball; about a
 * minute). The package as a team gets it: the tarball installed into an empty folder, then
 * `truenorth --version`, `truenorth demo --no-open` and `truenorth serve` run from there, the first
 * key created with the command serve prints, the embedded ClickHouse engine absent by default. It
 * also measures the default install that the README quotes.
 */
import { execFile, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerFile } from '../src/server/server-file.js';
import { exited, waitForServer } from './helpers/serve-child.js';

const repo = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'truenorth-install-'));
const stage = join(work, 'stage');
const home = join(work, 'team');
const bin = join(home, 'node_modules', '.bin');
const pkg = (await import('../package.json', { with: { type: 'json' } })).default as { version: string };
/** The environment of a shell in `home`: the installed bin on the PATH, nothing of the test run's npm or keys. */
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && !name.startsWith('TRUENORTH_'))),
  PATH: `${bin}:${process.env.PATH ?? ''}`,
};
const MB = 1024 * 1024;
let installSeconds = 0;
let installBytes = 0;

function run(command: string, args: string[], cwd = home): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
}

/**
 * The same, without blocking this process while it runs: with a server's keep-alive connections
 * open, a blocked event loop would miss the server closing an idle one and reuse it afterwards.
 */
function runBeside(command: string, args: string[], cwd = home): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, encoding: 'utf8', timeout: 180_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A fresh build of the CLI and the dashboard in a staging copy, packed, installed into an empty folder. */
beforeAll(() => {
  for (const entry of ['package.json', 'README.md', 'LICENSE', 'bin', 'docs']) cpSync(join(repo, entry), join(stage, entry), { recursive: true });
  const tsc = run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')], repo);
  expect(tsc.stdout + tsc.stderr).toBe('');
  const vite = run(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn', '--outDir', join(stage, 'dist/web'), '--emptyOutDir'], repo);
  expect(vite.status, vite.stderr).toBe(0);
  const pack = run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], stage);
  expect(pack.status, pack.stderr).toBe(0);
  const tarball = join(work, `truenorth-${pkg.version}.tgz`);
  expect(existsSync(tarball)).toBe(true);

  mkdirSync(home);
  writeFileSync(join(home, 'package.json'), '{ "private": true }\n');
  const started = performance.now();
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  installSeconds = (performance.now() - started) / 1000;
  expect(install.status, install.stderr).toBe(0);
  installBytes = Number(run('du', ['-sk', 'node_modules']).stdout.split('\t')[0]) * 1024;
  process.stderr.write(`default install: ${(installBytes / MB).toFixed(0)} MB of node_modules in ${installSeconds.toFixed(1)} s\n`);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the installed package', () => {
  it('is small and quick to install, without the embedded ClickHouse engine', () => {
    expect(readdirSync(join(home, 'node_modules'))).not.toContain('chdb');
    expect(installBytes).toBeGreaterThan(10 * MB);
    expect(installBytes).toBeLessThan(300 * MB);
    expect(installSeconds).toBeLessThan(90);
  });

  it('prints its version', () => {
    const version = run('truenorth', ['--version']);
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe(`${pkg.version}\n`);
    expect(version.status).toBe(0);
  });

  it('says in one line how to get the embedded ClickHouse engine when it is asked for', () => {
    writeFileSync(join(home, 'one.ndjson'), '{"type":"track","userId":"u1","event":"Signed Up","timestamp":"2026-03-02T10:00:00Z","messageId":"m1"}\n');
    const chdb = run('truenorth', ['--engine', 'clickhouse', '--db', 'events.chdb', 'import', 'events', 'one.ndjson']);
    expect(chdb.stdout).toBe('');
    expect(chdb.stderr).toBe('truenorth: the embedded ClickHouse engine is not installed: run `npm install chdb` next to truenorth, or give a ClickHouse server URL\n');
    expect(chdb.status).toBe(1);
  });

  it('runs the demo, then serves it: /ready, the dashboard, the first key as printed, an event with it', async () => {
    const demo = run('truenorth', ['demo', '--no-open', '--users', '300', '--end', '2026-11-16']);
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/^Scorecard, week 2026-W46$/m);
    expect(demo.stdout).toMatch(/^Bottleneck: .+ converts [\d.]+ % against a [\d.]+ % target/m);
    expect(demo.stdout).toMatch(/^Planted in this company: Only 21 % of signups create a workspace/m);

    const dir = join(home, 'truenorth-demo');
    const child = spawn('truenorth', ['serve', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    try {
      const info = await waitForServer(join(dir, 'truenorth.duckdb'), { child, stderr: () => stderr });
      expect((await fetch(`${info.url}/ready`)).status).toBe(200);
      const page = await fetch(`${info.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">/);

      const hint = /no write keys yet: create one with `([^`]+)`/.exec(stderr);
      expect(hint, stderr).not.toBeNull();
      expect(hint![1]).toBe('truenorth keys create');
      const created = await runBeside('bash', ['-c', hint![1]], dir);
      expect(created.status, created.stderr).toBe(0);
      const key = created.stdout.trim();
      expect(key).toMatch(/^tnw_/);
      const track = { type: 'track', messageId: 'installed-1', userId: 'u-1', event: 'Signed Up', timestamp: '2026-11-10T10:00:00Z' };
      const sent = await fetch(`${info.url}/v1/track`, {
        method: 'POST', body: JSON.stringify(track),
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
      });
      expect(sent.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(child.exitCode, stderr).toBe(0);
    expect(readServerFile(join(dir, 'truenorth.duckdb'))).toBeUndefined();
  }, 120_000);
});
