import type { Command } from 'commander';

export { DEFAULT_PERIODS, parseAsOf, parseSegment, resolveRange, type ReportFlags } from '../reports/params.js';

/** Adds the options every report shares. */
export function reportOptions(cmd: Command, { segment = true } = {}): Command {
  cmd
    .option('--json', 'machine output (the JSON of docs/reports.md)')
    .option('--from <period>', 'first period: 2026-W40, 2026-10 or 2026-10-05')
    .option('--to <period>', 'last period, inclusive (default: the last complete one)')
    .option('--as-of <date>', 'treat this date as today (default: today)');
  if (segment) cmd.option('--segment <segment>', 'all | ideal | not-ideal', 'all');
  return cmd;
}

