/**
 * The server log's two forms (docs/server.md#logs): readable lines on a terminal, one JSON object a
 * line otherwise, `serve --log-format` to choose. That secrets are masked in both forms, in every
 * position and encoding, is test/server-log-redaction.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { defaultLogFormat, logStream } from '../src/server/log-format.js';
import { runCli } from './helpers/in-process-cli.js';
import { exited, spawnServe, waitForServer } from './helpers/serve-child.js';

const LINE = JSON.stringify({ level: 30, time: Date.UTC(2026, 2, 2, 10, 0, 0), pid: 1, hostname: 'h', reqId: 'req-1', msg: 'request', method: 'GET', url: '/api/v1/scorecard', status: 200, ms: 12.5, key: 'tns_ab12cd34' }) + '\n';
const ANSI = /\x1b\[/;

function capture(isTTY?: boolean) {
  const out: string[] = [];
  return { out, destination: { write: (line: string) => out.push(line), isTTY } };
}

const dir = mkdtempSync(join(tmpdir(), 'truenorth-log-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the log format', () => {
  afterAll(() => vi.unstubAllEnvs());

  it('is readable on a terminal and JSON elsewhere unless chosen', () => {
    expect(defaultLogFormat({ write: () => true, isTTY: true })).toBe('pretty');
    expect(defaultLogFormat({ write: () => true })).toBe('json');
    expect(defaultLogFormat(process.stderr)).toBe(process.stderr.isTTY ? 'pretty' : 'json');
  });

  it('shows a request as one readable line, coloured on a terminal only (and never with NO_COLOR)', () => {
    const plain = capture(false);
    logStream(plain.destination, 'pretty', []).write(LINE);
    expect(plain.out.join('')).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/api\/v1\/scorecard 200 12\.5 ms tns_ab12cd34\n$/);
    const tty = capture(true);
    vi.stubEnv('NO_COLOR', '');
    logStream(tty.destination, 'pretty', []).write(LINE);
    expect(tty.out.join('')).toMatch(ANSI);
    vi.stubEnv('NO_COLOR', '1');
    const noColor = capture(true);
    logStream(noColor.destination, 'pretty', []).write(LINE);
    expect(noColor.out.join('')).not.toMatch(ANSI);
    const json = capture(true);
    logStream(json.destination, 'json', []).write(LINE);
    expect(json.out).toEqual([LINE]);
  });

  it('is chosen with serve --log-format, and a wrong one is refused', async () => {
    const refused = await runCli(['--db', join(dir, 'x.duckdb'), 'serve', '--log-format', 'xml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("argument 'xml' is invalid. Allowed choices are pretty, json.");
    const db = join(dir, 'serve.duckdb');
    // Its stderr is a pipe: JSON unless told otherwise.
    const served = spawnServe(db, { args: ['--log-format', 'pretty', '--log-level', 'info'] });
    try {
      const info = await waitForServer(db, served);
      await fetch(`${info.url}/health`);
      await expect.poll(() => served.stderr()).toMatch(/INFO: GET \/health 200 [\d.]+ ms/);
      expect(served.stderr()).not.toContain('"msg":"request"');
    } finally {
      served.child.kill('SIGTERM');
      await exited(served.child);
    }
  }, 60_000);
});
