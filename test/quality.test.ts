import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { configNames } from '../src/config/names.js';
import { exampleConfigYaml } from '../src/config/template.js';
import { importEventsToClickHouse } from '../src/engine/clickhouse/import.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { FUTURE_LIMIT_MS, normalizeMessage } from '../src/engine/ingest/normalize.js';
import { reportContext } from '../src/reports/context.js';
import { qualityReport, type QualityReport } from '../src/reports/quality.js';
import { openChdb } from './helpers/engines.js';
import { spawnServe, waitForServer } from './helpers/serve-child.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { modelFromConfig } from '../src/config/model.js';
import { readBeside } from './helpers/read-beside.js';

const YEAR = 365 * 86_400_000;
let t: TestServer;
const configDir = mkdtempSync(join(tmpdir(), 'truenorth-quality-config-'));

beforeAll(async () => {
  const configPath = join(configDir, 'truenorth.yaml');
  writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
  t = await startTestServer('quality', { logger: false, configPath });
});
afterAll(async () => {
  await t.close();
  rmSync(configDir, { recursive: true, force: true });
});

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function segmentBatch(batch: unknown[], sentAt?: string): Promise<{ status: number; body: { accepted?: number; rejected?: unknown[] } }> {
  const res = await fetch(`${t.url}/v1/batch`, {
    method: 'POST', headers: { authorization: basic(t.write.token), 'content-type': 'application/json' },
    body: JSON.stringify({ batch, ...(sentAt ? { sentAt } : {}) }),
  });
  return { status: res.status, body: await res.json() };
}

async function quality(asOf?: string): Promise<QualityReport> {
  const res = await fetch(`${t.url}/api/v1/quality${asOf ? `?as_of=${asOf}` : ''}`);
  expect(res.status).toBe(200);
  return (await res.json()) as QualityReport;
}

const rows = (report: QualityReport, kind: string) =>
  report.rows.filter((r) => r.kind === kind).map((r) => ({ reason: r.reason, source: r.source, all: r.all_time, week: r.last_7_days }));

describe('timestamps from the future', () => {
  it('replaces a timestamp more than 23 hours after receipt by the receipt time, keeping the original', () => {
    const receivedAt = Date.UTC(2026, 5, 1, 12);
    const within = normalizeMessage({ type: 'track', event: 'x', userId: 'u', timestamp: new Date(receivedAt + FUTURE_LIMIT_MS).toISOString() }, { receivedAt });
    expect(within).toMatchObject({ ok: true, messages: [{ timestamp: receivedAt + FUTURE_LIMIT_MS }] });
    expect('futureClamped' in within).toBe(false);
    const ahead = new Date(receivedAt + FUTURE_LIMIT_MS + 1000).toISOString();
    const clamped = normalizeMessage({ type: 'track', event: 'x', userId: 'u', timestamp: ahead }, { receivedAt });
    expect(clamped).toMatchObject({ ok: true, futureClamped: true, messages: [{ timestamp: receivedAt, properties: { $original_timestamp: ahead } }] });
    // A file import measures against the time the import started.
    const imported = normalizeMessage({ distinct_id: 'd', event: 'x', timestamp: ahead }, { importedAt: receivedAt });
    expect(imported).toMatchObject({ ok: true, futureClamped: true, messages: [{ timestamp: receivedAt }] });
  });
});

