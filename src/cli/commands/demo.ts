import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema/index.js';
import { generateDemo, type DemoSummary } from '../../demo/index.js';
import { DuckDbStore } from '../../engine/duckdb/database.js';
import { importEvents } from '../../engine/ingest/import-events.js';
import { importLedger } from '../../engine/ingest/import-ledger.js';
import { importManualCsv } from '../../engine/ingest/import-manual.js';
import { localDateOf, formatDate, periodStartDate } from '../../model/time.js';
import { reportContext, type ReportContext } from '../../reports/context.js';
import { funnelReport } from '../../reports/funnel.js';
import { formatValue } from '../../reports/scorecard.js';
import { formatTable, integer, percent, progressBar } from '../output.js';
import { wholeNumber } from '../../model/whole-number.js';
import { modelFromConfig } from '../../config/model.js';
import { computeScorecard } from '../../app/reads/ritual.js';

interface DemoFlags {
  users: string;
  seed: string;
  weeks: string;
  dir: string;
  end?: string;
  open: boolean;
}

/** The Monday of this week (UTC): demo data ends just before it, so "last week" is its last week. */
function thisMonday(): string {
  return formatDate(periodStartDate(localDateOf(Date.now(), 'UTC'), 'week', 'monday'));
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generate a realistic SaaS company, import it and show what truenorth computes')
    .option('--users <n>', 'signups to simulate', '3000')
    .option('--seed <n>', 'random seed (same seed, same company)', '42')
    .option('--weeks <n>', 'weeks of history (at least 12)', '16')
    .option('--dir <dir>', 'where to write the data, the config and the database', 'truenorth-demo')
    .option('--end <date>', 'the Monday the data stops before (default: this Monday)')
    .option('--no-open', 'do not start the dashboard afterwards')
    .action(async (flags: DemoFlags) => {
      const users = wholeNumber(flags.users, '--users', 10, 10_000_000);
      const seed = wholeNumber(flags.seed, '--seed', 0, 2 ** 31 - 1);
      const weeks = wholeNumber(flags.weeks, '--weeks', 12, 104);
      const started = Date.now();
      const gen = progressBar('generating', 'rows');
      const summary = await generateDemo({ outDir: flags.dir, users, seed, weeks, endDate: flags.end ?? thisMonday(), onProgress: (d, t) => gen.update(d, t) });
      gen.stop();
      console.log(`Generated ${summary.product}: ${summary.counts.events.toLocaleString('en-US')} events from ${summary.counts.visitors.toLocaleString('en-US')} visitors and ${summary.counts.signups.toLocaleString('en-US')} signups, ${summary.period.first_week} … ${summary.period.last_week} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

      const dbPath = join(flags.dir, 'truenorth.duckdb');
      for (const stale of [dbPath, `${dbPath}.wal`]) if (existsSync(stale)) rmSync(stale);
      const store = await DuckDbStore.open(dbPath);
      try {
        await importDemo(store, summary, dbPath);
        const config = loadConfig(summary.files.config);
        const ctx = reportContext(store, modelFromConfig(config), Date.parse(`${flags.end ?? thisMonday()}T12:00:00Z`));
        await printDemoScorecard(ctx, config);
        await printDemoFunnel(ctx, summary);
        const cwd = relative(process.cwd(), flags.dir) || '.';
        console.log(`\nExplore: cd ${cwd} && npx truenorth scorecard   (also: funnel, north-star, retention, pql, revenue, surveys, digest, leading, tree)`);
      } finally {
        await store.close();
      }
      if (flags.open) await maybeServe(program, flags.dir);
    });
}

async function importDemo(store: DuckDbStore, summary: DemoSummary, dbPath: string): Promise<void> {
  const importStart = Date.now();
  const bar = progressBar('importing', 'bytes');
  const events = await importEvents(store, summary.files.events, { onProgress: (d, t) => bar.update(d, t) });
  bar.stop();
  const ledger = await importLedger(store, summary.files.subscriptions);
  const manual = await importManualCsv(store, summary.files.manual);
  const seconds = (Date.now() - importStart) / 1000;
  console.log(`Imported ${events.imported.toLocaleString('en-US')} messages (${Math.round(events.imported / seconds).toLocaleString('en-US')}/s), ${ledger.imported} ledger rows, ${manual.imported} hand-entered values into ${dbPath}`);
  if (events.rejected || ledger.rejected || manual.rejected) console.log(`Rejected: ${events.rejected} events, ${ledger.rejected} ledger rows, ${manual.rejected} values`);
}

async function printDemoScorecard(ctx: ReportContext, config: Config): Promise<void> {
  const card = await computeScorecard(ctx, config, {});
  const last = card.weeks.length - 1;
  console.log(`\nScorecard, week ${card.weeks[last]}`);
  console.log(formatTable(['metric', 'owner', 'value', 'status'], card.rows.map((r) => [r.name, r.owner ?? '—', formatValue(r.values[last], r.unit), r.status[last].replace('_', ' ')])));
  console.log(`\nBottleneck: ${card.bottleneck?.sentence ?? 'none'}`);
  console.log(`CEO of the week: ${card.ceo_of_the_week?.owner ?? 'nobody'}`);
  console.log(`Praise: ${card.praise.map((p) => p.owner).filter((o, i, all) => all.indexOf(o) === i).join(', ') || 'nobody hit a target'}`);
}

async function printDemoFunnel(ctx: ReportContext, summary: DemoSummary): Promise<void> {
  const range = { from: Date.parse(summary.period.start), to: Date.parse(summary.period.end) };
  const funnel = await funnelReport(ctx, range, 'all');
  const groups = funnel.breakdown?.groups ?? [];
  console.log(`\nJourney funnel over the whole period (${funnel.window_days}-day window), all vs ideal users`);
  console.log(formatTable(['step', 'all', 'conv.', ...groups.flatMap((g) => [g.value, 'conv.'])], funnel.steps.map((s, i) => [
    s.stage, integer(s.actors), percent(s.conversion_from_previous),
    ...groups.flatMap((g) => [integer(g.steps[i].actors), percent(g.steps[i].conversion_from_previous)]),
  ])));
  console.log(`\nPlanted in this company: ${summary.planted.bottleneck.description}`);
  console.log(`Also planted: ${summary.planted.aha_moment.description}`);
}

/** Starts the dashboard on the demo when the server is part of this build. */
async function maybeServe(program: Command, dir: string): Promise<void> {
  const serve = program.commands.find((c) => c.name() === 'serve');
  if (!serve || !process.stdout.isTTY) return;
  console.log(`\nStarting the dashboard on the demo (Ctrl-C to stop; --no-open skips this)…`);
  await program.parseAsync(['node', 'truenorth', '--config', join(dir, 'truenorth.yaml'), '--db', join(dir, 'truenorth.duckdb'), 'serve', '--open'], { from: 'node' });
}
