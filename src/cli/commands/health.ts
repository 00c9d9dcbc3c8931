import type { Command } from 'commander';
import { READS, WRITES } from '../../app/catalogue.js';
import { defaultAuthor } from '../author.js';
import { runWrite } from '../write-command.js';
import type { EntryJson } from '../../app/reads/health.js';
import { prepareRead } from '../../app/run.js';
import { InputError } from '../../errors.js';
import { replayEngine, viaServer } from '../remote.js';
import type { BenchmarksReport } from '../../reports/benchmarks.js';
import { formatNumber, type GuardrailsReport } from '../../reports/guardrails.js';
import type { HeartMetricResult, HeartReport } from '../../reports/heart.js';
import { CLTV_CAC_READINGS, type RevenueReport } from '../../reports/revenue.js';
import { currentManualValues } from '../../reports/manual-values.js';
import type { SurveysReport } from '../../reports/surveys.js';
import { readConfig, withEngine, type GlobalOptions } from '../context.js';
import { readCommand } from '../operation-command.js';
import { formatTable, integer, percent, printJson } from '../output.js';
import { modelFromConfig } from '../../config/model.js';
import { HEALTH_METRIC_TABLE } from '../../model/health-metrics.js';

export function registerHealth(program: Command): void {
  readCommand(program, READS.revenue, { description: 'MRR bridge, churn, NRR, GRR, ARPC, quick ratio, CAC, CLTV, cash and runway', print: printRevenue });

  program
    .command('record <metric> [value]')
    .description('enter a number by hand (cash_balance, burn, sales_marketing_spend, source: manual rows); corrections keep history')
    .option('--week <week>', 'the week it is for, like 2026-W47 (default: the last complete week)')
    .option('--month <month>', 'the month it is for, like 2026-11')
    .option('--by <who>', 'who is entering it (default: $TRUENORTH_USER or the login name)')
    .option('--note <text>', 'why, or where the number comes from')
    .option('--clear', 'withdraw the value (kept in the history)')
    .option('--history', 'show every entry of the metric instead of recording')
    .option('--json', 'machine output')
    .action(async (metricText: string, valueText: string | undefined, flags: RecordFlags) => {
      const globals = program.opts<GlobalOptions>();
      const config = readConfig(globals);
      const model = modelFromConfig(config);
      if (flags.history) {
        if (valueText !== undefined) throw new InputError('--history lists entries; leave out the value');
        const read = prepareRead(READS.record, { metric: metricText }, 'cli');
        const history = await withEngine(globals, config, (engine) => read.run(engine, config, model))
          .catch((e) => viaServer(e, globals, config, async (server) => read.run(await replayEngine(server, program, { metric: metricText }, read.asOf), config, model)));
        if (flags.json) return printJson(history);
        return printHistory(history.metric, history.entries);
      }
      // The same request the dashboard's form sends; checked by the same schema here and behind the route.
      const request = {
        metric: metricText, week: flags.week, month: flags.month, value: valueText, clear: flags.clear === true,
        entered_by: defaultAuthor(flags.by), note: flags.note,
      };
      const result = await runWrite(program, WRITES.record, request, config);
      if (flags.json) return printJson(result);
      const { metric, period, value, entered_by: enteredBy, previous } = result;
      const what = value === null ? `cleared ${metric} for ${period}` : `recorded ${metric} = ${formatNumber(value)} for ${period}`;
      const was = previous ? ` (was ${formatNumber(previous.value)}, entered by ${previous.entered_by} on ${previous.entered_at.slice(0, 10)})` : '';
      process.stdout.write(`${what} by ${enteredBy}${was}\n`);
    });

  readCommand(program, READS.surveys, { description: 'PMF (Sean Ellis), NPS and CSAT: overall, by week and ideal vs not', print: printSurveys });
  readCommand(program, READS.heart, {
    description: 'HEART: happiness, engagement, adoption, retention, task success (and guardrail alerts)',
    print(report) {
      printHeart(report);
      if (report.guardrails) printGuardrails(report.guardrails);
    },
  });
  readCommand(program, READS.guardrails, { description: 'metric pairs that must not contradict each other, week over week', print: printGuardrails });
  readCommand(program, READS.benchmarks, { description: 'PMF and 30-day retention against the targets for the product stage (docs/health.md)', print: printBenchmarks });
}

