import type { Command } from 'commander';
import { importEvents, type ImportReport } from '../../engine/ingest/import-events.js';
import { importLedger } from '../../engine/ingest/import-ledger.js';
import { importManualCsv } from '../../engine/ingest/import-manual.js';
import { manualMetricNames } from '../../model/health.js';
import { checkExportPath, exportEvents } from '../../engine/ingest/export-events.js';
import { detectFormat } from '../../engine/ingest/sources.js';
import { printJson, progressBar } from '../output.js';
import { importToClickHouse, usesClickHouse } from './clickhouse.js';
import { remoteExport, remoteImport, viaServer } from '../remote.js';
import { readConfigIfPresent, withStore, type GlobalOptions } from '../context.js';

interface ImportFlags {
  format?: string;
  strict?: boolean;
  json?: boolean;
}

export function registerImport(program: Command): void {
  const cmd = program.command('import').description('import events or the subscription ledger from a file (- reads stdin)');
  cmd
    .command('events <file>')
    .description('NDJSON (Segment or PostHog messages), CSV or Parquet')
    .option('--format <format>', 'ndjson | csv | parquet (default: from the file name)')
    .option('--strict', 'reject the whole file, writing nothing, at the first bad row')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      const globals = program.opts<GlobalOptions>();
      if (usesClickHouse(globals)) return printReport(await importToClickHouse(globals, 'events', file, flags), flags.json);
      const format = detectFormat(file, flags.format);
      const bar = progressBar(`importing ${file}`, format === 'parquet' ? 'rows' : 'bytes');
      const report = await withStore(globals, readConfigIfPresent(globals), (store) =>
        importEvents(store, file, { format: flags.format, strict: flags.strict, onProgress: (done, total) => bar.update(done, total) }),
      ).catch((e) => viaServer(e, globals, undefined, (server) =>
        remoteImport(server, 'events', file, { format: flags.format, strict: flags.strict, onProgress: (done, total) => bar.update(done, total) }),
      )).finally(() => bar.stop());
      printReport(report, flags.json);
    });
  cmd
    .command('subscriptions <file>')
    .description('ledger CSV: account_id,effective_at,mrr[,plan,currency,subscription_id]')
    .option('--strict', 'reject the whole file, writing nothing, at the first bad row')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      const globals = program.opts<GlobalOptions>();
      if (usesClickHouse(globals)) return printReport(await importToClickHouse(globals, 'subscriptions', file, flags), flags.json);
      const report = await withStore(globals, readConfigIfPresent(globals), (store) => importLedger(store, file, { strict: flags.strict }))
        .catch((e) => viaServer(e, globals, undefined, (server) => remoteImport(server, 'subscriptions', file, { strict: flags.strict })));
      printReport(report, flags.json);
    });
  cmd
    .command('manual <file>')
    .description('hand-entered values CSV: metric,week,value[,entered_by,note] (appended: later rows correct earlier ones)')
    .option('--strict', 'reject the whole file, writing nothing, at the first bad row')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: ImportFlags) => {
      const globals = program.opts<GlobalOptions>();
      const config = readConfigIfPresent(globals);
      const options = { strict: flags.strict, allowed: config ? manualMetricNames(config) : undefined, weekStart: config?.week_start };
      if (usesClickHouse(globals)) return printReport(await importToClickHouse(globals, 'manual', file, options), flags.json);
      const report = await withStore(globals, config, (store) => importManualCsv(store, file, options))
        .catch((e) => viaServer(e, globals, config, (server) => remoteImport(server, 'manual', file, { strict: flags.strict })));
      printReport(report, flags.json);
    });

  program
    .command('export')
    .description('export stored data')
    .command('events <file>')
    .description('write events as Segment track messages: .ndjson, .csv or .parquet')
    .option('--format <format>', 'ndjson | csv | parquet (default: from the file name)')
    .action(async (file: string, flags: { format?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const format = detectFormat(file, flags.format);
      checkExportPath(file);
      const config = readConfigIfPresent(globals);
      const n = await withStore(globals, config, (store) => exportEvents(store, file, format))
        .catch((e) => viaServer(e, globals, config, (server) => remoteExport(server, format, file)));
      process.stdout.write(`exported ${n} events to ${file}\n`);
    });
}

function printReport(report: ImportReport, json?: boolean): void {
  if (json) return printJson(report);
  for (const e of report.errors.slice(0, 20)) process.stderr.write(`line ${e.line}: ${e.reason}\n`);
  if (report.rejected > report.errors.slice(0, 20).length) {
    process.stderr.write(`… and ${report.rejected - Math.min(report.errors.length, 20)} more rejected rows\n`);
  }
  process.stdout.write(`imported ${report.imported}, duplicates ${report.duplicates}, rejected ${report.rejected}\n`);
}
