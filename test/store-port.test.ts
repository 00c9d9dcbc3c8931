import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES, capabilityGap, capabilityGaps, ENGINE_CAPABILITIES, firstGap, readerCapabilities } from '../src/engine/capabilities.js';
import { clickHousePort } from '../src/engine/clickhouse/port.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { duckDbPort } from '../src/engine/duckdb/port.js';
import { parseEngine, storeTarget } from '../src/engine/open-store.js';
import type { StorePort } from '../src/engine/port.js';
import { DIALECTS } from '../src/engine/sql-engine.js';
import { listedSubscriptionFacts } from '../src/engine/stripe/history.js';
import { listCheckins, listIdeas, reviewNotes } from '../src/engine/workspace.js';
import { openChdb } from './helpers/engines.js';

/** Every engine is one StorePort; what each lacks is declared with a reason; nothing else picks an engine. */
const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'truenorth-port-'));
const file = join(dir, 'events.ndjson');
let ports: StorePort[] = [];
let cleanupCh: () => Promise<void>;

beforeAll(async () => {
  writeFileSync(file, [
    { type: 'track', event: 'Signed Up', userId: 'u1', messageId: 'm1', timestamp: '2026-02-02T09:00:00Z' },
    { type: 'track', event: 'Message Sent', userId: 'u1', messageId: 'm2', timestamp: '2026-02-02T10:00:00Z' },
    { type: 'track', event: 'Message Sent', userId: 'u2', messageId: 'm3', timestamp: '2026-02-03T10:00:00Z' },
  ].map((m) => JSON.stringify(m)).join('\n') + '\n');
  const ch = await openChdb();
  cleanupCh = ch.cleanup;
  ports = [duckDbPort(await DuckDbStore.open(join(dir, 'port.duckdb'))), clickHousePort(ch.store)];
}, 60_000);

