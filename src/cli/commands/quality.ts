/** `truenorth quality`: the data-quality report (reports/quality.ts). */
import type { Command } from 'commander';
import { READS } from '../../app/catalogue.js';
import type { QualityReport, QualityTotals } from '../../reports/quality.js';
import { readCommand } from '../operation-command.js';
import { formatTable, integer } from '../output.js';

export function registerQuality(program: Command): void {
  readCommand(program, READS.quality, {
    description: 'data quality: rejected messages by reason and source, clock-skew corrections, future timestamps clamped, duplicates',
    print: printQuality,
  });
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
