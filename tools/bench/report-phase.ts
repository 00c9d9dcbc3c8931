/** The reads of one engine, each timed (against its baseline when it has one, with a check that both give the same numbers). */
import { existsSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema/index.js';
import { ClickHouseStore } from '../../src/engine/clickhouse/store.js';
import { DuckDbStore } from '../../src/engine/duckdb/database.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import { reportContext, type ReportContext } from '../../src/reports/context.js';
import { QueryCache } from '../../src/reports/query-cache.js';
import { clickhouseBaseline } from './baseline-clickhouse.js';
import { duckdbBaseline } from './baseline-duckdb.js';
import { demoMatches, type BaselineSql } from './baseline-sql.js';
import { BENCH_AS_OF } from './data.js';
import type { PhaseSpec, ReportTiming } from './phase-protocol.js';
import { compareAnswers } from './answers.js';
import { REPORT_BENCHES, type ReportBench } from './entries.js';
import { modelFromConfig } from '../../src/config/model.js';

/** Where a report runs: the engine, its context (and one through a query cache), and the baseline's dialect unless the config differs from it. */
interface Bench {
  engine: SqlEngine;
  config: Config;
  ctx: ReportContext;
  cached: () => ReportContext;
  sql: BaselineSql | null;
  runs: number;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

/** One report: a first run, then `runs` timed runs interleaved with the baseline's, then through a query cache. */
async function timeReport(report: ReportBench, b: Bench, timing: ReportTiming): Promise<void> {
  const baseline = b.sql && report.baseline ? report.baseline.bind(report, b.engine, b.sql, b.ctx, b.config) : null;
  const [answer, first] = await timed(() => report.truenorth(b.ctx, b.config));
  timing.truenorth_first_ms = first;
  if (baseline) {
    const [baselineAnswer, baselineFirst] = await timed(baseline);
    timing.baseline_first_ms = baselineFirst;
    if (answer) timing.agreement = compareAnswers(answer, baselineAnswer);
  }
  // Interleaved, so a burst of load elsewhere on the machine hits both sides alike.
  for (let i = 0; i < b.runs; i++) {
    timing.truenorth_ms.push((await timed(() => report.truenorth(b.ctx, b.config)))[1]);
    if (baseline) timing.baseline_ms.push((await timed(baseline))[1]);
  }
  if (b.engine.dataVersion === undefined) return;
  const cached = b.cached();
  await report.truenorth(cached, b.config);
  for (let i = 0; i < b.runs; i++) timing.truenorth_cached_ms.push((await timed(() => report.truenorth(cached, b.config)))[1]);
}

export async function reportsPhase(spec: Extract<PhaseSpec, { kind: 'reports' }>): Promise<{ reports: ReportTiming[]; baseline_note: string | null }> {
  if (!existsSync(spec.db)) throw new Error(`no database at ${spec.db}`);
  const config: Config = loadConfig(spec.config);
  const model = modelFromConfig(config);
  const note = demoMatches(model);
  const engine: SqlEngine = spec.engine === 'duckdb'
    ? await DuckDbStore.open(spec.db, { readOnly: true })
    : await ClickHouseStore.open({ path: spec.db }, { readOnly: true });
  const bench: Bench = {
    engine, config, runs: spec.runs,
    ctx: reportContext(engine, model, BENCH_AS_OF),
    cached: () => reportContext(engine, model, BENCH_AS_OF, new QueryCache()),
    sql: note ? null : spec.engine === 'duckdb' ? duckdbBaseline : clickhouseBaseline,
  };
  const out: ReportTiming[] = [];
  try {
    for (const name of spec.reports) {
      const timing: ReportTiming = { report: name, truenorth_first_ms: 0, truenorth_ms: [], truenorth_cached_ms: [], baseline_first_ms: null, baseline_ms: [], agreement: null };
      out.push(timing);
      try {
        const report = REPORT_BENCHES.get(name);
        if (!report) throw new Error(`no read named ${JSON.stringify(name)}`);
        await timeReport(report, bench, timing);
      } catch (e) {
        timing.error = (e as Error).message.split('\n')[0];
      }
    }
  } finally {
    await engine.close();
  }
  return { reports: out, baseline_note: note };
}
