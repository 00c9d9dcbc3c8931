/**
 * `truenorth --help` (docs/cli.md): commands grouped by task, a mistyped command or option answered
 * with the whole corrected command line, and no database driver loaded to print the help.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TASK_GROUPS } from '../src/cli/help-groups.js';
import { buildProgram } from '../src/cli/main.js';
import { runCli } from './helpers/in-process-cli.js';

afterEach(() => vi.unstubAllEnvs());

describe('truenorth --help', () => {
  it('lists every command under its task, the tasks in order', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    const headings = stdout.split('\n').filter((line) => /^\S.*:$/.test(line));
    expect(headings).toEqual(['Options:', ...TASK_GROUPS.map(([heading]) => heading)]);
    // Each command under the heading of its group, none left under a plain "Commands:".
    const groupOf = new Map<string, string>();
    let heading = '';
    for (const line of stdout.split('\n')) {
      if (/^\S.*:$/.test(line)) heading = line;
      const command = /^ {2}([a-z][\w-]*)/.exec(line)?.[1];
      if (command && heading !== 'Options:') groupOf.set(command, heading);
    }
    const names = buildProgram().commands.map((c) => c.name());
    expect(names.length).toBeGreaterThan(25);
    for (const [group, commands] of TASK_GROUPS) for (const name of commands) expect(groupOf.get(name), name).toBe(group);
    for (const name of names) expect(TASK_GROUPS.some(([, commands]) => commands.includes(name)), `${name} has no task group`).toBe(true);
  });

  it('groups serve\'s many options by what they set', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    expect(stdout.split('\n').filter((line) => /^\S.*:$/.test(line))).toEqual(['Address:', 'Limits:', 'Connections:', 'Logs:', 'Options:', 'Environment:']);
    expect(stdout).toMatch(/Logs:\n {2}--log-level <level>.*\n.*\n {2}--log-format <format>/);
  });

  it('shows the whole command the user meant, their other arguments kept', async () => {
    vi.stubEnv('npm_command', '');
    const cases: [string[], string][] = [
      [['scorcard', '--week', '2026-W09'], "error: unknown command 'scorcard'; did you mean: truenorth scorecard --week 2026-W09"],
      [['keys', 'craete', '--kind', 'secret'], "error: unknown command 'craete'; did you mean: truenorth keys create --kind secret"],
      [['--db', 'data/shop db.duckdb', 'scorecard', '--jsn'], "error: unknown option '--jsn'; did you mean: truenorth --db 'data/shop db.duckdb' scorecard --json"],
      [['retention', '--segmnt', 'ideal'], "error: unknown option '--segmnt'; did you mean: truenorth retention --segment ideal"],
    ];
    for (const [argv, line] of cases) {
      const { code, stderr } = await runCli(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr.split('\n')[0], argv.join(' ')).toBe(line);
    }
    // Nothing close: the error alone.
    expect((await runCli(['frobnicate'])).stderr.split('\n')[0]).toBe("error: unknown command 'frobnicate'");
  });

  it('does not load a database driver; opening a store does', async () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules\\/(@duckdb\\/node-api|@clickhouse\\/client|fastify|nodemailer)\\//.test(k)).map((k) => k.replace(/.*node_modules\\//, '').split('/').slice(0, k.includes('/@') ? 2 : 1).join('/'));
      const { main } = await import('./src/cli/main.ts');
      const out = process.stdout.write.bind(process.stdout);
      process.stdout.write = () => true;
      const code = await main(['node', 'truenorth', '--help']);
      process.stdout.write = out;
      const afterHelp = [...new Set(loaded())];
      const { DuckDbStore } = await import('./src/engine/duckdb/database.ts');
      await (await DuckDbStore.open(':memory:')).close();
      console.log(JSON.stringify({ code, afterHelp, afterOpen: [...new Set(loaded())] }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { code: number; afterHelp: string[]; afterOpen: string[] };
    expect(result.code).toBe(0);
    expect(result.afterHelp).toEqual([]);
    expect(result.afterOpen).toContain('@duckdb/node-api');
  }, 60_000);
});
