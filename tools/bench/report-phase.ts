/** The reports of one engine, each timed against its baseline, with a check that both give the same numbers. */
import { existsSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema/index.js';
import { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import { reportContext } from '../../src/reports/context.js';
import { QueryCache } from '../../src/reports/query-cache.js';
import { clickhouseBaseline } from './baseline-clickhouse.js';
import { duckdbBaseline } from './baseline-duckdb.js';
import { demoMatches } from './baseline-sql.js';
import { BENCH_AS_OF } from './data.js';
import type { PhaseSpec, ReportTiming } from './phase-protocol.js';
import { compareAnswers } from './answers.js';
import { REPORT_BENCHES } from './reports.js';
import { modelFromConfig } from '../../src/config/model.js';

export async function reportsPhase(spec: Extract<PhaseSpec, { kind: 'reports' }>): Promise<{ reports: ReportTiming[]; baseline_note: string | null }> {
  if (!existsSync(spec.db)) throw new Error(`no database at ${spec.db}`);
  const config: Config = loadConfig(spec.config);
  const model = modelFromConfig(config);
  const note = demoMatches(model);
  let engine: SqlEngine;
  if (spec.engine === 'duckdb') engine = await DuckDbStore.open(spec.db, { readOnly: true });
  else engine = await ClickHouseStore.open({ path: spec.db }, { readOnly: true });
  const sql = spec.engine === 'duckdb' ? duckdbBaseline : clickhouseBaseline;
  const ctx = reportContext(engine, model, BENCH_AS_OF);
  const out: ReportTiming[] = [];
  try {
    for (const name of spec.reports) {
      const bench = REPORT_BENCHES[name];
      const timing: ReportTiming = { report: name, truenorth_first_ms: 0, truenorth_ms: [], truenorth_cached_ms: [], baseline_first_ms: null, baseline_ms: [], agreement: null };
      out.push(timing);
      try {
        let start = performance.now();
        const answer = await bench.truenorth(ctx, config);
        timing.truenorth_first_ms = performance.now() - start;
        let baselineAnswer = null;
        if (!note) {
          start = performance.now();
          baselineAnswer = await bench.baseline(engine, sql, ctx, config);
          timing.baseline_first_ms = performance.now() - start;
          timing.agreement = compareAnswers(answer, baselineAnswer);
        }
        // Interleaved, so a burst of load elsewhere on the machine hits both sides alike.
        for (let i = 0; i < spec.runs; i++) {
          start = performance.now();
          await bench.truenorth(ctx, config);
          timing.truenorth_ms.push(performance.now() - start);
          if (!note) {
            start = performance.now();
            await bench.baseline(engine, sql, ctx, config);
            timing.baseline_ms.push(performance.now() - start);
          }
        }
        if (engine.dataVersion !== undefined) {
          const cached = reportContext(engine, model, BENCH_AS_OF, new QueryCache());
          await bench.truenorth(cached, config);
          for (let i = 0; i < spec.runs; i++) {
            start = performance.now();
            await bench.truenorth(cached, config);
            timing.truenorth_cached_ms.push(performance.now() - start);
          }
        }
      } catch (e) {
        timing.error = (e as Error).message.split('\n')[0];
      }
    }
  } finally {
    await engine.close();
  }
  return { reports: out, baseline_note: note };
}
