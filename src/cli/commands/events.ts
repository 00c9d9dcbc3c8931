import type { Command } from 'commander';
import { READS } from '../../app/catalogue.js';
import type { EventsReport } from '../../app/reads/beyond.js';
import { wholeNumber } from '../../model/whole-number.js';
import { readCommand } from '../operation-command.js';
import { formatTable, integer } from '../output.js';

export function registerEvents(program: Command): void {
  readCommand(program, READS.events, {
    description: 'the event catalogue: every event name the store holds, its counts, sources and property keys; trait keys; the config checked against them',
    options: [['--keys <n>', 'property keys shown per event in the table', '5']],
    print(report, flags) {
      if (!('events' in report)) return printChecks(report.config_checks);
      printEvents(report, wholeNumber(String(flags.keys), '--keys', 1));
    },
  });
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
  printChecks(report.config_checks);
}

function printChecks(checks: EventsReport['config_checks']): void {
  console.log(checks.length ? '\ntruenorth.yaml names what the store does not hold:' : '\nEvery event and property truenorth.yaml names is in the store.');
  for (const f of checks) console.log(`${f.level.padEnd(5)} ${f.path}: ${f.message}`);
}
