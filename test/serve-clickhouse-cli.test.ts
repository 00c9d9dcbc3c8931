import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { ClickHouseWriter } from '../src/engine/clickhouse/writer.js';
import { normalizeAll } from './helpers/engines.js';
import { runCli } from './helpers/in-process-cli.js';
import { exited, spawnServe, waitForServer, type ServeChild } from './helpers/serve-child.js';

/**
 * A report run by the CLI on a DuckDB file that `serve --engine clickhouse` holds goes through the
 * server, which runs it on ClickHouse: the CLI replays the server's recording with ClickHouse SQL and
 * prints exactly what the same report prints on the ClickHouse store directly.
 */
const dir = mkdtempSync(join(tmpdir(), 'truenorth-serve-ch-cli-'));
const config = join(dir, 'truenorth.yaml');
const chdb = join(dir, 'events.chdb');
const keys = join(dir, 'keys.duckdb');
let serve: ServeChild | undefined;

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGKILL');
    await exited(serve.child);
  }
  rmSync(dir, { recursive: true, force: true });
});

function events(): unknown[] {
  const out: unknown[] = [];
  for (let u = 0; u < 12; u++) {
    const user = `u-${u}`;
    const day = `2026-02-${String(2 + (u % 3) * 7).padStart(2, '0')}`;
    out.push({ type: 'identify', messageId: `${user}-i`, userId: user, traits: { role: u % 2 ? 'engineer' : 'sales', company_size: 30 }, timestamp: `${day}T08:00:00Z` });
    out.push({ type: 'track', messageId: `${user}-s`, userId: user, event: 'Signed Up', timestamp: `${day}T09:00:00Z` });
    if (u < 9) out.push({ type: 'track', messageId: `${user}-w`, userId: user, event: 'Workspace Created', timestamp: `${day}T10:00:00Z` });
    if (u < 6) for (let k = 0; k < 3; k++) out.push({ type: 'track', messageId: `${user}-m${k}`, userId: user, event: 'Message Sent', properties: { channel: 'general' }, timestamp: `${day}T1${k}:30:00Z` });
  }
  return out;
}

const REPORTS = [
  ['north-star', '--json', '--from', '2026-W05', '--to', '2026-W09', '--as-of', '2026-03-30'],
  ['funnel', '--weekly', '--json', '--from', '2026-W05', '--to', '2026-W09', '--as-of', '2026-03-30'],
  ['retention', '--from', '2026-W05', '--to', '2026-W09', '--as-of', '2026-03-30', '--mode', 'on-or-after'],
];

describe('a CLI report through serve --engine clickhouse', () => {
  it('compiles ClickHouse SQL for the replay and prints what the report prints on ClickHouse directly', async () => {
    writeFileSync(config, exampleConfigYaml('Acme Chat'));
    const ch = await ClickHouseStore.open({ path: chdb });
    await new ClickHouseWriter(ch, 'test').write(normalizeAll(events()), Date.parse('2026-03-01T00:00:00Z'));
    await ch.close();

    const direct = [];
    for (const args of REPORTS) direct.push(await runCli(['--config', config, '--engine', 'clickhouse', '--db', chdb, ...args]));
    for (const r of direct) expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(direct[0].stdout).series.map((p: { value: number }) => p.value).reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);

    // The export reads the ClickHouse store, not another one: every event written above, once.
    const exportedTo = join(dir, 'events.ndjson');
    const exported = await runCli(['--config', config, '--engine', 'clickhouse', '--db', chdb, 'export', 'events', exportedTo]);
    expect(exported.code, exported.stderr).toBe(0);
    const ids = readFileSync(exportedTo, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { messageId: string }).messageId);
    const tracks = events().filter((e) => (e as { type: string }).type === 'track') as { messageId: string }[];
    expect(ids.sort()).toEqual(tracks.map((e) => e.messageId).sort());

    serve = spawnServe(keys, { config, args: ['--engine', 'clickhouse', '--chdb-path', chdb] });
    const info = await waitForServer(keys, serve, 60_000);
    for (let i = 0; i < REPORTS.length; i++) {
      const remote = await runCli(['--config', config, '--db', keys, ...REPORTS[i]]);
      expect(remote.code, remote.stderr).toBe(0);
      expect(remote.stderr).toMatch(new RegExp(`held by \`truenorth serve\` \\(pid ${info.pid}\\); sending the request through`));
      expect(remote.stdout, REPORTS[i].join(' ')).toBe(direct[i].stdout);
    }
    serve.child.kill('SIGTERM');
    await exited(serve.child);
    expect(serve.child.exitCode, serve.stderr()).toBe(0);
  }, 180_000);
});
