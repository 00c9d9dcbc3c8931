import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { ServerConnection } from '../src/engine/clickhouse/server.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { normalizeMessage } from '../src/engine/ingest/normalize.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import type { NormalizedMessage } from '../src/model/message.js';
import { TruenorthError } from '../src/errors.js';
import { TruenorthServer } from '../src/server/app.js';
import { createKey, type CreatedKey } from '../src/server/keys.js';
import { withReportDeadline } from '../src/server/report-deadline.js';
import { duckDbControl } from '../src/engine/duckdb/control.js';

/**
 * Reads cannot starve writes or health: every period parameter is bounded and refused with a 400
 * naming it, a report past its time limit is cancelled with a 503, and /health and ingestion keep
 * answering meanwhile. Real servers on 127.0.0.1 (reads need no key there), real clients.
 */
const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-reads-'));
const configPath = join(dir, 'truenorth.yaml');
writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
const WEEK_MS = 7 * 86_400_000;

interface Running {
  store: DuckDbStore;
  server: TruenorthServer;
  url: string;
  write: CreatedKey;
}
const running: Running[] = [];

/** A server on its own file, with `events` messages over six years (2020–2025) already stored. */
async function start(name: string, events: number, reportTimeoutMs?: number): Promise<Running> {
  const store = await DuckDbStore.open(join(dir, `${name}.duckdb`));
  const writer = new IngestWriter(store, 'test');
  const from = Date.parse('2020-01-06T00:00:00Z');
  for (let b = 0; b < events; b += 10_000) {
    const messages: NormalizedMessage[] = [];
    for (let k = b; k < Math.min(events, b + 10_000); k++) {
      const r = normalizeMessage({
        type: 'track', messageId: `seed-${k}`, userId: `u${k % 3000}`, event: k % 10 === 0 ? 'Signed Up' : 'Message Sent',
        timestamp: new Date(from + ((k * 997_000) % (312 * WEEK_MS))).toISOString(), properties: { channel: 'general' },
      });
      if (r.ok) messages.push(...r.messages);
    }
    await store.transaction(() => writer.write(messages));
  }
  const write = await createKey(duckDbControl(store).keys, 'write', 'tests');
  const server = await TruenorthServer.create({ store, host: '127.0.0.1', port: 0, configPath, logger: false, reportTimeoutMs });
  const r = { store, server, url: await server.listen(), write };
  running.push(r);
  return r;
}

