/** `truenorth why <row> [--week W] [--json]`: why a scorecard row moved week over week (app/reads/why.ts). */
import type { Command } from 'commander';
import { READS } from '../../app/catalogue.js';
import { formatTrend, formatValue } from '../../reports/scorecard.js';
import type { WhyReport } from '../../reports/why-types.js';
import { addParamOptions, runReadCommand, type CommandFlags } from '../operation-command.js';
import { formatTable, printJson } from '../output.js';

export function registerWhy(program: Command): void {
  const cmd = program.command('why').argument('[row]', 'the scorecard row: north_star, journey.<stage>, health.<name> or a metric id')
    .description('why a scorecard row moved from the week before: by segment (mix vs rate) and along the metric tree');
  addParamOptions(cmd, READS.why);
  cmd.option('--json', 'machine output (the JSON of docs/reports.md)');
  cmd.action(async (row: string | undefined, flags: CommandFlags) => {
    const { report } = await runReadCommand(program, READS.why, { ...flags, row: row ?? flags.row });
    if (flags.json) printJson(report);
    else printWhy(report);
  });
}

const signed = (v: number, unit: WhyReport['unit'] = 'count') => `${v > 0 ? '+' : v < 0 ? '−' : ''}${formatValue(Math.abs(v), unit)}`;
const points = (v: number) => formatTrend(v, 'points');

function printWhy(r: WhyReport): void {
  console.log(`${r.name}, ${r.previous_week} → ${r.week}: ${formatValue(r.before, r.unit)} → ${formatValue(r.after, r.unit)}`);
  console.log(r.sentence);
  for (const cut of r.cuts) {
    console.log(`\nBy ${cut.label}:`);
    if (cut.parts) console.log(formatTable(['segment', 'before', 'after', 'change'], cut.parts.map((p) => [p.segment, formatValue(p.before), formatValue(p.after), signed(p.change)])));
    if (cut.rate) {
      console.log(`  ${points(cut.rate.change)} = mix ${points(cut.rate.mix)} + rate ${points(cut.rate.rate)}`);
    }
  }
  const c = r.conversion;
  if (c) {
    console.log(`\n${c.from_name} → ${r.name}: ${formatValue(c.base_before)} → ${formatValue(c.base_after)}, converting ${formatValue(c.rate_before, 'rate')} → ${formatValue(c.rate_after, 'rate')}`);
    console.log(`  change ${signed(r.change ?? 0)} = volume ${signed(c.volume)} + conversion ${signed(c.conversion)}`);
    for (const cut of c.cuts) {
      if (!cut.split) continue;
      console.log(`\n  Conversion by ${cut.label}: ${points(cut.split.change)} = mix ${points(cut.split.mix)} + rate ${points(cut.split.rate)}`);
      console.log(formatTable(['segment', 'share before', 'share after', 'rate before', 'rate after', 'mix', 'rate'], cut.split.segments.map((s) => [
        s.segment, formatValue(s.weight_before, 'rate'), formatValue(s.weight_after, 'rate'), formatValue(s.rate_before, 'rate'), formatValue(s.rate_after, 'rate'), points(s.mix), points(s.rate),
      ])));
    }
  }
  if (r.formula) {
    console.log(`\nFormula: ${r.formula.formula}`);
    if ('reason' in r.formula) console.log(`  not split: ${r.formula.reason}`);
    else console.log(formatTable(['factor', 'before', 'after', 'share of the change'], r.formula.factors.map((f) => [f.name, formatValue(f.before), formatValue(f.after), signed(f.share, r.unit)])));
  }
  if (r.inputs.length) {
    console.log('\nInputs (drives: north_star), with the measured link:');
    console.log(formatTable(['input', 'before', 'after', 'best lag', 'r', 'moves with it'], r.inputs.map((i) => [
      i.name, formatValue(i.before), formatValue(i.after), i.best_lag === null ? null : `${i.best_lag} w`, i.best_r === null ? null : i.best_r.toFixed(2), i.moves_with_target ? 'yes' : 'no',
    ])));
  }
  for (const note of r.notes) console.log(`\nNote: ${note}`);
}
