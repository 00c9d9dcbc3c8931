import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { main } from '../src/cli/main.js';
import { readServerFile, serverFilePath } from '../src/server/server-file.js';

/**
 * SPEC §7: while `truenorth serve` holds the file, reports and imports go through it, print the same
 * output, and say so in one stderr line; once it stops, the file is opened directly again.
 */
const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-remote-'));
const db = join(dir, 'shop.duckdb');
const config = join(dir, 'truenorth.yaml');
const ADMIN = 'admin-token-for-tests-0123456789';
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs the CLI in this process (only `serve` is a child process), capturing what it prints. The
 * database is a file held by the child, so this process meets the lock exactly as a second
 * terminal would.
 */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, { TRUENORTH_ADMIN_TOKEN: '', TRUENORTH_SECRET_KEY: '', ...env });
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const log = console.log;
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += chunk.toString(); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += chunk.toString(); return true; }) as typeof process.stderr.write;
  console.log = (...parts: unknown[]) => { stdout += parts.map(String).join(' ') + '\n'; };
  try {
    const code = await main(['node', 'truenorth', '--db', db, '--config', config, ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    console.log = log;
    process.exitCode = undefined;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

function events(prefix: string, week: number): string {
  const lines: string[] = [];
  for (let u = 0; u < 20; u++) {
    const user = `${prefix}-${u}`;
    const day = `2026-02-${String(2 + week * 7).padStart(2, '0')}`;
    lines.push(JSON.stringify({ type: 'identify', messageId: `${user}-i`, userId: user, traits: { role: u % 2 ? 'engineer' : 'sales', company_size: 30 }, timestamp: `${day}T08:00:00Z` }));
    lines.push(JSON.stringify({ type: 'track', messageId: `${user}-s`, userId: user, event: 'Signed Up', timestamp: `${day}T09:00:00Z` }));
    if (u < 14) lines.push(JSON.stringify({ type: 'track', messageId: `${user}-w`, userId: user, event: 'Workspace Created', timestamp: `${day}T10:00:00Z` }));
    if (u < 9) for (let k = 0; k < 4; k++) lines.push(JSON.stringify({ type: 'track', messageId: `${user}-m${k}`, userId: user, event: 'Message Sent', properties: { channel: 'general' }, timestamp: `${day}T1${k}:30:00Z` }));
  }
  return lines.join('\n') + '\n';
}

describe('the CLI while serve holds the file', () => {
  it('sends reports and imports through the server, with the same output', async () => {
    writeFileSync(config, exampleConfigYaml('Acme Chat'));
    const first = join(dir, 'first.ndjson');
    writeFileSync(first, events('a', 0) + events('b', 1));
    const setup = await DuckDbStore.open(db);
    await importEvents(setup, first);
    await setup.close();

    const reports = [
      ['funnel', '--weekly', '--json', '--from', '2026-W05', '--to', '2026-W09', '--as-of', '2026-03-30'],
      ['funnel', '--from', '2026-W05', '--to', '2026-W09', '--as-of', '2026-03-30', '--segment', 'ideal'],
      ['retention', '--from', '2026-W05', '--to', '2026-W09', '--as-of', '2026-03-30', '--mode', 'on-or-after'],
    ];
    const local: Awaited<ReturnType<typeof cli>>[] = [];
    for (const args of reports) local.push(await cli(args));
    for (const r of local) expect(r.code, r.stderr).toBe(0);

    const server = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/server-cli.ts', '--db', db, '--config', config, 'serve', '--port', '0', '--log-level', 'warn'], {
      cwd: repo, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRUENORTH_ADMIN_TOKEN: ADMIN },
    });
    children.push(server);
    let serverLog = '';
    server.stderr!.on('data', (c: Buffer) => { serverLog += c.toString(); });
    const deadline = Date.now() + 30_000;
    while (!(readServerFile(db)?.pid === server.pid && (await fetch(`${readServerFile(db)!.url}/ready`).then((r) => r.ok, () => false)))) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve did not start: ${serverLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const info = readServerFile(db)!;
    expect(JSON.stringify(info)).not.toContain(ADMIN);
    expect(info).toMatchObject({ pid: server.pid, reads_need_key: false });

    const second = join(dir, 'second.ndjson');
    writeFileSync(second, events('c', 2) + '{"not json\n');
    const remote: Awaited<ReturnType<typeof cli>>[] = [];
    for (const args of reports) remote.push(await cli(args));
    const keysWithout = await cli(['keys', 'list']);
    const keysWith = await cli(['keys', 'create', '--kind', 'write', '--name', 'via server', '--json'], { TRUENORTH_ADMIN_TOKEN: ADMIN });
    for (let i = 0; i < reports.length; i++) {
      expect(remote[i].code, remote[i].stderr).toBe(0);
      expect(remote[i].stdout, reports[i].join(' ')).toBe(local[i].stdout);
      const lines = remote[i].stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`held by \`truenorth serve\` \\(pid ${server.pid}\\); sending the request through http://127\\.0\\.0\\.1:\\d+`));
    }
    const imported = await cli(['import', 'events', second, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/sending the request through/);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 20 + 20 + 14 + 36, rejected: 1, errors: [{ line: 91 }] });
    expect(keysWithout.code).toBe(1);
    expect(keysWithout.stderr).toMatch(/needs a secret key: set TRUENORTH_SECRET_KEY/);
    expect(keysWith.code, keysWith.stderr).toBe(0);
    expect(JSON.parse(keysWith.stdout).token).toMatch(/^tnw_/);

    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    expect(server.exitCode).toBe(0);
    expect(existsSync(serverFilePath(db))).toBe(false);

    // Nobody holds the file now: the CLI opens it directly, and sees what the server imported.
    const after = await cli(reports[0]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toBe('');
    const signup = (out: string) => (JSON.parse(out) as { weeks: { stages: Record<string, number> }[] }).weeks.reduce((n, w) => n + (w.stages.signup ?? 0), 0);
    expect(signup(local[0].stdout)).toBe(40);
    expect(signup(after.stdout)).toBe(60);
  });
});
