/**
 * Times the same reports on DuckDB and on ClickHouse (embedded chdb) over the demo company and
 * checks that both engines give the same answers. Prints a Markdown table (docs/clickhouse.md).
 *
 *   npx tsx scripts/compare-engines.ts [users=3000] [weeks=16] [runs=5]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemo } from '../src/demo/index.js';
import { parseConfig } from '../src/config/load.js';
import { DuckDbStore } from '../src/engine/duckdb/database.js';
import { importEvents } from '../src/engine/ingest/import-events.js';
import { ClickHouseStore } from '../src/engine/clickhouse/store.js';
import { importEventsToClickHouse, importLedgerToClickHouse } from '../src/engine/clickhouse/import.js';
import { importLedger } from '../src/engine/ingest/import-ledger.js';
import { revenueReport } from '../src/reports/revenue.js';
import { surveysReport } from '../src/reports/surveys.js';
import { leadingReport } from '../src/reports/leading.js';
import { healthWeekly } from '../src/reports/providers.js';
import { reportContext, type ReportContext } from '../src/reports/context.js';
import { funnelReport, timeToValueReport, weeklyStagesReport } from '../src/reports/funnel.js';
import { seriesReport } from '../src/reports/north-star.js';
import { pqlReport } from '../src/reports/pql.js';
import { retentionReport } from '../src/reports/retention.js';
import { scorecardReport } from '../src/reports/scorecard-report.js';
import { lastPeriods } from '../src/model/time.js';
import { parseBreakdown } from '../src/model/metrics.js';
import { healthModelFromConfig, modelFromConfig, scorecardModelFromConfig } from '../src/config/model.js';
import { retentionDefinition } from '../src/model/metric-model.js';

const [users = 3000, weeks = 16, runs = 5] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'truenorth-engines-'));
const summary = await generateDemo({ outDir: dir, users, weeks, seed: 42 });
const config = parseConfig(readFileSync(summary.files.config, 'utf8'));
const model = modelFromConfig(config);
const asOf = Date.parse(`${summary.period.end}T00:00:00Z`);

const duck = await DuckDbStore.open(join(dir, 'demo.duckdb'));
let t = performance.now();
const d = await importEvents(duck, summary.files.events);
const duckImport = performance.now() - t;
await importLedger(duck, summary.files.subscriptions);
const ch = await ClickHouseStore.open({ path: join(dir, 'demo.chdb') });
t = performance.now();
await importEventsToClickHouse(ch, summary.files.events);
const chImport = performance.now() - t;
await importLedgerToClickHouse(ch, summary.files.subscriptions);
const health = healthModelFromConfig(config);

const range = lastPeriods(asOf, 'week', 12, model.time, true);
const months = lastPeriods(asOf, 'month', 3, model.time, true);
const reports: [string, (ctx: ReportContext) => Promise<unknown>][] = [
  ['north star (13 weeks)', (c) => seriesReport(c, c.model.northStar, range)],
  ['north star by user.role', (c) => seriesReport(c, c.model.northStar, range, 'all', parseBreakdown('user.role'))],
  ['weekly stages', (c) => weeklyStagesReport(c, range, 'all')],
  ['cohort funnel (all vs ideal)', (c) => funnelReport(c, range, 'all')],
  ['time to value', (c) => timeToValueReport(c, range, 'all')],
  ['PQLs', (c) => pqlReport(c, range)],
  ['retention, weekly on', (c) => retentionReport(c, retentionDefinition(c.model, 'week', 'on'), range, 'all')],
  ['retention, monthly on-or-after', (c) => retentionReport(c, retentionDefinition(c.model, 'month', 'on_or_after'), months, 'all')],
  ['revenue, monthly', (c) => revenueReport(c, health, 'month', months)],
  ['surveys (PMF, NPS, CSAT)', (c) => surveysReport(c, health, range)],
  ['leading indicators (aha moments)', (c) => leadingReport(c)],
  ['scorecard (13 weeks, with health rows)', (c) => scorecardReport(c, scorecardModelFromConfig(config), {}, { health: (names, weeks) => healthWeekly(c, healthModelFromConfig(config), names, weeks) })],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows: string[] = [];
for (const [name, run] of reports) {
  const times: Record<string, number[]> = { duckdb: [], clickhouse: [] };
  const answers: Record<string, string> = {};
  for (const [engine, store] of [['duckdb', duck], ['clickhouse', ch]] as const) {
    const ctx = reportContext(store, model, asOf);
    answers[engine] = JSON.stringify(await run(ctx)); // warm-up
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await run(ctx);
      times[engine].push(performance.now() - s);
    }
  }
  const same = answers.duckdb === answers.clickhouse ? 'same' : 'DIFFERENT';
  rows.push(`| ${name} | ${median(times.duckdb).toFixed(0)} ms | ${median(times.clickhouse).toFixed(0)} ms | ${same} |`);
}
const events = d.imported;
console.log(`Demo company: ${users} signups, ${weeks} weeks, ${events.toLocaleString('en-US')} stored messages; ${cpus().length} cores; median of ${runs} runs after a warm-up.\n`);
console.log(`| | DuckDB | ClickHouse (chdb) | answers |\n| --- | ---: | ---: | --- |`);
console.log(`| import events.ndjson | ${(duckImport / 1000).toFixed(1)} s | ${(chImport / 1000).toFixed(1)} s | |`);
for (const r of rows) console.log(r);
await duck.close();
await ch.close();
rmSync(dir, { recursive: true, force: true });
