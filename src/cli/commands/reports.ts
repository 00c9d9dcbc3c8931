import type { Command } from 'commander';
import { READS } from '../../app/catalogue.js';
import { modelFromConfig } from '../../config/model.js';
import type { NorthStarReport } from '../../reports/north-star.js';
import type { FunnelReport, FunnelStep } from '../../reports/funnel.js';
import { readCommand } from '../operation-command.js';
import { formatTable, integer, percent } from '../output.js';
import type { ConfigFinding } from '../../config/name-check.js';
import { peopleTable, type PeopleList } from '../../reports/people.js';
import { formatCsv } from '../csv.js';

export function registerReports(program: Command): void {
  readCommand(program, READS.northStar, {
    description: 'the North Star Metric per period',
    print(report) {
      printSeries(report);
      printWarnings(report.warnings);
    },
  });

  readCommand(program, READS.funnel, {
    description: 'the journey as a cohort funnel (all vs ideal users), or weekly stage counts',
    print(answer, _flags, config) {
      if ('weeks' in answer) {
        const stages = modelFromConfig(config).journey.map((s) => s.stage);
        console.log(formatTable(['week', ...stages], answer.weeks.map((w) => [w.week, ...stages.map((s) => integer(w.stages[s] ?? 0))])));
        return printWarnings(answer.warnings);
      }
      printFunnel(answer);
      printWarnings(answer.warnings);
      const ttv = answer.time_to_value;
      if (!ttv) return;
      const signupToValue = ttv.signup_to_first_strike;
      console.log('\nTime to value (hours, on each converting actor\'s chain)');
      const rows = ttv.steps.map((s) => [`${s.from} → ${s.to}`, s.actors, hours(s.p25_hours), hours(s.median_hours), hours(s.p75_hours), hours(s.p90_hours)]);
      if (signupToValue) rows.push(['signup → first_strike (first-time)', signupToValue.actors, hours(signupToValue.p25_hours), hours(signupToValue.median_hours), hours(signupToValue.p75_hours), hours(signupToValue.p90_hours)]);
      console.log(formatTable(['step', 'actors', 'p25', 'median', 'p75', 'p90'], rows));
    },
  });

  readCommand(program, READS.retention, {
    description: 'cohort retention triangle',
    print(report) {
      const period = report.period;
      const width = Math.max(0, ...report.cohorts.map((c) => c.retained.length));
      const head = ['cohort', 'size', ...Array.from({ length: width }, (_, k) => `${period[0]}${k}`)];
      const rows = report.cohorts.map((c) => [c.cohort, c.size, ...Array.from({ length: width }, (_, k) => (k < c.rates.length ? `${percent(c.rates[k], 0) ?? '—'}${c.complete[k] ? '' : '*'}` : ''))]);
      rows.push(['average', '', ...report.average.map((a) => percent(a, 0) ?? '—')]);
      const zero = report.period_zero === 'cohort' ? `${period[0]}0 = the whole cohort` : `${period[0]}0 = did the retention action then`;
      console.log(`Retention (${report.mode === 'on' ? 'on' : 'on or after'}; ${period}ly cohorts of first signup; ${zero}; average over complete periods)`);
      console.log(formatTable(head, rows));
      if (report.cohorts.some((c) => c.complete.includes(false))) console.log('* period still in progress; not in the average');
    },
  });

  readCommand(program, READS.pql, {
    description: 'product-qualified leads: list, weekly counts, PQL → upgrade rate',
    options: [['--limit <n>', 'list at most n PQLs in the table', '20']],
    print(report, flags, config) {
      if (!modelFromConfig(config).idealUser) console.log('No ideal_user profile is configured, so there are no PQLs (PQL = ideal user ∧ setup ∧ first strike ∧ KUI).');
      if (report.missing_stages.length) console.log(`PQLs need the journey stages ${report.missing_stages.join(', ')} configured.`);
      console.log(formatTable(['week', 'ideal signups', 'PQLs', 'ideal upgrades'], report.weeks.map((w) => [w.week, w.ideal_signups, w.pqls, w.ideal_upgrades])));
      console.log(`\n${report.pqls.length} PQLs; PQL → upgrade: ${percent(report.upgrade_rate) ?? '—'} (expect 30–50 %)`);
      const limit = Number(flags.limit);
      if (report.pqls.length) {
        console.log(formatTable(['actor', 'account', 'qualified at', 'upgraded at'],
          report.pqls.slice(-limit).map((p) => [p.actor, p.account, p.qualified_at.slice(0, 16), p.upgraded_at?.slice(0, 16) ?? null])));
      }
    },
  });

  readCommand(program, READS.people, {
    description: 'the people or accounts behind a number, with traits and last activity (--csv for a file)',
    options: [['--csv', 'the page as CSV: one column per detail and trait']],
    print: (list, flags) => printPeople(list, flags.csv === true),
  });
}

