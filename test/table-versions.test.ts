/**
 * Results kept per table written: a result outlives writes to the tables it does not read (hand
 * entries and the ledger through event writes; the people signature through writes that leave who
 * is who alone), and never outlives a write to one it reads, through a view, inside a transaction,
 * after a rollback or a reopen.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeScorecard } from '../src/app/reads/ritual.js';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { TableVersions } from '../src/engine/duckdb/table-versions.js';
import { foldLiveState } from '../src/engine/duckdb/live-state.js';
import { parseLedgerRow, writeLedger } from '../src/engine/ingest/import-ledger.js';
import { recordManualValues } from '../src/engine/ingest/import-manual.js';
import { IngestWriter } from '../src/engine/ingest/writer.js';
import type { SqlEngine } from '../src/engine/sql-engine.js';
import { DAY_MS, HOUR_MS } from '../src/model/time.js';
import { reportContext } from '../src/reports/context.js';
import { QueryCache } from '../src/reports/query-cache.js';
import { normalizeAll } from './helpers/engines.js';
import { SMALL_JOURNEY_YAML } from './helpers/small-journey.js';

// Monday 9 November 2026, 00:00 UTC; the scorecard is read on the Thursday.
const MONDAY = Date.UTC(2026, 10, 9);
const AS_OF = MONDAY + 3 * DAY_MS + 12 * HOUR_MS;
const CONFIG = parseConfig(`${SMALL_JOURNEY_YAML}metrics:
  - { id: demos, source: manual, frequency: week, owner: maya }
health:
  mrr: { owner: cfo }
  cash_balance: { source: manual, owner: cfo }
`);
const MODEL = modelFromConfig(CONFIG);

let ids = 0;
const track = (event: string, hours: number, who: { userId?: string; anonymousId?: string }) => ({
  type: 'track', messageId: `t${++ids}`, event, ...who, timestamp: new Date(MONDAY + hours * HOUR_MS).toISOString(), properties: {},
});
const identify = (userId: string, anonymousId: string, eng: boolean, hours: number) => ({
  type: 'identify', messageId: `i${++ids}`, userId, anonymousId, timestamp: new Date(MONDAY + hours * HOUR_MS).toISOString(), traits: { role: eng ? 'eng' : 'pm' },
});
const WEEKS = ['2026-W44', '2026-W45', '2026-W46'];

/** The store's engine, counting the statements that reach it. */
function counting(store: DuckDbStore): SqlEngine & { statements: string[] } {
  const engine = {
    dialect: store.dialect,
    statements: [] as string[],
    get dataVersion() { return store.dataVersion; },
    versionOf: (sql: string) => store.versionOf(sql),
    all<T>(sql: string, params?: Record<string, string | number | boolean | null>) {
      engine.statements.push(sql);
      return store.all<T>(sql, params);
    },
    close: () => Promise.resolve(),
  };
  return engine;
}

async function setUp() {
  const store = await DuckDbStore.open(':memory:');
  const writer = new IngestWriter(store, 'test');
  const write = (batch: unknown[]) => store.transaction(() => writer.write(normalizeAll(batch)));
  const history: unknown[] = [];
  for (let day = -21; day < 3; day++) {
    const k = (day + 21) % 4;
    history.push(track('V', day * 24 + 9, { anonymousId: `a${k}` }), track('M', day * 24 + 10, { userId: `u${k}`, anonymousId: `a${k}` }));
    if (k === 0) history.push(track('S', day * 24 + 11, { userId: `u${(day + 21) % 3}`, anonymousId: `a${k}` }), identify(`u${k}`, `a${k}`, day % 2 === 0, day * 24 + 8));
  }
  await write(history);
  await recordManualValues(store, WEEKS.map((period, i) => ({ metric: 'demos', period, value: i + 3, enteredBy: 'maya' })));
  await writeLedger(store, [parseLedgerRow({ account_id: 'acme', effective_at: '2026-10-01', mrr: '100' })], 'test');
  const engine = counting(store);
  const cache = new QueryCache();
  const scorecard = (cached: boolean) => computeScorecard(reportContext(cached ? engine : store, MODEL, AS_OF, cached ? cache : undefined), CONFIG);
  return { store, write, engine, scorecard };
}

const who = fc.record({ user: fc.option(fc.constantFrom('u0', 'u1', 'u5'), { nil: undefined }), anon: fc.constantFrom('a0', 'a1', 'a7') });
const step = fc.oneof(
  fc.record({ kind: fc.constant('events' as const), event: fc.constantFrom('M', 'V', 'S'), who, hours: fc.integer({ min: -21 * 24, max: 3 * 24 + 11 }) }),
  fc.record({ kind: fc.constant('identify' as const), user: fc.constantFrom('u0', 'u2', 'u6'), anon: fc.constantFrom('a1', 'a3', 'a8'), eng: fc.boolean(), hours: fc.integer({ min: -21 * 24, max: 3 * 24 }) }),
  fc.record({ kind: fc.constant('manual' as const), period: fc.constantFrom(...WEEKS, '2026-W47'), value: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('ledger' as const), day: fc.integer({ min: 1, max: 40 }), mrr: fc.integer({ min: 0, max: 500 }) }),
  fc.constantFrom({ kind: 'rollback' as const }, { kind: 'fold' as const }),
);