interface RecordFlags {
  week?: string;
  month?: string;
  by?: string;
  note?: string;
  clear?: boolean;
  history?: boolean;
  json?: boolean;
}

function printHistory(metric: string, history: EntryJson[]): void {
  if (history.length === 0) return void console.log(`no entries for ${metric}`);
  const entries = history.map((e) => ({ ...e, entered_ms: Date.parse(e.entered_at) }));
  const current = currentManualValues(entries).get(metric)!;
  console.log(`${metric}: ${current.size} period${current.size === 1 ? '' : 's'}, ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (✓ = current value)`);
  console.log(formatTable(
    ['period', 'value', '', 'entered by', 'entered at', 'note'],
    entries.map((e) => [e.period, formatNumber(e.value), current.get(e.period) === e ? '✓' : '', e.entered_by, e.entered_at.slice(0, 16).replace('T', ' '), e.note ?? '']),
  ));
}

const money = (v: number | null | undefined, digits = 0): string | null =>
  v === null || v === undefined ? null : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const times = (v: number | null, digits = 1): string | null => (v === null ? null : `${v.toFixed(digits)}×`);
const months = (v: number | null): string | null => (v === null ? null : `${v.toFixed(1)} mo`);

function printRevenue(report: RevenueReport): void {
  const currency = report.currencies.length === 1 ? ` ${report.currencies[0]}` : '';
  console.log(`Revenue by ${report.period} (MRR${currency}; MRR at ${report.as_of.slice(0, 10)}: ${money(report.mrr_as_of)})`);
  const mark = (p: RevenueReport['periods'][number]) => (p.complete ? p.period : `${p.period}*`);
  console.log(formatTable(
    ['period', 'MRR start', 'new', 'reactiv.', 'expansion', 'contraction', 'churn', 'MRR end', 'customers', 'cust. churn', 'rev. churn', 'NRR', 'GRR', 'ARPC', 'quick'],
    report.periods.map((p) => [
      mark(p), money(p.mrr_start), money(p.new), money(p.reactivation), money(p.expansion), money(p.contraction), money(p.churn), money(p.mrr_end),
      `${p.customers_start}→${p.customers_end}`, percent(p.customer_churn_rate), percent(p.gross_revenue_churn), percent(p.nrr, 0), percent(p.grr, 0),
      money(p.arpc, 2), times(p.quick_ratio),
    ]),
  ));
  console.log('');
  console.log(formatTable(
    [
      'period', 'new cust.', HEALTH_METRIC_TABLE.sales_marketing_spend.name, 'CAC', 'payback', 'CLTV', 'CLTV:CAC', 'reading',
      HEALTH_METRIC_TABLE.cash_balance.name, HEALTH_METRIC_TABLE.burn.name, 'runway',
    ],
    report.periods.map((p) => [
      mark(p), p.new_customers, money(p.sales_marketing_spend), money(p.cac), months(p.cac_payback_months), money(p.cltv), times(p.cltv_cac),
      p.cltv_cac_reading ? p.cltv_cac_reading.replace(/_/g, ' ') : null, money(p.cash_balance), money(p.burn), months(p.runway_months),
    ]),
  ));
  const last = [...report.periods].reverse().find((p) => p.complete && p.cltv_cac !== null);
  if (last) console.log(`\nCLTV:CAC in ${last.period}: ${last.cltv_cac!.toFixed(1)}:1, ${CLTV_CAC_READINGS[last.cltv_cac_reading!]}.`);
  console.log(`CLTV = ARPC × gross margin ${report.gross_margin} ÷ monthly customer churn averaged over the trailing 6 complete months.`);
  if (report.periods.some((p) => !p.complete)) console.log('* period not over yet');
  for (const w of report.warnings) console.log(`warning: ${w}`);
}

