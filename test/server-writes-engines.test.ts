import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleConfigYaml } from '../src/config/template.js';
import type { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { startEngineServers, type EngineServers } from './helpers/engine-servers.js';
import { onReader } from '../src/engine/sql-engine.js';

/**
 * Imports and hand entries sent to a server on DuckDB and to one on ClickHouse: the same requests
 * get the same answers and leave the same rows, and ClickHouse refusing a write is a retryable 503.
 */
let dir: string;
let duck: DuckDbStore;
let ch: ClickHouseStore;
let urls: string[] = [];
let engines: EngineServers | undefined;

beforeAll(async () => {
  engines = await startEngineServers('truenorth-writes-engines-', {}, (at) => {
    const configPath = join(at, 'truenorth.yaml');
    writeFileSync(configPath, exampleConfigYaml('Acme Chat'));
    return { configPath };
  });
  ({ dir, duck, ch, urls } = engines);
}, 30_000);

afterAll(async () => {
  await engines?.close();
});

/** The same request to both servers: [DuckDB's answer, ClickHouse's]. */
async function both(path: string, body: string, contentType = 'application/octet-stream'): Promise<Array<{ status: number; body: any }>> {
  const answers = [];
  for (const url of urls) {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    answers.push({ status: res.status, body: await res.json() });
  }
  return answers;
}

const track = (id: string, user: string, event = 'Message Sent') => JSON.stringify({ type: 'track', event, userId: user, messageId: id, timestamp: '2026-02-10T10:00:00.000Z', properties: { n: 1 } });
const EVENTS = [track('m1', 'u1'), track('m2', 'u2'), track('m1', 'u1'), '{"type":"track"', track('m3', 'u1', 'Signed Up')].join('\n') + '\n';

const readBack = (engine: SqlEngine) => Promise.all([
  engine.all('SELECT id, event, user_id FROM events ORDER BY id'),
  engine.all('SELECT account_id, subscription_id, mrr, plan, source FROM subscriptions ORDER BY account_id, effective_at'),
  engine.all('SELECT metric, period, value, entered_by, note FROM manual_values ORDER BY entered_at'),
]);

describe('imports and hand entries through the server, on DuckDB and on ClickHouse', () => {
  it('answer alike and store the same rows', async () => {
    const [duckImport, chImport] = await both('/api/v1/import/events?format=ndjson', EVENTS);
    expect(chImport).toEqual(duckImport);
    expect(duckImport).toMatchObject({ status: 200, body: { imported: 3, duplicates: 1, rejected: 1 } });
    const [duckAgain, chAgain] = await both('/api/v1/import/events?format=ndjson', EVENTS);
    expect(chAgain).toEqual(duckAgain);
    expect(duckAgain.body).toMatchObject({ imported: 0, duplicates: 4, rejected: 1 });
    const [duckStrict, chStrict] = await both('/api/v1/import/events?format=ndjson&strict=1', `${track('m9', 'u9')}\n${EVENTS}`);
    expect(chStrict).toEqual(duckStrict);
    expect(duckStrict).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^stdin line 5: .*nothing was imported \(--strict\)/) } });

    const ledger = 'account_id,effective_at,mrr,plan,currency,subscription_id\nacme,2026-01-01,100,pro,usd,s1\nacme,2026-01-01,100,pro,usd,s1\nbeta,2026-02-01,x\n';
    const [duckLedger, chLedger] = await both('/api/v1/import/subscriptions', ledger);
    expect(chLedger).toEqual(duckLedger);
    expect(duckLedger).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^stdin: invalid CSV/) } });
    const goodLedger = ledger.replace('beta,2026-02-01,x', 'beta,2026-02-01,x,,,s2');
    const [duckGood, chGood] = await both('/api/v1/import/subscriptions', goodLedger);
    expect(chGood).toEqual(duckGood);
    expect(duckGood).toMatchObject({ status: 200, body: { imported: 1, duplicates: 1, rejected: 1 } });

    const [duckManual, chManual] = await both('/api/v1/import/manual', 'metric,week,value\ncash_balance,2026-W06,250000\n');
    expect(chManual).toEqual(duckManual);
    expect(duckManual).toMatchObject({ status: 200, body: { imported: 1 } });

    const entry = { metric: 'cash_balance', week: '2026-W06', value: '240,000', entered_by: 'li', note: 'bank statement' };
    const recorded = await both('/api/v1/record', JSON.stringify(entry), 'application/json');
    const withoutInstant = ({ status, body }: { status: number; body: any }) => ({ status, body: { ...body, previous: { ...body.previous, entered_at: undefined } } });
    expect(recorded.map(withoutInstant)[1]).toEqual(recorded.map(withoutInstant)[0]);
    expect(recorded[0]).toMatchObject({ status: 201, body: { value: 240_000, previous: { value: 250_000 } } });

    const [duckRows, chRows] = [await onReader(duck, readBack), await readBack(ch)];
    expect(chRows).toEqual(duckRows);
    expect(duckRows.map((rows) => rows.length)).toEqual([3, 1, 2]);
  });

  it('an import ClickHouse refuses to store answers 503 with Retry-After; sent again, it is stored once', async () => {
    // The disk is full: every write ClickHouse is asked for fails, reads still answer.
    const { insert, command } = ch.connection;
    const full = async () => {
      throw new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)');
    };
    ch.connection.insert = full;
    ch.connection.command = full;
    const upload = () => fetch(`${urls[1]}/api/v1/import/events?format=ndjson`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: `${track('r1', 'u7')}\n` });
    try {
      const refused = await upload();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ error: 'store_unavailable', message: expect.stringMatching(/^the store cannot write now \(the disk is full\).*retry later$/) });
    } finally {
      Object.assign(ch.connection, { insert, command });
    }
    expect(await (await upload()).json()).toMatchObject({ imported: 1, duplicates: 0 });
    expect(await ch.all(`SELECT count() AS n FROM events WHERE id = 'r1'`)).toEqual([{ n: 1 }]);
  });
});
