import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { listCheckins, listIdeas, reviewNotes } from '../src/engine/workspace.js';
import { readServerFile, serverFilePath, serverTokenPath } from '../src/server/server-file.js';
import { runCli, type CliRun } from './helpers/in-process-cli.js';

/**
 * docs/reliability.md, the CLI while the server runs: while `truenorth serve` holds the file, reports and imports go through it, print the same
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
function cli(args: string[], env: Record<string, string> = {}, dbPath = db): Promise<CliRun> {
  return runCli(['--db', dbPath, '--config', config, ...args], env);
}

/** Starts `truenorth serve` on `dbPath` in a child process; resolves once it answers /ready. */
async function serve(dbPath: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/server-cli.ts', '--db', dbPath, '--config', config, 'serve', '--port', '0', '--log-level', 'warn'], {
    cwd: repo, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRUENORTH_ADMIN_TOKEN: ADMIN },
  });
  children.push(server);
  let serverLog = '';
  server.stderr!.on('data', (c: Buffer) => { serverLog += c.toString(); });
  const deadline = Date.now() + 30_000;
  while (!(readServerFile(dbPath)?.pid === server.pid && (await fetch(`${readServerFile(dbPath)!.url}/ready`).then((r) => r.ok, () => false)))) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve did not start: ${serverLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return server;
}