function printSurveys(report: SurveysReport): void {
  const segmentNote = report.segment === 'all' ? '' : `, ${report.segment.replace('_', '-')} users only`;
  console.log(`Surveys ${report.from.slice(0, 10)} … ${report.to.slice(0, 10)}${segmentNote}`);
  if (!report.pmf && !report.nps && !report.csat) console.log('no surveys are configured (surveys: pmf / nps / csat in truenorth.yaml)');
  const weeks = (report.pmf ?? report.nps ?? report.csat)?.by_week.map((w) => w.period) ?? [];
  const lines: string[] = [];
  if (report.pmf) {
    const p = report.pmf;
    lines.push(`PMF (Sean Ellis, "${p.event}"): ${percent(p.very_disappointed) ?? '—'} very disappointed of ${p.responses} answers${p.reached_40 ? ' — above the 40% bar' : p.reached_40 === false ? ' — below the 40% bar' : ''}${p.inactive_excluded ? `; ${p.inactive_excluded} inactive respondents left out` : ''}`);
    if (p.warning) lines.push(`  warning: ${p.warning}`);
  }
  if (report.nps) {
    const n = report.nps;
    lines.push(`NPS ("${n.event}"): ${n.score === null ? '—' : signed(Math.round(n.score * 100))} from ${n.responses} answers (${n.promoters} promoters, ${n.passives} passives, ${n.detractors} detractors)`);
    if (n.warning) lines.push(`  warning: ${n.warning}`);
  }
  if (report.csat) {
    const c = report.csat;
    lines.push(`CSAT ("${c.event}"): ${percent(c.score) ?? '—'} satisfied (4–5) of ${c.responses} answers`);
    if (c.warning) lines.push(`  warning: ${c.warning}`);
  }
  console.log(lines.join('\n'));
  const seg = report.pmf?.by_segment ?? report.nps?.by_segment ?? report.csat?.by_segment;
  if (seg) {
    console.log('\nIdeal users vs the rest');
    const rows: (string | null)[][] = [];
    if (report.pmf?.by_segment) rows.push(['PMF', ...(['ideal', 'not_ideal'] as const).map((s) => `${percent(report.pmf!.by_segment![s].score) ?? '—'} (n=${report.pmf!.by_segment![s].responses})`)]);
    if (report.nps?.by_segment) rows.push(['NPS', ...(['ideal', 'not_ideal'] as const).map((s) => `${nps(report.nps!.by_segment![s].score)} (n=${report.nps!.by_segment![s].responses})`)]);
    if (report.csat?.by_segment) rows.push(['CSAT', ...(['ideal', 'not_ideal'] as const).map((s) => `${percent(report.csat!.by_segment![s].score) ?? '—'} (n=${report.csat!.by_segment![s].responses})`)]);
    console.log(formatTable(['survey', 'ideal', 'not ideal'], rows));
  }
  if (weeks.length) {
    console.log('\nBy week');
    const head = ['week'];
    if (report.pmf) head.push('PMF', 'n');
    if (report.nps) head.push('NPS', 'n');
    if (report.csat) head.push('CSAT', 'n');
    console.log(formatTable(head, weeks.map((week, i) => {
      const row: (string | number | null)[] = [week];
      if (report.pmf) row.push(percent(report.pmf.by_week[i].score), report.pmf.by_week[i].responses);
      if (report.nps) row.push(report.nps.by_week[i].score === null ? null : nps(report.nps.by_week[i].score), report.nps.by_week[i].responses);
      if (report.csat) row.push(percent(report.csat.by_week[i].score), report.csat.by_week[i].responses);
      return row;
    })));
    console.log(`(weekly scores from fewer than 30 answers are indicative only)`);
  }
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');
const nps = (score: number | null) => (score === null ? '—' : signed(Math.round(score * 100)));

function heartValue(m: HeartMetricResult, v: number | null): string | null {
  if (v === null) return null;
  if (m.unit === 'ratio') return percent(v);
  if (m.unit === 'nps') return nps(v);
  if (m.unit === 'seconds') return v < 120 ? `${v.toFixed(1)}s` : v < 7200 ? `${(v / 60).toFixed(1)}min` : `${(v / 3600).toFixed(1)}h`;
  return formatNumber(v);
}

/** Rates and NPS change in points; counts and times in percent. */
function heartChange(m: HeartMetricResult): string | null {
  const sign = (v: number) => (v >= 0 ? '+' : '−');
  if ((m.unit === 'ratio' || m.unit === 'nps') && m.value !== null && m.previous !== null) {
    const points = (m.value - m.previous) * 100;
    return `${sign(points)}${Math.abs(points).toFixed(m.unit === 'nps' ? 0 : 1)} pts`;
  }
  return m.change === null ? null : `${sign(m.change)}${Math.abs(m.change * 100).toFixed(1)}%`;
}

function printHeart(report: HeartReport): void {
  console.log(`HEART, weeks ${report.weeks[0]} … ${report.weeks[report.weeks.length - 1]}`);
  for (const c of report.categories) {
    console.log(`\n${c.category.replace('_', ' ').toUpperCase()}${c.goal ? ` — goal: ${c.goal}` : ''}`);
    if (c.signals.length) console.log(`signals: ${c.signals.join('; ')}`);
    console.log(formatTable(
      ['metric', 'last week', 'week before', 'change', 'over the range', 'better'],
      c.metrics.map((m) => [m.name, heartValue(m, m.value), heartValue(m, m.previous), heartChange(m), heartValue(m, m.overall), m.better]),
    ));
  }
}

function printGuardrails(report: GuardrailsReport): void {
  console.log(`\nGuardrails (week over week, ${report.weeks[report.weeks.length - 1] ?? ''})`);
  for (const p of report.pairs) {
    const mark = p.status === 'contradiction' ? '!!' : p.status === 'ok' ? 'ok' : '--';
    console.log(`${mark} ${p.metric} ↔ ${p.guardrail}: ${p.message}`);
    if (p.contradictions.length && p.status !== 'contradiction') console.log(`   earlier contradictions: ${p.contradictions.join(', ')}`);
    if (p.note) console.log(`   ${p.note}`);
  }
  if (report.alerts.length === 0) console.log('No guardrail is being traded away this week.');
}

function printBenchmarks(report: BenchmarksReport): void {
  const m = report.measured;
  console.log(`Stage benchmarks, ${report.business_model.toUpperCase()}${report.stage ? `, stage: ${report.stage}` : ''}`);
  console.log(formatTable(
    ['', 'stage', 'PMF target', '30-day retention target', 'focus'],
    report.table.map((r) => [r.current ? '▶' : '', r.label, r.pmf_target, r.retention_30d_target, r.focus]),
  ));
  console.log('');
  console.log(formatTable(['measure', 'measured', 'target', 'grade', 'based on'], [
    ['PMF score', percent(m.pmf.value), report.grades.pmf?.target ?? null, report.grades.pmf?.grade.replace('_', ' ') ?? null, `${m.pmf.responses} answers`],
    ['30-day retention', percent(m.retention_30d.value), report.grades.retention_30d?.target ?? null, report.grades.retention_30d?.grade.replace('_', ' ') ?? null,
      `${integer(m.retention_30d.retained)} of ${integer(m.retention_30d.cohort)} signups ${m.retention_30d.cohort_from} … ${m.retention_30d.cohort_to}, active on days 30–36`],
  ]));
  for (const n of report.notes) console.log(`note: ${n}`);
}