function printPeople(list: PeopleList, csv: boolean): void {
  const { header, rows } = peopleTable(list);
  if (csv) {
    process.stdout.write(formatCsv(header, rows));
    return;
  }
  const shown = list.rows.length ? `${list.offset + 1}–${list.offset + list.rows.length}` : 'none';
  console.log(`${integer(list.total)} ${list.subject}; showing ${shown}${list.offset + list.rows.length < list.total ? ' (--offset for more)' : ''}`);
  if (rows.length) console.log(formatTable(header.slice(0, 8), rows.map((r) => r.slice(0, 8).map((v) => (typeof v === 'boolean' ? String(v) : v)))));
}

function hours(h: number | null): string | null {
  if (h === null) return null;
  return h < 48 ? `${h.toFixed(1)}h` : `${(h / 24).toFixed(1)}d`;
}

function printSeries(report: NorthStarReport): void {
  console.log(`${report.name} (${report.frequency}ly${report.segment === 'all' ? '' : `, ${report.segment.replace('_', '-')} users`})`);
  if (!report.breakdown) {
    console.log(formatTable(['period', 'value'], report.series.map((p) => [p.period, formatValue(p.value)])));
    return;
  }
  const groups = report.breakdown.groups;
  console.log(formatTable(
    ['period', 'total', ...groups.map((g) => `${report.breakdown!.key}=${g.value}`)],
    report.series.map((p, i) => [p.period, formatValue(p.value), ...groups.map((g) => formatValue(g.series[i].value))]),
  ));
}

function formatValue(v: number | null): string | null {
  if (v === null) return null;
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function stepRows(steps: FunnelStep[]) {
  return steps.map((s) => [s.stage, s.event, integer(s.actors), percent(s.conversion_from_previous), percent(s.conversion_from_first)]);
}

function printFunnel(report: FunnelReport): void {
  console.log(`Journey funnel: actors entering ${report.from.slice(0, 10)} … ${report.to.slice(0, 10)}, ${report.window_days}-day conversion window${report.segment === 'all' ? '' : `, ${report.segment.replace('_', '-')} users`}`);
  if (!report.breakdown) {
    console.log(formatTable(['step', 'event', 'actors', 'from previous', 'from first'], stepRows(report.steps)));
    return;
  }
  const groups = report.breakdown.groups;
  const head = ['step', 'all', 'conv.', ...groups.flatMap((g) => [g.value, 'conv.'])];
  const rows = report.steps.map((s, i) => [
    s.stage, integer(s.actors), percent(s.conversion_from_previous),
    ...groups.flatMap((g) => [integer(g.steps[i].actors), percent(g.steps[i].conversion_from_previous)]),
  ]);
  console.log(formatTable(head, rows));
  if (report.breakdown.key === 'ideal_user' && report.steps[0]?.stage === 'visit') {
    console.log('Ideal users are known from their traits, so only once they identify: compare ideal and not ideal from signup on.');
  }
}

/** The config's names the store does not hold, after a report that reads them. */
export function printWarnings(warnings: readonly ConfigFinding[]): void {
  for (const w of warnings) console.log(`\nwarning: ${w.path}: ${w.message}`);
}