async function stop(server: ChildProcess): Promise<void> {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  expect(server.exitCode).toBe(0);
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

    const server = await serve(db);
    const info = readServerFile(db)!;
    expect(JSON.stringify(info)).not.toContain(ADMIN);
    expect(info).toMatchObject({ pid: server.pid, reads_need_key: false });

    const second = join(dir, 'second.ndjson');
    writeFileSync(second, events('c', 2) + '{"not json\n');
    const remote: Awaited<ReturnType<typeof cli>>[] = [];
    for (const args of reports) remote.push(await cli(args));
    // Another user of the machine cannot read the server's local token: without a key, keys are refused.
    renameSync(serverTokenPath(db), `${serverTokenPath(db)}.away`);
    const keysWithout = await cli(['keys', 'list']);
    renameSync(`${serverTokenPath(db)}.away`, serverTokenPath(db));
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

    await stop(server);
    expect(existsSync(serverFilePath(db))).toBe(false);
    expect(existsSync(serverTokenPath(db))).toBe(false);

    // Nobody holds the file now: the CLI opens it directly, and sees what the server imported.
    const after = await cli(reports[0]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toBe('');
    const signup = (out: string) => (JSON.parse(out) as { weeks: { stages: Record<string, number> }[] }).weeks.reduce((n, w) => n + (w.stages.signup ?? 0), 0);
    expect(signup(local[0].stdout)).toBe(40);
    expect(signup(after.stdout)).toBe(60);
  });

  it('sends every write, the export and lint through the server, printing what it prints on the file', async () => {
    writeFileSync(config, exampleConfigYaml('Acme Chat'));
    const eventsFile = join(dir, 'writes.ndjson');
    writeFileSync(eventsFile, events('a', 0) + events('b', 1));
    const manual = join(dir, 'manual.csv');
    writeFileSync(manual, 'metric,week,value,entered_by,note\ncash_balance,2026-W08,2400000,cfo,bank statement\nburn,2026-W08,oops,cfo,\n');
    // Two files with the same events: one written directly, one held by `serve`.
    const sides = { file: join(dir, 'direct'), served: join(dir, 'served') } as const;
    for (const side of Object.values(sides)) {
      mkdirSync(side);
      const store = await DuckDbStore.open(join(side, 'shop.duckdb'));
      await importEvents(store, eventsFile);
      await store.close();
    }
    const commands = (side: string) => [
      ['import', 'manual', manual],
      ['record', 'cash_balance', '2,500,000', '--week', '2026-W08', '--by', 'cfo', '--note', 'corrected'],
      ['record', 'burn', '21500', '--month', '2026-02', '--by', 'cfo', '--json'],
      ['okrs', 'checkin', '1', 'onboarding checklist shipped', '--week', '2026-W08', '--kr', 'journey.setup', '--confidence', '0.7', '--by', 'li'],
      ['note', 'north_star', 'a steady week', '--week', '2026-W08', '--by', 'li'],
      ['ideas', 'add', 'Shorter signup form', '--team', 'Product', '--owner', 'li@acme.io', '--metric', 'journey.setup'],
      ['ideas', 'add', 'Onboarding emails', '--team', 'marketing', '--owner', 'sam@acme.io'],
      ['ideas', 'status', '1', 'in-progress'],
      ['ideas', 'list'],
      ['ideas', 'list', '--json'],
      ['export', 'events', join(side, 'events.ndjson')],
      ['export', 'events', join(side, 'events.csv')],
      ['lint', '--json', '--as-of', '2026-03-30'],
      ['lint', '--as-of', '2026-03-30'],
    ];
    const run = async (side: string) => {
      const out: Awaited<ReturnType<typeof cli>>[] = [];
      for (const args of commands(side)) out.push(await cli(args, {}, join(side, 'shop.duckdb')));
      return out;
    };
    const direct = await run(sides.file);
    const server = await serve(join(sides.served, 'shop.duckdb'));
    const served = await run(sides.served);

    // The effect, read back through the server while it holds the file.
    const history = await cli(['record', 'cash_balance', '--history', '--json'], {}, join(sides.served, 'shop.duckdb'));
    expect(history.stderr).toMatch(/sending the request through/);
    expect((JSON.parse(history.stdout) as { entries: { period: string; value: number; entered_by: string }[] }).entries
      .map((e) => [e.period, e.value, e.entered_by])).toEqual([['2026-W08', 2_400_000, 'cfo'], ['2026-W08', 2_500_000, 'cfo']]);
    await stop(server);

    const ignoreTimes = (text: string) => text.replace(/"(created_at|updated_at)": "[^"]+"/g, '"$1": "…"');
    commands(sides.served).forEach((args, i) => {
      const what = args.join(' ');
      const [a, b] = [direct[i], served[i]];
      expect(b.code, `${what}: ${b.stderr}`).toBe(a.code);
      expect(ignoreTimes(b.stdout).replaceAll(sides.served, '<dir>'), what).toBe(ignoreTimes(a.stdout).replaceAll(sides.file, '<dir>'));
      // One line says where the request went; the rest of stderr is what the file run printed.
      const [first, ...rest] = b.stderr.split('\n');
      expect(first, what).toMatch(new RegExp(`held by \`truenorth serve\` \\(pid ${server.pid}\\); sending the request through http://127\\.0\\.0\\.1:\\d+`));
      expect(rest.join('\n'), what).toBe(a.stderr);
    });
    expect(direct[0].stdout).toBe('imported 1, duplicates 0, rejected 1\n');
    expect(direct[0].stderr).toMatch(/^line 3: /);
    expect(direct[1].stdout).toMatch(/^recorded cash_balance = 2,500,000 for 2026-W08 by cfo \(was 2,400,000, entered by cfo on \d{4}-\d\d-\d\d\)\n$/);
    expect(JSON.parse(direct[9].stdout).ideas.map((i: { id: number; status: string }) => [i.id, i.status])).toEqual([[2, 'proposed'], [1, 'in_progress']]);
    expect(direct[10].stdout).toBe(`exported 140 events to ${join(sides.file, 'events.ndjson')}\n`);
    expect(JSON.parse(direct[12].stdout).evidence.weeks).toBe(26);
    for (const name of ['events.ndjson', 'events.csv']) {
      expect(readFileSync(join(sides.served, name), 'utf8'), name).toBe(readFileSync(join(sides.file, name), 'utf8'));
    }

    // Nobody holds the file now: what the server wrote is in it.
    const store = await DuckDbStore.open(join(sides.served, 'shop.duckdb'));
    try {
      expect((await listCheckins(store)).map((c) => [c.objective, c.key_result, c.week, c.confidence, c.author]))
        .toEqual([['Accelerate new user activation', 'journey.setup', '2026-W08', 0.7, 'li']]);
      expect((await reviewNotes(store, '2026-W08')).map((n) => [n.row_id, n.note, n.author])).toEqual([['north_star', 'a steady week', 'li']]);
      expect((await listIdeas(store)).map((i) => [i.id, i.team, i.status])).toEqual([[2, 'marketing', 'proposed'], [1, 'product', 'in_progress']]);
    } finally {
      await store.close();
    }
  });
});
