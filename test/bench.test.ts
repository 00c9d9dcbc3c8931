/**
 * The benchmark harness: its hand-written baseline SQL computes the same numbers as truenorth on the
 * demo company (so the bench's "same numbers" column can be trusted), and a tiled store is exactly
 * n copies of its source (so figures measured on one stand for a company n times the size).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbBaseline } from '../tools/bench/baseline-duckdb.js';
import { BENCH_AS_OF, BENCH_END_DATE, BENCH_SEED, BENCH_WEEKS } from '../tools/bench/data.js';
import { compareAnswers } from '../tools/bench/answers.js';
import { REPORT_BENCHES, REPORTS } from '../tools/bench/entries.js';
import { BASELINE_BENCHES, BASELINE_REPORTS } from '../tools/bench/reports.js';
import { tileDuckDbStore } from '../tools/bench/tile.js';
import { READ_OPERATIONS } from '../src/app/catalogue.js';
import { loadConfig } from '../src/config/load.js';
import { generateDemo } from '../src/demo/index.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { importLedger } from '../src/engine/ingest/import-ledger.js';
import { importManualCsv } from '../src/engine/ingest/import-manual.js';
import { reportContext } from '../src/reports/context.js';
import { modelFromConfig } from '../src/config/model.js';
import { computeScorecard } from '../src/app/reads/ritual.js';

const dir = mkdtempSync(join(tmpdir(), 'truenorth-bench-'));
const source = join(dir, 'source.duckdb');
const tiled = join(dir, 'tiled.duckdb');
const config = () => loadConfig(join(dir, 'truenorth.yaml'));

beforeAll(async () => {
  await generateDemo({ outDir: dir, users: 900, seed: BENCH_SEED, weeks: BENCH_WEEKS, endDate: BENCH_END_DATE });
  const store = await DuckDbStore.open(source);
  try {
    await importEvents(store, join(dir, 'events.ndjson'));
    await importLedger(store, join(dir, 'subscriptions.csv'));
    await importManualCsv(store, join(dir, 'manual.csv'));
  } finally {
    await store.close();
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench baselines', () => {
  it.each(BASELINE_REPORTS)('%s: the plain SQL baseline gives every number truenorth gives', async (name) => {
    const store = await DuckDbStore.open(source, { readOnly: true });
    try {
      const c = config();
      const ctx = reportContext(store, modelFromConfig(c), BENCH_AS_OF);
      const bench = BASELINE_BENCHES[name];
      const answer = await bench.truenorth(ctx, c);
      expect(answer.size).toBeGreaterThan(5);
      const agreement = compareAnswers(answer, await bench.baseline(store, duckdbBaseline, ctx, c));
      expect(agreement.differences).toEqual([]);
      expect(agreement.agree).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('bench entries', () => {
  it('are the reads of the operation catalogue, the six with a baseline among them', () => {
    expect(REPORTS).toEqual(READ_OPERATIONS.map((op) => op.name));
    expect(new Set(REPORTS).size).toBe(REPORTS.length);
    for (const name of BASELINE_REPORTS) expect(REPORT_BENCHES.get(name)).toBe(BASELINE_BENCHES[name]);
    expect([...REPORT_BENCHES.values()].filter((b) => b.baseline).map((b) => b.name).sort()).toEqual([...BASELINE_REPORTS].sort());
  });

  it('each read runs on the demo company with its default parameters, as the CLI runs it, or is refused for a section the demo leaves out', async () => {
    const store = await DuckDbStore.open(source, { readOnly: true });
    try {
      const c = config();
      const ctx = reportContext(store, modelFromConfig(c), BENCH_AS_OF);
      const failed: string[] = [];
      for (const [name, bench] of REPORT_BENCHES) {
        try {
          const answer = await bench.truenorth(ctx, c);
          if (bench.baseline) expect(answer, name).toBeInstanceOf(Map);
          else expect(answer, name).toBeNull();
        } catch (e) {
          failed.push(`${name}: ${(e as Error).message}`);
        }
      }
      // The demo company configures neither HEART nor guardrails.
      expect(failed.map((refusal) => refusal.split(':')[0])).toEqual(['heart', 'guardrails']);
      for (const refusal of failed) expect(refusal).toMatch(/^[a-z-]+: no [a-z_]+: .*in truenorth\.yaml/);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe('tiled bench store', () => {
  it('three copies of a store give a scorecard whose every count and amount is three times the source’s', async () => {
    const { events } = await tileDuckDbStore(source, tiled, 3);
    const c = config();
    const model = modelFromConfig(c);
    const scorecardOf = async (path: string) => {
      const store = await DuckDbStore.open(path, { readOnly: true });
      try {
        return await computeScorecard(reportContext(store, model, BENCH_AS_OF), c);
      } finally {
        await store.close();
      }
    };
    const one = await scorecardOf(source);
    const three = await scorecardOf(tiled);
    const original = await DuckDbStore.open(source, { readOnly: true });
    const [{ n }] = await original.all<{ n: number }>('SELECT count(*) AS n FROM events');
    await original.close();
    expect(events).toBe(3 * n);
    const scaled = ['north_star', 'journey.visit', 'journey.signup', 'journey.setup', 'journey.first_strike', 'journey.kui', 'journey.upgrade', 'health.mrr'];
    for (const id of scaled) {
      const a = one.rows.find((r) => r.id === id)!.values;
      const b = three.rows.find((r) => r.id === id)!.values;
      expect(a.some((v) => (v ?? 0) > 0), id).toBe(true);
      expect(b.map((v) => (v === null ? null : Math.round(v * 100) / 100)), id).toEqual(a.map((v) => (v === null ? null : Math.round(3 * v * 100) / 100)));
    }
    // Rates are unchanged: the same company, three times over.
    expect(three.rows.find((r) => r.id === 'health.nrr')!.values).toEqual(one.rows.find((r) => r.id === 'health.nrr')!.values.map((v) => (v === null ? null : expect.closeTo(v, 9))));
    expect(three.bottleneck?.stage).toBe(one.bottleneck?.stage);
  });
});