describe('data-quality counters through HTTP ingestion and the report', () => {
  let before: number;
  let after: number;
  const future = new Date(Date.now() + 10 * YEAR).toISOString();

  beforeAll(async () => {
    before = Date.now();
    const now = new Date().toISOString();
    const first = await segmentBatch([
      { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm1', timestamp: now },
      { type: 'track', event: 'Signed Up', userId: 'u2', messageId: 'm2', timestamp: future },
      { type: 'track', userId: 'u3', messageId: 'm3', timestamp: now },
      { type: 'track', event: 'Signed Up', userId: 'u4', messageId: 'm4', timestamp: 'yesterday' },
      { type: 'track', event: 'Signed Up', messageId: 'm5', timestamp: now },
    ]);
    expect(first).toMatchObject({ status: 200, body: { accepted: 2 } });
    // A client whose clock is two hours fast: corrected with sentAt, and counted.
    const fast = new Date(Date.now() + 2 * 3_600_000).toISOString();
    expect((await segmentBatch([{ type: 'track', event: 'Signed Up', userId: 'u6', messageId: 'm6', timestamp: fast }], fast)).status).toBe(200);
    // m1 again: a duplicate. Then a batch whose every message is rejected: a 400, still counted.
    expect((await segmentBatch([{ type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm1', timestamp: now }])).status).toBe(200);
    expect((await segmentBatch([{ type: 'track', userId: 'u7' }, { type: 'track', event: 'x' }])).status).toBe(400);
    after = Date.now();
  });

  it('stores the clamped event at its receipt time with the original timestamp', async () => {
    const [row] = await readBeside<{ ts: Date; original: string }>(t.store,
      `SELECT ts, json_extract_string(properties, '$."$original_timestamp"') AS original FROM events WHERE id = 'm2'`);
    expect(row.ts.getTime()).toBeGreaterThanOrEqual(before);
    expect(row.ts.getTime()).toBeLessThanOrEqual(after);
    expect(row.original).toBe(future);
  });

  it('reports exactly what was sent: rejected by reason, clamped, corrected, duplicates, 7 days and all time', async () => {
    const report = await quality();
    const sent = { rejected: 5, future_clamped: 1, clock_skew_corrected: 1, duplicates: 1 };
    expect(report.totals).toEqual({ last_7_days: sent, all_time: sent });
    expect(rows(report, 'rejected')).toEqual([
      { reason: 'event', source: 'http:segment', all: 2, week: 2 },
      { reason: 'userId', source: 'http:segment', all: 2, week: 2 },
      { reason: 'timestamp', source: 'http:segment', all: 1, week: 1 },
    ]);
    expect(rows(report, 'future_clamped')).toEqual([{ reason: null, source: 'http:segment', all: 1, week: 1 }]);
    // Ten days on, the same counts are all time only.
    const later = await quality(new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10));
    expect(later.totals.all_time).toEqual(sent);
    expect(later.totals.last_7_days).toEqual({ rejected: 0, future_clamped: 0, clock_skew_corrected: 0, duplicates: 0 });
  });

  it('lists the config\'s event names that no stored event has: the config\'s names less the stored ones', async () => {
    const config = parseConfig(exampleConfigYaml('Acme Chat'));
    const reader = await t.store.reader();
    const stored = new Set((await reader.all<{ event: string }>('SELECT DISTINCT event FROM events')).map((r) => r.event));
    await reader.close();
    const expected = new Set(configNames(config).filter((n) => n.kind === 'event' && !stored.has(n.name)).map((n) => n.name));
    const report = await quality();
    expect(expected.size).toBeGreaterThan(0);
    expect(new Set(report.unknown_config_names.map((f) => f.name))).toEqual(expected);
    expect(report.unknown_config_names.every((f) => f.rule === 'unknown-event' && f.path.length > 0)).toBe(true);
  });

  it('counts a file import under its own source, with the import time as receipt', async () => {
    const path = join(t.dir, 'future.ndjson');
    writeFileSync(path, [
      JSON.stringify({ type: 'track', event: 'Imported', userId: 'f1', messageId: 'f1', timestamp: future }),
      JSON.stringify({ type: 'track', event: 'Imported', userId: 'f2', messageId: 'f2', timestamp: '2026-01-05T10:00:00Z' }),
      JSON.stringify({ type: 'track', event: 'Imported', messageId: 'f3', timestamp: '2026-01-05T10:00:00Z' }),
      '{not json',
    ].join('\n'));
    const started = Date.now();
    const report = await t.server.queue.exclusive((store) => importEvents(store, path));
    expect(report).toMatchObject({ imported: 2, rejected: 2 });
    const [row] = await readBeside<{ ts: Date }>(t.store, `SELECT ts FROM events WHERE id = 'f1'`);
    expect(row.ts.getTime()).toBeGreaterThanOrEqual(started);
    expect(row.ts.getTime()).toBeLessThanOrEqual(Date.now());
    const q = await quality();
    expect(rows(q, 'rejected').filter((r) => r.source === 'file:ndjson')).toEqual([
      { reason: 'invalid JSON', source: 'file:ndjson', all: 1, week: 1 },
      { reason: 'userId', source: 'file:ndjson', all: 1, week: 1 },
    ]);
    expect(rows(q, 'future_clamped')).toContainEqual({ reason: null, source: 'file:ndjson', all: 1, week: 1 });
  });
});

describe('imports say when they failed', () => {
  interface Run { code: number | null; stdout: string; stderr: string }
  const repo = join(import.meta.dirname, '..');

  function truenorth(args: string[], db = join(t.dir, 'cli.duckdb')): Promise<Run> {
    const env = { ...process.env };
    for (const name of ['TRUENORTH_DB', 'TRUENORTH_CONFIG', 'TRUENORTH_DEBUG']) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/server-cli.ts', '--db', db, ...args], { cwd: repo, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const write = (name: string, lines: string[]) => {
    const path = join(t.dir, name);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };

  it('a ledger given to `import events` exits 1 naming the right command', async () => {
    const ledger = write('ledger.csv', ['account_id,effective_at,mrr', 'a1,2026-01-01,100', 'a2,2026-01-02,50']);
    const run = await truenorth(['import', 'events', ledger]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('imported 0, duplicates 0, rejected 2');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'truenorth: no row was imported: all 2 rows were rejected; this looks like a subscription ledger: use `truenorth import subscriptions`');
  });

  it('a Mixpanel export whose every line is bad exits 1 naming each line and field; --json still prints the report', async () => {
    const mixpanel = write('mixpanel.ndjson', [
      JSON.stringify({ event: 'Signed Up', properties: { distinct_id: 'u1', $insert_id: 'a' } }),
      JSON.stringify({ event: 'Message Sent', properties: { time: 'soon', distinct_id: 'u1', $insert_id: 'b' } }),
    ]);
    const run = await truenorth(['import', 'events', mixpanel, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      imported: 0, rejected: 2,
      errors: [{ line: 1, reason: 'properties.time: required' }, { line: 2, reason: 'properties.time: expected epoch seconds or milliseconds' }],
    });
    expect(run.stderr.trim().split('\n').at(-1)).toBe('truenorth: no row was imported: all 2 rows were rejected');
  });

  it('--max-rejected N fails an import that rejected more than N rows, and passes one that did not', async () => {
    const mixed = write('mixed.ndjson', [
      JSON.stringify({ type: 'track', event: 'x', userId: 'u1', messageId: 'mx1', timestamp: '2026-01-05T10:00:00Z' }),
      JSON.stringify({ type: 'track', event: 'x', messageId: 'mx2', timestamp: '2026-01-05T10:00:00Z' }),
      JSON.stringify({ type: 'track', event: 'x', messageId: 'mx3', timestamp: '2026-01-05T10:00:00Z' }),
    ]);
    const failed = await truenorth(['import', 'events', mixed, '--max-rejected', '1']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('truenorth: 2 rows were rejected, more than --max-rejected 1');
    const passed = await truenorth(['import', 'events', mixed, '--max-rejected', '2']);
    expect(passed).toMatchObject({ code: 0, stdout: 'imported 0, duplicates 1, rejected 2\n' });
  });

  it('through a running server: the report comes back, and the CLI exits 1 with the same hint', async () => {
    const db = join(t.dir, 'served.duckdb');
    const serve = spawnServe(db);
    try {
      await waitForServer(db, serve);
      const ledger = write('served-ledger.csv', ['account_id,effective_at,mrr', 'a1,2026-01-01,100']);
      const run = await truenorth(['import', 'events', ledger], db);
      expect(run.stderr).toContain('sending the request through');
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n').at(-1)).toBe(
        'truenorth: no row was imported: all 1 rows were rejected; this looks like a subscription ledger: use `truenorth import subscriptions`');
    } finally {
      serve.child.kill('SIGTERM');
      await new Promise((resolve) => serve.child.once('exit', resolve));
    }
  }, 60_000);
});

describe('the same counters in ClickHouse (embedded chdb)', () => {
  it('a file import counts rejections, clamped timestamps and duplicates in tn_quality_counts; the report reads them', async () => {
    const { store, cleanup } = await openChdb();
    try {
      const path = join(t.dir, 'ch.ndjson');
      const future = new Date(Date.now() + YEAR).toISOString();
      writeFileSync(path, [
        JSON.stringify({ type: 'track', event: 'x', userId: 'c1', messageId: 'c1', timestamp: future }),
        JSON.stringify({ type: 'track', event: 'x', userId: 'c2', messageId: 'c2', timestamp: '2026-01-05T10:00:00Z' }),
        JSON.stringify({ type: 'track', event: 'x', userId: 'c2', messageId: 'c2', timestamp: '2026-01-05T10:00:00Z' }),
        JSON.stringify({ type: 'track', userId: 'c3', messageId: 'c3', timestamp: '2026-01-05T10:00:00Z' }),
      ].join('\n'));
      expect(await importEventsToClickHouse(store, path)).toMatchObject({ imported: 2, duplicates: 1, rejected: 1 });
      const model = modelFromConfig(parseConfig(exampleConfigYaml('Acme Chat')));
      const report = await qualityReport(reportContext(store, model, Date.now()));
      const sent = { rejected: 1, future_clamped: 1, clock_skew_corrected: 0, duplicates: 1 };
      expect(report.totals).toEqual({ last_7_days: sent, all_time: sent });
      expect(rows(report, 'rejected')).toEqual([{ reason: 'event', source: 'file:ndjson', all: 1, week: 1 }]);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
