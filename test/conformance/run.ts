/**
 * Runs the conformance table (`cases.ts`) over every data set (`data.ts`) for one engine.
 * DuckDB is the reference: its file proves each case has something to agree on, except where a
 * data set declares the case empty (and then that it is);
 * ClickHouse's file loads the same messages, in the same import batches, into both engines and
 * requires equal answers: exactly for counts, to 1e-9 for rates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { DuckDbStore } from '../../src/engine/duckdb/database.js';
import type { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import { rangeOfPeriods } from '../../src/model/time.js';
import { reportContext, type ReportContext } from '../../src/reports/context.js';
import { expectSameAnswers, loadBoth, loadDuckDb, openChdb } from '../helpers/engines.js';
import { CASES, suiteConfig, type Case, type EngineName, type Env } from './cases.js';
import { conformanceDataSets, type Calendar, type DataSet } from './data.js';
import { modelFromConfig } from '../../src/config/model.js';
import { findRead } from '../../src/app/catalogue.js';
import { ENGINE_CAPABILITIES, firstGap } from '../../src/engine/capabilities.js';

/** The stores one data set is loaded into: the reference and, for ClickHouse, the engine under test. */
interface Stores {
  duck: DuckDbStore;
  ch?: ClickHouseStore;
}

export function runConformance(engine: EngineName): void {
  const { sets, cleanup } = conformanceDataSets();
  let ch: ClickHouseStore | undefined;
  let closeChdb: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (engine === 'clickhouse') ({ store: ch, cleanup: closeChdb } = await openChdb());
  });
  afterAll(async () => {
    await closeChdb?.();
    cleanup();
  });
  for (const data of sets) describe(data.name, () => runDataSet(engine, data, () => ch));
}

function runDataSet(engine: EngineName, data: DataSet, clickhouse: () => ClickHouseStore | undefined): void {
  const stores = {} as Stores;
  beforeAll(async () => {
    const ch = clickhouse();
    if (ch) {
      const loaded = await loadBoth(ch, await data.batches(), data.extra?.());
      // Both writers count the same new messages and duplicates, batch by batch.
      expectSameAnswers(loaded.counts.ch, loaded.counts.duck);
      Object.assign(stores, { duck: loaded.duck, ch });
    } else {
      stores.duck = (await loadDuckDb(await data.batches(), data.extra?.())).duck;
    }
  });
  afterAll(async () => {
    await stores.duck?.close();
  });

  it('has data every report sees (a vacuous agreement proves nothing)', async () => {
    const events = engine === 'clickhouse'
      ? 'SELECT event, uniqExact(actor_id) AS actors FROM actor_events GROUP BY event ORDER BY event'
      : 'SELECT event, count(DISTINCT actor_id)::INT AS actors FROM actor_events GROUP BY event ORDER BY event';
    const rows = await underTest(stores, engine).all<{ event: string; actors: number }>(events);
    const byEvent = Object.fromEntries(rows.map((r) => [r.event, r.actors]));
    for (const event of ['Page Viewed', 'Signed Up', 'Message Sent']) if (!(byEvent[event] > 0)) throw new Error(`no ${event} events in ${data.name}`);
    const linked = await stores.duck.all<{ n: number }>('SELECT count(*)::INT AS n FROM identity_links');
    if (!(linked[0].n > 0)) throw new Error(`no identity links in ${data.name}`);
  });

  for (const [n, calendar] of data.calendars.entries()) {
    describe(`${calendar.timezone}, weeks from ${calendar.weekStart}`, () => {
      for (const c of CASES.filter((c) => n === 0 || !c.heavy)) runCase(engine, c, data.nothingToCompare?.[c.name], () => contexts(stores, data, calendar));
    });
  }
}

function runCase(engine: EngineName, c: Case, emptyBecause: string | undefined, open: () => Contexts): void {
  const gap = firstGap(ENGINE_CAPABILITIES[engine], findRead(c.read)?.needs ?? []);
  if (gap) {
    it.skip(`${c.name} (not on ${engine}: ${gap.reason})`, () => {});
    return;
  }
  it(c.name, async () => {
    const e = open();
    const expected = await c.run(e.duck, e.env);
    if (!e.ch) {
      const why = emptyBecause ? `declared empty (${emptyBecause}) but has an answer` : 'the reference answer is empty or all zeros';
      expect(hasAnAnswer(expected), why).toBe(!emptyBecause);
      return;
    }
    const actual = await c.run(e.ch, e.env);
    expectSameAnswers(actual, expected);
  });
}

interface Contexts {
  duck: ReportContext;
  ch?: ReportContext;
  env: Env;
}

function contexts(stores: Stores, data: DataSet, calendar: Calendar): Contexts {
  const text = (data.config ?? suiteConfig)(calendar.timezone, calendar.weekStart);
  const config = parseConfig(text);
  const model = modelFromConfig(config);
  const asOf = Date.parse(data.asOf);
  return {
    duck: reportContext(stores.duck, model, asOf),
    ch: stores.ch && reportContext(stores.ch, model, asOf),
    env: { config, weeks: rangeOfPeriods(data.weeks[0], data.weeks[1], model.time), months: rangeOfPeriods(data.months[0], data.months[1], model.time) },
  };
}

function underTest(stores: Stores, engine: EngineName): SqlEngine {
  return engine === 'clickhouse' && stores.ch ? stores.ch : stores.duck;
}

/** True when an answer holds a non-zero number somewhere: something for the engines to agree on. */
function hasAnAnswer(value: unknown): boolean {
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (Array.isArray(value)) return value.some(hasAnAnswer);
  if (value && typeof value === 'object') return Object.values(value).some(hasAnAnswer);
  return false;
}
