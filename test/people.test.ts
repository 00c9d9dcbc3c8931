/**
 * The people behind a number on the conformance suite's hand-made fixture, against lists worked out by
 * hand (UTC, weeks from Monday): who visited, signed up and set up in which week, through anonymous
 * ids linked later; which accounts moved MRR in which month. The same lists on ClickHouse and on the
 * other data sets, with every kind's total held to its number, are in test/conformance/people-cases.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { modelFromConfig } from '../src/config/model.js';
import type { DuckDbStore } from '../src/engine/duckdb/database.js';
import { rangeOfPeriods } from '../src/model/time.js';
import { reportContext, type ReportContext } from '../src/reports/context.js';
import { suiteConfig, type Env } from './conformance/cases.js';
import { conformanceDataSets } from './conformance/data.js';
import { peopleRead } from './conformance/people-cases.js';
import { loadDuckDb } from './helpers/engines.js';

const { sets, cleanup } = conformanceDataSets();
const fixture = sets.find((s) => s.name === 'hand-made fixture')!;
let store: DuckDbStore;
let ctx: ReportContext;
let env: Env;

beforeAll(async () => {
  store = (await loadDuckDb(await fixture.batches(), fixture.extra?.())).duck;
  const config = parseConfig(suiteConfig('UTC', 'monday'));
  const model = modelFromConfig(config);
  ctx = reportContext(store, model, Date.parse(fixture.asOf));
  env = { config, weeks: rangeOfPeriods('2026-W43', '2026-W47', model.time), months: rangeOfPeriods('2026-10', '2026-11', model.time) };
});

afterAll(async () => {
  await store?.close();
  cleanup();
});

const ids = async (params: Record<string, string>) => {
  const list = await peopleRead(ctx, env, params);
  expect(list.total).toBe(list.rows.length);
  return list.rows.map((r) => r.id);
};

describe('the people behind a number, worked out by hand', () => {
  it('a weekly stage cell: visitors through their linked anonymous ids, and first reaches', async () => {
    // a1 and a2 are A's (linked an import later), b1 is B's, x1 went to X (the first link written).
    expect(await ids({ of: 'stage', stage: 'visit', week: '2026-W44' })).toEqual(['A', 'B', 'X']);
    expect(await ids({ of: 'stage', stage: 'signup', week: '2026-W44' })).toEqual(['B']);
    // Any day of the week names it; P signed up as ph-anon before identifying.
    expect(await ids({ of: 'stage', stage: 'signup', week: '2026-11-05' })).toEqual(['A', 'P']);
    expect(await ids({ of: 'stage', stage: 'setup', week: '2026-W45' })).toEqual(['A']);
    // Ideal: engineer or pm at 10+ people; B (now a designer) no longer fits, A, P and X do.
    expect(await ids({ of: 'stage', stage: 'visit', week: '2026-W44', segment: 'ideal' })).toEqual(['A', 'X']);
  });

  it('an MRR movement: the accounts the bridge counts in it', async () => {
    expect(await ids({ of: 'mrr', month: '2026-10', movement: 'new' })).toEqual(['acme', 'globex']);
    // acme: 250 at November's start, 99 at its end (a churn and a comeback inside the month): contraction.
    expect(await ids({ of: 'mrr', month: '2026-11', movement: 'contraction' })).toEqual(['acme']);
    expect(await ids({ of: 'mrr', month: '2026-11', movement: 'expansion' })).toEqual(['globex']);
    expect(await ids({ of: 'mrr', month: '2026-11', movement: 'churn' })).toEqual([]);
  });

  it('a row carries the current traits, the account and the latest event; an account list the account traits', async () => {
    const [a] = (await peopleRead(ctx, env, { of: 'stage', stage: 'setup', week: '2026-W45' })).rows;
    expect(a).toMatchObject({ id: 'A', account: 'acme', traits: { role: 'engineer', company_size: '25' }, last_seen: '2026-11-09T05:00:00.000Z', detail: {} });
    const [acme] = (await peopleRead(ctx, env, { of: 'mrr', month: '2026-11', movement: 'contraction' })).rows;
    expect(acme).toMatchObject({ id: 'acme', account: null, traits: { plan: 'business' }, detail: { mrr_start: 250, mrr_end: 99 } });
  });

  it('refuses a list without its keys, naming them', async () => {
    await expect(peopleRead(ctx, env, { of: 'stage', stage: 'setup' })).rejects.toThrow('--week: required with --of stage');
    await expect(peopleRead(ctx, env, { of: 'mrr', month: '2026-W45', movement: 'new' })).rejects.toThrow('--month: expected a month (2026-11) or a day in it, got "2026-W45"');
    await expect(peopleRead(ctx, env, { of: 'funnel', step: '6', dropped: '1' })).rejects.toThrow('step 6 is the last: nobody drops off after it');
  });
});
