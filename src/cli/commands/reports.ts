import type { Command } from 'commander';
import { parseBreakdown } from '../../model/metrics.js';
import { InputError } from '../../errors.js';
import { seriesReport, type NorthStarReport } from '../../reports/north-star.js';
import { funnelReport, timeToValueReport, weeklyStagesReport, type FunnelReport, type FunnelStep } from '../../reports/funnel.js';
import { pqlReport, signupToFirstStrike } from '../../reports/pql.js';
import { retentionReport } from '../../reports/retention.js';
import { withReports } from '../analytics.js';
import { seriesSection, withConfigWarnings, type ConfigFinding } from '../../reports/config-check.js';
import { formatTable, integer, percent, printJson } from '../output.js';
import { parseSegment, reportOptions, resolveRange, type ReportFlags } from '../options.js';
import { retentionDefinition } from '../../model/metric-model.js';

export function registerReports(program: Command): void {
  reportOptions(program.command('north-star').description('the North Star Metric per period'))
    .option('--breakdown <key>', 'split by an event property, user.<trait> or account.<trait>')
    .option('--metric <id>', 'another configured metric instead of the North Star')
    .action((flags: ReportFlags & { metric?: string }) =>
      withReports(program, flags, async (ctx, config) => {
        const metric = flags.metric ? ctx.model.metrics.find((m) => m.id === flags.metric) : ctx.model.northStar;
        if (!metric) throw new InputError(`--metric: no computed metric with id ${JSON.stringify(flags.metric)}`);
        const range = resolveRange(flags, ctx.model, ctx.asOf, metric.frequency);
        const breakdown = flags.breakdown ? parseBreakdown(flags.breakdown) : undefined;
        const report = await withConfigWarnings(ctx, config, [seriesSection(config, flags.metric)], await seriesReport(ctx, metric, range, parseSegment(flags.segment), breakdown, flags.breakdown));
        if (flags.json) return printJson(report);
        printSeries(report);
        printWarnings(report.warnings);
      }),
    );

  reportOptions(program.command('funnel').description('the journey as a cohort funnel (all vs ideal users), or weekly stage counts'))
    .option('--weekly', 'weekly stage counts (first-time reach per week) instead of the cohort funnel')
    .option('--breakdown <key>', 'split by user.<trait> or account.<trait>')
    .option('--time-to-value', 'also show the time between consecutive steps')
    .action((flags: ReportFlags & { weekly?: boolean; timeToValue?: boolean }) =>
      withReports(program, flags, async (ctx, config) => {
        const range = resolveRange(flags, ctx.model, ctx.asOf, 'week');
        const segment = parseSegment(flags.segment);
        if (flags.weekly) {
          const report = await withConfigWarnings(ctx, config, ['journey'], await weeklyStagesReport(ctx, range, segment));
          if (flags.json) return printJson(report);
          const stages = ctx.model.journey.map((s) => s.stage);
          console.log(formatTable(['week', ...stages], report.weeks.map((w) => [w.week, ...stages.map((s) => integer(w.stages[s] ?? 0))])));
          return printWarnings(report.warnings);
        }
        const breakdown = flags.breakdown ? parseBreakdown(flags.breakdown) : undefined;
        if (breakdown?.kind === 'property') throw new InputError('--breakdown: funnels split by user.<trait> or account.<trait>');
        const report = await withConfigWarnings(ctx, config, ['journey'], await funnelReport(ctx, range, segment, breakdown));
        const ttv = flags.timeToValue ? await timeToValueReport(ctx, range, segment) : undefined;
        const signupToValue = flags.timeToValue ? await signupToFirstStrike(ctx, range) : undefined;
        if (flags.json) return printJson(ttv ? { ...report, time_to_value: { ...ttv, signup_to_first_strike: signupToValue } } : report);
        printFunnel(report);
        printWarnings(report.warnings);
        if (ttv) {
          console.log('\nTime to value (hours, on each converting actor\'s chain)');
          const rows = ttv.steps.map((s) => [`${s.from} → ${s.to}`, s.actors, hours(s.p25_hours), hours(s.median_hours), hours(s.p75_hours), hours(s.p90_hours)]);
          if (signupToValue) rows.push(['signup → first_strike (first-time)', signupToValue.actors, hours(signupToValue.p25_hours), hours(signupToValue.median_hours), hours(signupToValue.p75_hours), hours(signupToValue.p90_hours)]);
          console.log(formatTable(['step', 'actors', 'p25', 'median', 'p75', 'p90'], rows));
        }
      }),
    );

  reportOptions(program.command('retention').description('cohort retention triangle'))
    .option('--period <period>', 'week | month', 'week')
    .option('--mode <mode>', 'on | on-or-after', 'on')
    .action((flags: ReportFlags & { period: string; mode: string }) =>
      withReports(program, flags, async (ctx) => {
        if (flags.period !== 'week' && flags.period !== 'month') throw new InputError(`--period: expected week or month, got ${JSON.stringify(flags.period)}`);
        const mode = flags.mode === 'on' ? 'on' : flags.mode === 'on-or-after' || flags.mode === 'on_or_after' ? 'on_or_after' : undefined;
        if (!mode) throw new InputError(`--mode: expected on or on-or-after, got ${JSON.stringify(flags.mode)}`);
        const range = resolveRange(flags, ctx.model, ctx.asOf, flags.period, flags.period === 'week' ? 12 : 6);
        const report = await retentionReport(ctx, retentionDefinition(ctx.model, flags.period, mode), range, parseSegment(flags.segment));
        if (flags.json) return printJson(report);
        const width = Math.max(0, ...report.cohorts.map((c) => c.retained.length));
        const head = ['cohort', 'size', ...Array.from({ length: width }, (_, k) => `${flags.period[0]}${k}`)];
        const rows = report.cohorts.map((c) => [c.cohort, c.size, ...Array.from({ length: width }, (_, k) => (k < c.rates.length ? `${percent(c.rates[k], 0) ?? '—'}${c.complete[k] ? '' : '*'}` : ''))]);
        rows.push(['average', '', ...report.average.map((a) => percent(a, 0) ?? '—')]);
        console.log(`Retention (${mode === 'on' ? 'on' : 'on or after'}; ${flags.period}ly cohorts of first signup; average over complete periods)`);
        console.log(formatTable(head, rows));
        if (report.cohorts.some((c) => c.complete.includes(false))) console.log('* period still in progress; not in the average');
      }),
    );

  reportOptions(program.command('pql').description('product-qualified leads: list, weekly counts, PQL → upgrade rate'), { segment: false })
    .option('--limit <n>', 'list at most n PQLs in the table', '20')
    .action((flags: ReportFlags & { limit: string }) =>
      withReports(program, flags, async (ctx) => {
        const range = resolveRange(flags, ctx.model, ctx.asOf, 'week');
        const report = await pqlReport(ctx, range);
        if (flags.json) return printJson(report);
        if (!ctx.model.idealUser) console.log('No ideal_user profile is configured, so there are no PQLs (PQL = ideal user ∧ setup ∧ first strike ∧ KUI).');
        if (report.missing_stages.length) console.log(`PQLs need the journey stages ${report.missing_stages.join(', ')} configured.`);
        console.log(formatTable(['week', 'ideal signups', 'PQLs', 'ideal upgrades'], report.weeks.map((w) => [w.week, w.ideal_signups, w.pqls, w.ideal_upgrades])));
        console.log(`\n${report.pqls.length} PQLs; PQL → upgrade: ${percent(report.upgrade_rate) ?? '—'} (expect 30–50 %)`);
        const limit = Number(flags.limit);
        if (report.pqls.length) {
          console.log(formatTable(['actor', 'account', 'qualified at', 'upgraded at'],
            report.pqls.slice(-limit).map((p) => [p.actor, p.account, p.qualified_at.slice(0, 16), p.upgraded_at?.slice(0, 16) ?? null])));
        }
      }),
    );
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
