import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/engine/duckdb/database.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/truenorth.js');

let dir: string;
let db: string;

beforeAll(() => {
  // `npm run build`, without npm's start-up time. tsc emits even when another part of the tree has a
  // type error, which `npm run typecheck` reports on its own.
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('npm run build did not produce dist/cli/main.js');
  dir = mkdtempSync(join(tmpdir(), 'truenorth-cli-'));
  db = join(dir, 'cli.duckdb');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run { code: number | null; stdout: string; stderr: string }

function truenorth(args: string[], stdin?: string): Promise<Run> {
  const env = { ...process.env };
  delete env.TRUENORTH_DB;
  delete env.TRUENORTH_CONFIG;
  delete env.TRUENORTH_DEBUG;
  const child = spawn(process.execPath, [BIN, '--db', db, ...args], { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdin.end(stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const json = (value: unknown) => JSON.stringify(value);
const track = (id: string, event = 'Message Sent') => json({ type: 'track', event, userId: 'u1', messageId: id, timestamp: '2026-01-05T10:00:00Z' });

async function eventCount(): Promise<number> {
  const store = await DuckDbStore.open(db, { readOnly: true });
  try {
    return (await store.all<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n;
  } finally {
    await store.close();
  }
}

// One database for the whole file: the runs below build on each other, in order.
describe('truenorth import (CLI)', () => {
  it('import events: prints the counts, reports bad lines on stderr, exits 0; a second run is all duplicates', async () => {
    const path = file('events.ndjson', [track('e-1'), track('e-2', ''), '', track('e-4'), '{"type":', track('e-6')]);
    const first = await truenorth(['import', 'events', path]);
    expect(first).toEqual({
      code: 0,
      stdout: 'imported 3, duplicates 0, rejected 2\n',
      stderr: 'line 2: event: required, a non-empty string\n' + first.stderr.split('\n')[1] + '\n',
    });
    expect(first.stderr.split('\n')[1]).toMatch(/^line 5: invalid JSON \(/);
    expect(await truenorth(['import', 'events', path])).toMatchObject({ code: 0, stdout: 'imported 0, duplicates 3, rejected 2\n' });
    expect(await eventCount()).toBe(3);
  });

  it('--strict: exits non-zero with one line, no stack trace, and imports nothing', async () => {
    const path = file('strict.ndjson', [track('s-1'), track('s-2'), track('s-3', '')]);
    expect(await truenorth(['import', 'events', path, '--strict'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `truenorth: ${path} line 3: event: required, a non-empty string; nothing was imported (--strict)\n`,
    });
    expect(await eventCount()).toBe(3);
  });

  it('import events - reads stdin; --json prints the report', async () => {
    const run = await truenorth(['import', 'events', '-', '--json'], [track('in-1'), 'oops', track('in-2')].join('\n') + '\n');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ format: 'ndjson', imported: 2, duplicates: 0, rejected: 1, errors: [{ line: 2 }] });
    expect(await eventCount()).toBe(5);
  });

  it('import events: a garbled CSV row is named by its line', async () => {
    const path = file('events.csv', [
      'type,event,userId,timestamp,messageId',
      'track,A,u1,2026-01-05T10:00:00Z,csv-2',
      'track,A,u1,2026-01',
      'track,A,u1,2026-01-05T10:00:00Z,csv-4',
    ]);
    expect(await truenorth(['import', 'events', path])).toEqual({
      code: 0,
      stdout: 'imported 2, duplicates 0, rejected 1\n',
      stderr: 'line 3: invalid CSV (Invalid Record Length: columns length is 5, got 4)\n',
    });
  });

  it('import subscriptions: a bad row names its line; --strict fails with one line', async () => {
    const path = file('ledger.csv', [
      'account_id,effective_at,mrr,plan,currency',
      'acme,2026-01-01,49,team,usd',
      'globex,2026-01-03,abc,team,usd',
      'globex,2026-01-04,99,business,usd',
    ]);
    expect(await truenorth(['import', 'subscriptions', path, '--strict'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `truenorth: ${path} line 3: mrr: not a number: "abc"; nothing was imported (--strict)\n`,
    });
    expect(await truenorth(['import', 'subscriptions', path])).toEqual({
      code: 0,
      stdout: 'imported 2, duplicates 0, rejected 1\n',
      stderr: 'line 3: mrr: not a number: "abc"\n',
    });
  });
});
