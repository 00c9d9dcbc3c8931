/** `truenorth quality`: the data-quality report (reports/quality.ts). */
import type { Command } from 'commander';
import { qualityReport, type QualityReport, type QualityTotals } from '../../reports/quality.js';
import { withReports } from '../analytics.js';
import { formatTable, integer, printJson } from '../output.js';
import type { ReportFlags } from '../options.js';

export function registerQuality(program: Command): void {
  program.command('quality')
    .description('data quality: rejected messages by reason and source, clock-skew corrections, future timestamps clamped, duplicates')
    .option('--json', 'machine output')
    .option('--as-of <date>', 'treat this date as today (default: today)')
    .action((flags: ReportFlags) =>
      withReports(program, flags, async (ctx, config) => {
        const report = await qualityReport(ctx, config);
        if (flags.json) return printJson(report);
        printQuality(report);
      }),
    );
}

const LINES: [keyof QualityTotals, string][] = [
  ['rejected', 'rejected messages'],
  ['future_clamped', 'future timestamps clamped'],
  ['clock_skew_corrected', 'clock-skew corrections'],
  ['duplicates', 'duplicates skipped'],
];

export function printQuality(report: QualityReport): void {
  const t = report.totals;
  console.log(`Data quality as of ${report.as_of.slice(0, 10)} (last 7 days: ${report.window.from} … ${report.window.to})`);
  console.log(formatTable(['', 'last 7 days', 'all time'], LINES.map(([key, label]) => [label, integer(t.last_7_days[key]), integer(t.all_time[key])])));
  if (report.rows.length > 0) {
    console.log('');
    console.log(formatTable(['kind', 'reason', 'source', 'last 7 days', 'all time'],
      report.rows.map((r) => [r.kind, r.reason ?? '', r.source, integer(r.last_7_days), integer(r.all_time)])));
  }
  for (const finding of report.unknown_config_names) console.log(`\nconfig: ${finding.path}: ${finding.message}`);
}