describe('results kept per table written (DuckDB)', () => {
  it('the scorecard through the cache equals a fresh one after any writes to events, people, hand entries and the ledger', async () => {
    const { store, write, scorecard } = await setUp();
    try {
      await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        for (const s of steps) {
          if (s.kind === 'events') await write([track(s.event, s.hours, { ...(s.who.user ? { userId: s.who.user } : {}), anonymousId: s.who.anon })]);
          else if (s.kind === 'identify') await write([identify(s.user, s.anon, s.eng, s.hours)]);
          else if (s.kind === 'manual') await recordManualValues(store, [{ metric: 'demos', period: s.period, value: s.value, enteredBy: 'maya' }]);
          else if (s.kind === 'ledger') await writeLedger(store, [parseLedgerRow({ account_id: 'acme', effective_at: new Date(Date.UTC(2026, 9, s.day)).toISOString(), mrr: String(s.mrr) })], 'test');
          else if (s.kind === 'fold') await store.transaction(() => foldLiveState(store, 1));
          else {
            await expect(store.transaction(async () => {
              await store.run(`INSERT INTO manual_values VALUES ('demos', '2026-W46', 99, 'x', now()::TIMESTAMP, NULL)`);
              throw new Error('abandoned');
            })).rejects.toThrow('abandoned');
          }
          expect(await scorecard(true)).toEqual(await scorecard(false));
        }
      }), { numRuns: 15 });
    } finally {
      await store.close();
    }
  }, 300_000);

  it('an event write leaves the hand entries, the ledger and who is who kept; a hand entry leaves the events kept', async () => {
    const { store, write, engine, scorecard } = await setUp();
    try {
      await scorecard(true);
      const reads = (table: RegExp) => engine.statements.filter((sql) => table.test(sql)).length;
      const since = () => { engine.statements.length = 0; };
      since();
      await scorecard(true);
      expect(engine.statements).toEqual([]);

      // The linked id was linked already: the write changes no link, so who is who stays kept.
      await write([track('M', 3 * 24 + 1, { userId: 'u1', anonymousId: 'a1' })]);
      since();
      expect(await scorecard(true)).toEqual(await scorecard(false));
      const afterEvent = [...engine.statements];
      expect(afterEvent.length).toBeGreaterThan(0);
      expect(reads(/\bmanual_values\b/)).toBe(0);
      expect(reads(/\bsubscriptions\b/)).toBe(0);
      expect(afterEvent.filter((sql) => /\bidentity_links\b/.test(sql) && /\busers\b/.test(sql) && /\baccounts\b/.test(sql) && !/\bevents\b/.test(sql))).toEqual([]);

      await recordManualValues(store, [{ metric: 'demos', period: '2026-W46', value: 7, enteredBy: 'maya' }]);
      since();
      expect(await scorecard(true)).toEqual(await scorecard(false));
      expect(reads(/\bmanual_values\b/)).toBeGreaterThan(0);
      expect(reads(/\bevents\b/)).toBe(0);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('reads which tables a statement writes off its text, and counts every name when unsure', () => {
    const cases: [string, string[]][] = [
      ['SELECT * FROM users', []],
      ['WITH r AS (SELECT * FROM identity_links) SELECT * FROM r, users', []],
      ['INSERT INTO identity_links SELECT * FROM stage_links', ['identity_links']],
      [' insert or replace into main."Users" select * from stage_profiles', ['users']],
      ['DELETE FROM stage_links', ['stage_links']],
      ['UPDATE live_reach SET ts = 1 FROM identity_links', ['live_reach']],
      ['CREATE TEMP TABLE IF NOT EXISTS stage_x AS SELECT * FROM accounts LIMIT 0', ['stage_x']],
      ['manual_values', ['manual_values']],
      ['WITH a AS (SELECT 1 AS x) INSERT INTO events SELECT x FROM a', ['a', 'as', 'events', 'from', 'insert', 'into', 'select', 'with', 'x']],
      ['SELECT 1; DELETE FROM users', ['delete', 'from', 'select', 'users']],
      ['COPY accounts FROM $path', ['accounts', 'copy', 'from', 'path']],
    ];
    for (const [sql, written] of cases) {
      const versions = new TableVersions();
      versions.touch(sql);
      versions.stamp(1, false);
      const names = [...new Set(sql.match(/[A-Za-z_]\w*/g)!.map((n) => n.toLowerCase()))];
      expect(names.filter((n) => versions.versionOf(n) === 1).sort(), sql).toEqual(written);
    }
  });

  it('counts a write through a view, inside a transaction (stamped again at its commit) and after a reopen', async () => {
    const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/tn-versions-`);
    const store = await DuckDbStore.open(`${dir}/v.duckdb`);
    try {
      const viaView = 'SELECT count(*) AS n FROM actor_events';
      const manual = 'SELECT count(*) AS n FROM manual_values';
      const before = store.versionOf(viaView);
      await store.run(`INSERT INTO identity_links VALUES ('a', 'u', TIMESTAMP '2026-11-01')`);
      // The view reads identity_links: its results are stale; hand entries are not.
      expect(store.versionOf(viaView)).toBeGreaterThan(before);
      const manualVersion = store.versionOf(manual);
      expect(manualVersion).toBeLessThanOrEqual(before);

      let during = 0;
      await store.transaction(async () => {
        await store.run(`INSERT INTO manual_values VALUES ('demos', '2026-W46', 1, 'x', now()::TIMESTAMP, NULL)`);
        await store.run('SELECT 1');
        during = store.versionOf(manual);
      });
      // A result read during the transaction (the data before it) is not reused after the commit.
      expect(store.versionOf(manual)).toBeGreaterThan(during);
      expect(store.versionOf(viaView)).toBeLessThan(store.versionOf(manual));

      const stamped = store.versionOf(viaView);
      await store.reopen();
      expect(store.versionOf(viaView)).toBeGreaterThan(stamped);
      expect(store.versionOf('SELECT 1')).toBe(store.dataVersion);
    } finally {
      await store.close();
    }
  });
});