afterAll(async () => {
  for (const r of running) {
    await r.server.close();
    await r.store.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string): Promise<{ status: number; body: any; headers: Headers; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.json();
  return { status: res.status, body, headers: res.headers, ms: performance.now() - t0 };
}

/**
 * Posts 20-event batches one after another until `stop()`, and polls /health beside them; every
 * answer is recorded with how long it took.
 */
function writersAndHealth(r: Running) {
  const acks: { status: number; ms: number }[] = [];
  const health: { status: number; ms: number }[] = [];
  let stopped = false;
  let batch = 0;
  const auth = `Basic ${Buffer.from(`${r.write.token}:`).toString('base64')}`;
  const ingest = (async () => {
    while (!stopped) {
      const id = batch++;
      const messages = Array.from({ length: 20 }, (_, i) => ({
        type: 'track', messageId: `live-${r.url}-${id}-${i}`, userId: 'live', event: 'Message Sent', timestamp: '2026-03-02T10:00:00Z',
      }));
      const t0 = performance.now();
      const res = await fetch(`${r.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch: messages }) });
      await res.arrayBuffer();
      acks.push({ status: res.status, ms: performance.now() - t0 });
    }
  })();
  const poll = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      const res = await fetch(`${r.url}/health`);
      await res.arrayBuffer();
      health.push({ status: res.status, ms: performance.now() - t0 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    acks, health,
    async stop() {
      stopped = true;
      await Promise.all([ingest, poll]);
    },
  };
}

async function liveEventsStored(r: Running): Promise<number> {
  const engine = await r.store.reader();
  try {
    const rows = await engine.all<{ n: number }>(`SELECT count(*) AS n FROM events WHERE id LIKE $prefix`, { prefix: `live-${r.url}-%` });
    return rows[0].n;
  } finally {
    await engine.close();
  }
}

const max = (xs: { ms: number }[]) => Math.round(Math.max(...xs.map((x) => x.ms)));

describe('period parameters', () => {
  let r: Running;
  beforeAll(async () => {
    r = await start('bounded', 50_000);
  });

  it('answers extreme dates and huge ranges 4xx within 1 s, naming the field, while ingestion keeps being acknowledged', async () => {
    const cases: [string, string][] = [
      ['north-star?as_of=-271821-04-20', 'as_of'],
      ['north-star?from=2026-W01&as_of=275760-09-01', 'as_of'],
      ['north-star?from=2026-W01&as_of=%2B275760-09-01', 'as_of'],
      ['north-star?from=0050-01&to=2026-01', 'from'],
      ['north-star?from=2026-W01&to=0099-W10', 'to'],
      ['north-star?to=2101-W01', 'to'],
      ['funnel?as_of=2101-01-01', 'as_of'],
      ['north-star?from=1970-W02&to=2100-W50', 'from'],
      ['funnel?from=1990-01-01&as_of=2026-03-30', 'from'],
      ['retention?from=2026-W10&to=2026-W01', 'to'],
      ['revenue?period=month&from=1970-01', 'from'],
      ['tree?as_of=0050-06-01', 'as_of'],
      ['scorecard?week=2101-W01', 'week'],
      ['digest?as_of=275760-09-01', 'as_of'],
    ];
    const rssBefore = process.memoryUsage().rss;
    const live = writersAndHealth(r);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const acksBefore = live.acks.length;
    const refusals: { ms: number }[] = [];
    for (const [path, field] of cases) {
      const res = await get(`${r.url}/api/v1/${path}`);
      refusals.push(res);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.message).toMatch(new RegExp(`^${field}: `));
      expect(res.ms).toBeLessThan(1000);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await live.stop();
    expect(live.acks.length).toBeGreaterThan(acksBefore);
    expect(live.acks.every((a) => a.status === 200)).toBe(true);
    expect(live.health.length).toBeGreaterThan(0);
    expect(live.health.every((h) => h.status === 200)).toBe(true);
    expect(await liveEventsStored(r)).toBe(live.acks.length * 20);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 2 ** 20);
    console.log(`bounded params: ${cases.length} refusals (slowest ${max(refusals)} ms), ${live.acks.length} batches acked (max ${max(live.acks)} ms), /health max ${max(live.health)} ms`);
  });

  it('answers the longest range it allows (ten years: 521 weeks) and refuses one week more', async () => {
    const res = await get(`${r.url}/api/v1/north-star?from=2016-W01&to=2025-W52&as_of=2026-03-30`);
    expect(res.status).toBe(200);
    expect(res.body.series).toHaveLength(521);
    const over = await get(`${r.url}/api/v1/north-star?from=2016-W01&to=2026-W01&as_of=2026-03-30`);
    expect(over.status).toBe(400);
    expect(over.body.message).toBe('from: 2016-W01 to 2026-W01 spans 3654 days; a report covers at most 3653 days (ten years)');
  });

  it('keeps /health and ingestion answering while reports run', async () => {
    const live = writersAndHealth(r);
    const reports = ['funnel', 'tree', 'north-star', 'retention', 'funnel', 'tree'].map((name) => get(`${r.url}/api/v1/${name}?from=2020-W02&to=2025-W52&as_of=2026-03-30`));
    const answered = await Promise.all(reports);
    const acksDuring = live.acks.length;
    await live.stop();
    expect(answered.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(acksDuring).toBeGreaterThan(0);
    expect(live.acks.every((a) => a.status === 200)).toBe(true);
    expect(live.health.every((h) => h.status === 200)).toBe(true);
    expect(max(live.health)).toBeLessThan(1000);
    expect(max(live.acks)).toBeLessThan(1000);
    console.log(`6 reports in ${max(answered)} ms: ${acksDuring} batches acked meanwhile (max ${max(live.acks)} ms), /health max ${max(live.health)} ms`);
  });
});

describe('report time limit', () => {
  it('cancels a report past its limit: 503, Retry-After and a JSON error naming the limit; the server keeps serving', async () => {
    const r = await start('timeout', 20_000, 1);
    const res = await get(`${r.url}/api/v1/funnel?from=2020-W02&to=2025-W52&as_of=2026-03-30`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toMatchObject({ error: 'report_timeout', timeout_seconds: 0.001 });
    expect(res.body.message).toContain('0.001 s limit');
    expect(res.ms).toBeLessThan(3000);
    // Afterwards: health, ingestion (stored), and parameter checks all as before.
    const live = writersAndHealth(r);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await live.stop();
    expect(live.acks.length).toBeGreaterThan(0);
    expect(live.acks.every((a) => a.status === 200)).toBe(true);
    expect(live.health.every((h) => h.status === 200)).toBe(true);
    expect(await liveEventsStored(r)).toBe(live.acks.length * 20);
    expect((await get(`${r.url}/api/v1/north-star?as_of=0050-01-01`)).status).toBe(400);
    expect((await get(`${r.url}/api/v1/north-star?as_of=2026-03-30`)).status).toBe(503);
  });

  it('interrupts the running DuckDB query itself rather than waiting for it', async () => {
    const store = await DuckDbStore.open(':memory:');
    const reader = await store.reader();
    const t0 = performance.now();
    // Uninterrupted this scan takes tens of seconds on two cores.
    const slow = withReportDeadline(reader, 200, (engine) => engine.all('SELECT count(*) AS n FROM range(5000000000) t(a) WHERE a % 7 = 3'));
    const error = await slow.then(() => undefined, (e: unknown) => e);
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(TruenorthError);
    expect(error).toMatchObject({ status: 503, code: 'report_timeout', headers: { 'retry-after': '1' } });
    // Answered once the query stopped, well before the 2 s the deadline would wait for a query that ignores the interrupt.
    expect(ms).toBeLessThan(1500);
    expect(await reader.all('SELECT 42 AS x')).toEqual([{ x: 42 }]);
    await reader.close();
    await store.close();
    console.log(`a 200 ms limit answered a never-ending scan in ${Math.round(ms)} ms`);
  });
});

describe('report time limit on ClickHouse', () => {
  it('aborts the HTTP query at the limit and asks the server to stop it too', async () => {
    // A ClickHouse that never answers: what a query scanning for minutes looks like from the client.
    const seen: { url: string; closed: boolean }[] = [];
    const stalled = createServer((req) => {
      const request = { url: req.url ?? '', closed: false };
      seen.push(request);
      req.socket.on('close', () => { request.closed = true; });
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const store = new ClickHouseStore(await ServerConnection.open(`http://127.0.0.1:${(stalled.address() as AddressInfo).port}`));
    const t0 = performance.now();
    const error = await withReportDeadline(store.cancellable(0.2), 200, (engine) => engine.all('SELECT 1')).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ status: 503, code: 'report_timeout' });
    expect(performance.now() - t0).toBeLessThan(1500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(1);
    expect(seen[0].closed).toBe(true);
    const settings = new URL(seen[0].url, 'http://x').searchParams;
    expect(settings.get('max_execution_time')).toBe('1');
    expect(settings.get('cancel_http_readonly_queries_on_client_close')).toBe('1');
    await store.close();
    stalled.closeAllConnections();
    await new Promise((resolve) => stalled.close(resolve));
  });
});

describe('the CLI uses the same parsers', () => {
  const db = join(dir, 'cli.duckdb');
  beforeAll(async () => {
    await (await DuckDbStore.open(db)).close();
  });

  function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/server-cli.ts', '--db', db, '--config', configPath, ...args], { cwd: repo });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  }

  it('exits non-zero with one line naming the flag', async () => {
    const [asOf, from] = await Promise.all([
      cli(['north-star', '--as-of=-271821-04-20']),
      cli(['funnel', '--from', '0050-01', '--to', '2026-01', '--as-of', '2026-03-30']),
    ]);
    expect(asOf.code).not.toBe(0);
    expect(asOf.stderr).toBe('truenorth: --as-of: expected a date like 2026-11-22 or a timestamp like 2026-11-22T10:00:00Z, got "-271821-04-20"\n');
    expect(from.code).not.toBe(0);
    expect(from.stderr).toBe('truenorth: --from: year 0050 in "0050-01" is outside 1970–2100\n');
  });
});
