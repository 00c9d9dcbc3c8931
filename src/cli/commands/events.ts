import type { Command } from 'commander';
import { positiveInteger } from '../../reports/beyond-api.js';
import { eventsReport, type EventsReport } from '../../reports/catalogue-api.js';
import { withReports } from '../analytics.js';
import { formatTable, integer, printJson } from '../output.js';
import type { ReportFlags } from '../options.js';

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('the event catalogue: every event name the store holds, its counts, sources and property keys; trait keys; the config checked against them')
    .option('--json', 'machine output')
    .option('--as-of <date>', 'treat this date as today')
    .option('--keys <n>', 'property keys shown per event in the table', '5')
    .action((flags: ReportFlags & { keys?: string }) =>
      withReports(program, flags, async (ctx, config) => {
        const report = await eventsReport(ctx, config);
        if (flags.json) return printJson(report);
        printEvents(report, positiveInteger('keys', flags.keys, 5));
      }),
    );
}

const day = (iso: string) => iso.slice(0, 10);

export function printEvents(report: EventsReport, keys: number): void {
  console.log(`${integer(report.total_events)} events, ${report.events.length} names${report.actors_exact ? '' : ' (senders estimated)'}`);
  if (report.events.length) {
    console.log(formatTable(
      ['event', 'count', 'senders', 'first seen', 'last seen', 'sources', 'common properties'],
      report.events.map((e) => [
        e.event, integer(e.count), integer(e.actors), day(e.first_seen), day(e.last_seen), e.sources.join(', '),
        e.properties.slice(0, keys).map((p) => p.key).join(', ') + (e.properties.length > keys ? ', …' : ''),
      ]),
    ));
  }
  for (const [title, traits] of [['User traits', report.user_traits], ['Account traits', report.account_traits]] as const) {
    console.log(`\n${title}: ${traits.length ? traits.map((t) => `${t.key} (${integer(t.count)})`).join(', ') : 'none'}`);
  }
  console.log(report.config_checks.length ? '\ntruenorth.yaml names what the store does not hold:' : '\nEvery event and property truenorth.yaml names is in the store.');
  for (const f of report.config_checks) console.log(`${f.level.padEnd(5)} ${f.path}: ${f.message}`);
}
