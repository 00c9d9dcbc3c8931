/**
 * `truenorth bench` in a checkout: a thin command that hands its arguments to the bench tool
 * (tools/bench/main.ts) and exits with its code; the tool's ingestion test sends its load from a
 * child process of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-bench-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function truenorth(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('truenorth bench', () => {
  it('prints the bench tool\'s own usage: its options and commands', () => {
    const top = truenorth('bench', '--help');
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('Usage: truenorth bench [options] [command]');
    expect(top.stdout).toMatch(/--engine <engine>\s+duckdb \| clickhouse \| both/);
    expect(top.stdout).toMatch(/^\s+ingest \[options\]\s+HTTP ingestion with durable acks/m);
    const run = truenorth('bench', 'run', '--help');
    expect(run.status).toBe(0);
    for (const option of ['--scale <n>', '--runs <n>', '--import-runs <n>', '--http-runs <n>', '--http-events <n>', '--only <phases>', '--reports <names>', '--tile <n>', '--data <dir>', '--out <dir>', '--json', '--live', '--rate <n>', '--seconds <n>']) {
      expect(run.stdout).toContain(option);
    }
  });

  it('passes the program\'s --engine on, and exits with the tool\'s code and its one-line error', () => {
    const bad = truenorth('--engine', 'oracle', 'bench', '--scale', '1m', '--only', 'reports');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('truenorth: --engine: expected duckdb, clickhouse or both, got "oracle"\n');
    const unknown = truenorth('bench', '--no-such-option');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe("error: unknown option '--no-such-option'");
  });

  it('ingest: every event the load client sent was acknowledged and stored', () => {
    const r = truenorth('bench', 'ingest', '--events', '2500', '--batch', '100', '--concurrency', '4', '--dir', dir, '--json');
    expect(r.stderr).not.toContain('truenorth:');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as { events: number; requests: number; stored: number; p50_ms: number; p99_ms: number; retried: number };
    expect(result.events).toBe(2500);
    expect(result.stored).toBe(2500);
    expect(result.requests).toBe(25);
    expect(result.p50_ms).toBeGreaterThan(0);
    expect(result.p99_ms).toBeGreaterThanOrEqual(result.p50_ms);
  });
});
