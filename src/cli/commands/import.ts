import type { Command } from 'commander';
import type { ImportReport } from '../../engine/ingest/import-events.js';
import { importFailure } from '../../engine/ingest/import-hint.js';
import { InputError } from '../../errors.js';
import { checkExportPath, exportEvents } from '../../engine/ingest/export-events.js';
import { HISTORY_SOURCES, historySource, type HistorySource } from '../../engine/ingest/history.js';
import { detectFormat } from '../../engine/ingest/sources.js';
import { printJson, progressBar } from '../output.js';
import { remoteExport, remoteImport, viaServer } from '../remote.js';
import { onReader } from '../../engine/sql-engine.js';
import { readConfigIfPresent, withPort, type GlobalOptions } from '../context.js';
import { requireCapability } from '../../server/require-capability.js';
import { wholeNumber } from '../../model/whole-number.js';
import { manualMetricNames } from '../../config/model.js';
import { registerImportStripe } from './import-stripe.js';

interface ImportFlags {
  format?: string;
  from?: HistorySource;
  strict?: boolean;
  json?: boolean;
  maxRejected?: number;
}

const MAX_REJECTED = ['--max-rejected <n>', 'fail (exit 1) when more than n rows are rejected (default: only when every row is)'] as const;

function parseMaxRejected(text: string): number {
  return wholeNumber(text, '--max-rejected', 0);
}

export function registerImport(program: Command): void {
  const cmd = program.command('import').description('import events or the subscription ledger from a file (- reads stdin)');
  cmd
    .command('events <file>')
    .description('NDJSON (Segment or PostHog messages), CSV or Parquet; exports from Mixpanel, Amplitude, PostHog and Segment; .gz and .zip')
    .option('--format <format>', 'ndjson | csv | parquet (default: from the file name)')
    .option('--from <source>', `${HISTORY_SOURCES.join(' | ')} (default: from the first record)`, historySource)
    .option('--strict', 'reject the whole file, writing nothing, at the first bad row')
    .option('--json', 'print the result as JSON')
    .option(...MAX_REJECTED, parseMaxRejected)
    .action(async (file: string, flags: ImportFlags) => {
      const globals = program.opts<GlobalOptions>();
      const format = detectFormat(file, flags.format);
      const bar = progressBar(`importing ${file}`, format === 'parquet' ? 'rows' : 'bytes');
      const report = await withPort(globals, readConfigIfPresent(globals), (store) =>
        store.importers.events(file, { format: flags.format, from: flags.from, strict: flags.strict, onProgress: (done, total) => bar.update(done, total) }),
      ).catch((e) => viaServer(e, globals, undefined, (server) =>
        remoteImport(server, 'events', file, { format, from: flags.from, strict: flags.strict, onProgress: (done, total) => bar.update(done, total) }),
      )).finally(() => bar.stop());
      printReport(report, flags);
    });
  cmd
    .command('subscriptions <file>')
    .description('ledger CSV: account_id,effective_at,mrr[,plan,currency,subscription_id]')
    .option('--strict', 'reject the whole file, writing nothing, at the first bad row')
    .option('--json', 'print the result as JSON')
    .option(...MAX_REJECTED, parseMaxRejected)
    .action(async (file: string, flags: ImportFlags) => {
      const globals = program.opts<GlobalOptions>();
      const report = await withPort(globals, readConfigIfPresent(globals), (store) => store.importers.ledger(file, { strict: flags.strict }))
        .catch((e) => viaServer(e, globals, undefined, (server) => remoteImport(server, 'subscriptions', file, { strict: flags.strict })));
      printReport(report, flags);
    });
  cmd
    .command('manual <file>')
    .description('hand-entered values CSV: metric,week,value[,entered_by,note] (appended: later rows correct earlier ones)')
    .option('--strict', 'reject the whole file, writing nothing, at the first bad row')
    .option('--json', 'print the result as JSON')
    .option(...MAX_REJECTED, parseMaxRejected)
    .action(async (file: string, flags: ImportFlags) => {
      const globals = program.opts<GlobalOptions>();
      const config = readConfigIfPresent(globals);
      const options = { strict: flags.strict, allowed: config ? manualMetricNames(config) : undefined, weekStart: config?.week_start };
      const report = await withPort(globals, config, (store) => store.importers.manual(file, options))
        .catch((e) => viaServer(e, globals, config, (server) => remoteImport(server, 'manual', file, { strict: flags.strict })));
      printReport(report, flags);
    });
  registerImportStripe(program, cmd);

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
      const n = await withPort(globals, config, (store) => {
        requireCapability(store, 'export_events', 'export events');
        return onReader(store, (engine) => exportEvents(engine, file, format));
      })
        .catch((e) => viaServer(e, globals, config, (server) => remoteExport(server, format, file)));
      process.stdout.write(`exported ${n} events to ${file}\n`);
    });
}

/** Prints the report; an import that failed (importFailure) then ends in its one-line error, exit 1. */
function printReport(report: ImportReport, flags: ImportFlags): void {
  if (flags.json) printJson(report);
  else {
    for (const e of report.errors.slice(0, 20)) process.stderr.write(`${e.file === undefined ? '' : `${e.file} `}line ${e.line}: ${e.reason}\n`);
    if (report.rejected > report.errors.slice(0, 20).length) {
      process.stderr.write(`… and ${report.rejected - Math.min(report.errors.length, 20)} more rejected rows\n`);
    }
    process.stdout.write(`imported ${report.imported}, duplicates ${report.duplicates}, rejected ${report.rejected}\n`);
  }
  const failure = importFailure(report, flags.maxRejected);
  if (failure) throw new InputError(failure);
}
