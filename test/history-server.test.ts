import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { TruenorthServer } from '../src/server/app.js';
import { runCli } from './helpers/in-process-cli.js';
import { readBeside } from './helpers/read-beside.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures/history', name));

let dir: string;
let store: DuckDbStore;
let server: TruenorthServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'truenorth-history-server-'));
  const configPath = join(dir, 'truenorth.yaml');
  writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
  store = await DuckDbStore.open(join(dir, 'db.duckdb'));
  server = await TruenorthServer.create({ store, host: '127.0.0.1', port: 0, configPath, logger: false });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const upload = async (query: string, payload: Buffer) => {
  const res = await server.app.inject({ method: 'POST', url: `/api/v1/import/events${query}`, headers: { 'content-type': 'application/octet-stream' }, payload });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
};

describe('history exports through a running server (what `truenorth import events` sends while serve holds the file)', () => {
  it('an Amplitude zip is read from the spooled upload; a gzipped Mixpanel export with from=mixpanel; a bad from= is a 400', async () => {
    expect(await upload('', fixture('amplitude.zip'))).toMatchObject({ status: 200, body: { imported: 4, duplicates: 0, rejected: 0 } });
    expect(await upload('?from=mixpanel', gzipSync(fixture('mixpanel.ndjson')))).toMatchObject({ status: 200, body: { imported: 6, duplicates: 1, rejected: 0 } });
    expect(await upload('', fixture('amplitude.zip'))).toMatchObject({ status: 200, body: { imported: 0, duplicates: 4 } });
    const [{ n }] = await readBeside<{ n: number }>(store, 'SELECT count(*)::INTEGER AS n FROM events');
    expect(n).toBe(3 + 5);
    const bad = await upload('?from=heap', Buffer.from('{}\n'));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('--from: expected mixpanel, amplitude, posthog, segment, got heap');
  });
});

describe('truenorth import events with a history export', () => {
  it('--from is checked; a bad line in a zip is printed with its file inside the archive', async () => {
    const db = join(dir, 'cli.duckdb');
    const bad = await runCli(['--db', db, 'import', 'events', join(import.meta.dirname, 'fixtures/history/amplitude.zip'), '--from', 'heap']);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toContain('--from: expected mixpanel, amplitude, posthog, segment, got heap');
    const run = await runCli(['--db', db, 'import', 'events', join(import.meta.dirname, 'fixtures/history/amplitude-bad-line.zip'), '--from', 'amplitude']);
    expect(run).toEqual({
      code: 0,
      stdout: 'imported 1, duplicates 0, rejected 1\n',
      stderr: '412345/412345_2026-01-05_9#0.json.gz line 2: event_type: required, a non-empty string\n',
    });
  });
});