afterAll(async () => {
  await ports[0]?.close();
  await cleanupCh?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('the store port', () => {
  it('each engine declares every capability: present, or missing with a reason that says what to do instead', () => {
    for (const dialect of DIALECTS) {
      const capabilities = ENGINE_CAPABILITIES[dialect];
      expect(Object.keys(capabilities).sort(), dialect).toEqual([...CAPABILITIES].sort());
      for (const capability of CAPABILITIES) {
        const gap = capabilityGap(capabilities, capability);
        if (gap !== undefined) expect(gap.length, `${dialect} ${capability}: ${gap}`).toBeGreaterThan(40);
      }
    }
    // DuckDB does everything; ClickHouse everything but the live first-reach state, which changes how fast, not what, it answers.
    expect(firstGap(ENGINE_CAPABILITIES.duckdb, CAPABILITIES)).toBeUndefined();
    expect(capabilityGaps(ENGINE_CAPABILITIES.duckdb)).toEqual({});
    expect(Object.keys(capabilityGaps(ENGINE_CAPABILITIES.clickhouse))).toEqual(['live_state']);
    // The table still declares gaps: an engine lacking two answers the first one asked for, with its reason.
    const lacking = { ...ENGINE_CAPABILITIES.duckdb, stripe: { gap: 'no ledger here; use the other engine' }, export_events: { gap: 'no files here; export elsewhere' } };
    expect(firstGap(lacking, ['ingest', 'export_events', 'stripe'])).toEqual({ capability: 'export_events', reason: 'no files here; export elsewhere' });
    expect(capabilityGap(lacking, 'ingest')).toBeUndefined();
    expect(capabilityGaps(lacking)).toEqual({ export_events: 'no files here; export elsewhere', stripe: 'no ledger here; use the other engine' });
  });

  it('both engines import a file and read it back through their reader, which carries the dialect', async () => {
    for (const port of ports) {
      expect(port.capabilities, port.dialect).toBe(ENGINE_CAPABILITIES[port.dialect]);
      const report = await port.importers.events(file);
      expect(report, port.dialect).toMatchObject({ imported: 3, duplicates: 0, rejected: 0 });
      const reader = await port.reader();
      try {
        expect(reader.dialect).toBe(port.dialect);
        expect(readerCapabilities(reader)).toBe(port.capabilities);
        const rows = await reader.all<{ event: string; n: number }>('SELECT event, count(*) AS n FROM events GROUP BY event ORDER BY event');
        expect(rows.map((r) => [r.event, Number(r.n)]), port.dialect).toEqual([['Message Sent', 2], ['Signed Up', 1]]);
      } finally {
        await reader.close();
      }
      // Closing a reader leaves the store open.
      const again = await port.reader(5);
      expect(Number((await again.all<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n)).toBe(3);
      await again.close();
      expect((await port.importers.events(file)).duplicates, port.dialect).toBe(3);
    }
  }, 60_000);

  it('both engines keep the team\'s tables: what one writes, every reader of it reads the same way', async () => {
    const read = async (port: StorePort) => {
      const reader = await port.reader();
      try {
        const strip = <T extends object>(rows: T[], ...times: string[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !times.includes(k))));
        return {
          checkins: strip(await listCheckins(reader), 'at'),
          notes: strip(await reviewNotes(reader, '2026-W07'), 'at'),
          ideas: strip(await listIdeas(reader), 'created_at', 'updated_at'),
        };
      } finally {
        await reader.close();
      }
    };
    const answers = [];
    for (const port of ports) {
      expect(capabilityGap(port.capabilities, 'team_tables'), port.dialect).toBeUndefined();
      await port.team.addCheckin({ objective: 'Grow', key_result: null, week: '2026-W07', note: 'on track', confidence: 0.7, author: 'li' });
      await port.team.addReviewNote({ week: '2026-W07', row_id: 'north_star', note: 'launch week', author: 'li' });
      await port.team.addReviewNote({ week: '2026-W08', row_id: 'north_star', note: 'quiet', author: 'al' });
      expect(await port.team.addIdea({ team: 'Product', idea: 'shorter signup', owner: 'li' }), port.dialect).toBe(1);
      expect(await port.team.addIdea({ team: 'growth', idea: 'referrals', owner: 'al', metric: 'north_star' }), port.dialect).toBe(2);
      await port.team.setIdeaStatus(1, 'in_progress');
      await port.team.setIdeaStatus(1, 'done');
      await expect(port.team.setIdeaStatus(7, 'done'), port.dialect).rejects.toThrow('no idea with id 7');
      await expect(port.team.addCheckin({ objective: 'Grow', key_result: null, week: '2026-W07', note: 'x', confidence: 2, author: 'li' })).rejects.toThrow('--confidence');
      answers.push(await read(port));
    }
    expect(answers[0]).toEqual({
      checkins: [{ objective: 'Grow', key_result: null, week: '2026-W07', note: 'on track', confidence: 0.7, author: 'li' }],
      notes: [{ week: '2026-W07', row_id: 'north_star', note: 'launch week', author: 'li' }],
      ideas: [
        { id: 2, team: 'growth', idea: 'referrals', owner: 'al', status: 'proposed', metric: 'north_star' },
        { id: 1, team: 'product', idea: 'shorter signup', owner: 'li', status: 'done', metric: null },
      ],
    });
    expect(answers[1]).toEqual(answers[0]);
  }, 60_000);

  it('the Stripe history: both engines write its facts as the webhooks do, and again as duplicates', async () => {
    const object = {
      id: 'sub_port', customer: 'cus_port', status: 'active', start_date: 1767225600, currency: 'usd',
      items: { data: [{ quantity: 2, price: { id: 'price_port', unit_amount: 2_500, currency: 'usd', recurring: { interval: 'month', interval_count: 1 } } }] },
    };
    const facts = listedSubscriptionFacts(object);
    for (const port of ports) {
      expect(await port.importers.stripe(facts), port.dialect).toEqual({ ledger_rows: 1, duplicates: 0, warnings: [] });
      expect(await port.importers.stripe(facts), port.dialect).toEqual({ ledger_rows: 1, duplicates: 1, warnings: [] });
      const engine = await port.reader();
      expect(await engine.all(`SELECT mrr FROM subscriptions WHERE subscription_id = 'sub_port'`), port.dialect).toEqual([{ mrr: 50 }]);
      await engine.close();
    }
  });

  it('--engine is parsed in one place: duckdb by default, clickhouse by flag, anything else refused', () => {
    expect(storeTarget({ db: '/x/a.duckdb' })).toEqual({ engine: 'duckdb', path: '/x/a.duckdb' });
    expect(storeTarget({ engine: 'clickhouse', db: '/x/c.chdb', clickhouseUrl: 'http://h:8123' })).toEqual({ engine: 'clickhouse', url: 'http://h:8123', path: '/x/c.chdb' });
    expect(parseEngine({}, { engine: 'clickhouse' })).toBe('clickhouse');
    expect(() => parseEngine({ engine: 'sqlite' })).toThrow('--engine: expected duckdb or clickhouse, got "sqlite"');
  });

  it('no code outside src/engine/ checks which engine it runs on', () => {
    // Engine names in comparisons, switches or instanceof checks. The config's enum, the query
    // layer's dialect definitions and help texts name engines without branching on them.
    const check = /(?:===|!==)\s*['"](?:duckdb|clickhouse)['"]|['"](?:duckdb|clickhouse)['"]\s*(?:===|!==)|case\s+['"](?:duckdb|clickhouse)['"]|instanceof\s+(?:DuckDbStore|ClickHouseStore)|\.(?:dialect|engine)\s*(?:===|!==)|\.(?:options\.)?clickhouse\s*\?/;
    const offenders: string[] = [];
    const walk = (path: string) => {
      for (const name of readdirSync(path)) {
        const full = join(path, name);
        const rel = relative(repo, full);
        // The engines themselves; the benchmark measures both engines side by side by design.
        if (rel === join('src', 'engine') || rel === join('src', 'bench') || name === 'node_modules') continue;
        if (statSync(full).isDirectory()) walk(full);
        else if (/\.tsx?$/.test(name)) {
          readFileSync(full, 'utf8').split('\n').forEach((line, i) => {
            if (check.test(line)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
          });
        }
      }
    };
    walk(join(repo, 'src'));
    walk(join(repo, 'web', 'src'));
    expect(offenders).toEqual([]);
    // The scan finds what it looks for.
    expect(check.test("if (engine.dialect === 'duckdb') read();")).toBe(true);
    expect(check.test('if (store instanceof ClickHouseStore) return;')).toBe(true);
  });
});
