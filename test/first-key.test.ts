/**
 * The first key while `serve` runs: the server writes a local admin token beside the database
 * (readable by its owner alone), and the command its first message suggests, run as printed in
 * another terminal, creates a write key through it, without any secret set up beforehand.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverFilePath, serverTokenPath } from '../src/server/server-file.js';
import { exited, spawnServe, waitForServer, type ServeChild } from './helpers/serve-child.js';

const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-first-key-'));
const db = join(dir, 'first key.duckdb');
let serve: ServeChild | undefined;

afterAll(() => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a printed command line in a shell where `truenorth` is this checkout's CLI, with no key or token in the environment. */
function runAsPrinted(line: string): { status: number | null; stdout: string; stderr: string } {
  const script = `truenorth() { "${process.execPath}" --import tsx test/helpers/server-cli.ts "$@"; }\n${line}`;
  const env = { ...process.env, TRUENORTH_ADMIN_TOKEN: '', TRUENORTH_SECRET_KEY: '', TRUENORTH_DB: '', npm_command: '' };
  return spawnSync('bash', ['-c', script], { cwd: repo, env, encoding: 'utf8' });
}

describe('the first key while serve runs', () => {
  it('serve prints a command that creates a write key through it, and the key sends events', async () => {
    serve = spawnServe(db, { args: ['--log-level', 'info'], env: { npm_command: '' } });
    const info = await waitForServer(db, serve);
    const hint = /no write keys yet: create one with `([^`]+)`/.exec(serve.stderr());
    expect(hint, serve.stderr()).not.toBeNull();
    expect(hint![1]).toBe(`truenorth --db '${db}' keys create`);

    const token = readFileSync(serverTokenPath(db), 'utf8').trim();
    expect(token).toMatch(/^tnl_[A-Za-z0-9_-]{43}$/);
    expect(statSync(serverTokenPath(db)).mode & 0o777).toBe(0o600);
    expect(readFileSync(serverFilePath(db), 'utf8')).not.toContain(token);

    const created = runAsPrinted(hint![1]);
    expect(created.stderr).toMatch(/held by `truenorth serve`.*sending the request through/);
    expect(created.status, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^tnw_[A-Za-z0-9]{32}$/);

    const track = { type: 'track', messageId: 'first-1', userId: 'u-1', event: 'Signed Up', timestamp: '2026-03-02T10:00:00Z' };
    const basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const sent = await fetch(`${info.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic }, body: JSON.stringify(track) });
    expect(sent.status).toBeGreaterThanOrEqual(200);
    expect(sent.status).toBeLessThan(300);

    // The local token administers only this server, and is as secret in its logs as any key.
    const forged = await fetch(`${info.url}/api/v1/keys?token=${token}`, { headers: { authorization: `Bearer ${token}x` } });
    expect(forged.status).toBe(401);
    const listed = await fetch(`${info.url}/api/v1/keys?token=${token}`, { headers: { authorization: `Bearer ${token}` } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { id: string }[]).map((k) => k.id)).toEqual([key.slice(0, 12)]);

    serve.child.kill('SIGTERM');
    await exited(serve.child);
    expect(serve.child.exitCode).toBe(0);
    expect(existsSync(serverTokenPath(db))).toBe(false);
    const log = serve.stderr();
    expect(log).toContain('"url":"/api/v1/keys?token=[redacted]","status":200');
    expect(log).toContain('"url":"/api/v1/keys","status":201,');
    expect(log).toMatch(/"status":201,"ms":[\d.]+,"key":"local"/);
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.slice(4));
    expect(log).not.toContain(key);
  }, 90_000);
});
