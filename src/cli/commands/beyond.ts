/**
 * `truenorth leading` (aha moments), `truenorth tree` (the measured metric tree), `truenorth risk`
 * (accounts at churn risk) and `truenorth predictive` (leading next to lagging indicators). The read
 * API serves the same objects (app/reads/beyond.ts).
 */
import type { Command } from 'commander';
import { READS } from '../../app/catalogue.js';
import { wholeNumber } from '../../model/whole-number.js';
import type { Segment } from '../../model/metrics.js';
import { isAhaCandidate, type LeadingReport } from '../../reports/leading.js';
import { formatLift, pct } from '../../reports/leading-text.js';
import type { PredictiveReport } from '../../reports/predictive.js';
import type { RiskReport } from '../../reports/risk.js';
import { printRiskRules } from './risk-backtest-print.js';
import type { TreeEdge, TreeReport } from '../../reports/tree.js';
import { readCommand } from '../operation-command.js';
import { formatTable, integer, percent } from '../output.js';

export function registerBeyond(program: Command): void {
  readCommand(program, READS.leading, {
    description: 'aha moments: early behaviours that predict retention or upgrade',
    options: [['--limit <n>', 'rows in the table', '20']],
    print: (report, flags) => printLeading(report, wholeNumber(String(flags.limit), '--limit', 1)),
  });
  readCommand(program, READS.tree, { description: 'the metric tree with measured correlations at lags 0–4 weeks', print: printTree });
  readCommand(program, READS.risk, {
    description: 'paying accounts at churn risk, with the MRR at risk and the rules they trip',
    options: [['--limit <n>', 'accounts in the table', '25']],
    print: (report, flags) => printRisk(report, wholeNumber(String(flags.limit), '--limit', 1)),
  });
  readCommand(program, READS.predictive, { description: 'leading indicators next to the lagging ones they predict', print: printPredictive });
}

// ---------------------------------------------------------------------------------------------
// Printing

function segmentText(segment: Segment): string {
  return segment === 'all' ? '' : `, ${segment.replace('_', '-')} users`;
}

function pValue(p: number | null): string | null {
  if (p === null) return null;
  if (p < 1e-4) return p === 0 ? '<1e-300' : p.toExponential(0);
  return p.toFixed(p < 0.01 ? 4 : 2);
}

export function printLeading(report: LeadingReport, limit: number): void {
  const verb = report.outcome === 'retained' ? 'retained' : 'upgraded';
  const c = report.cohort;
  console.log(`Leading indicators of "${verb}": ${report.outcome_definition}`);
  console.log(`Cohort: ${integer(c.actors)} signups up to ${c.signups_until.slice(0, 10)}${c.signups_from ? ` from ${c.signups_from.slice(0, 10)}` : ''}${segmentText(report.segment)}; ${percent(c.outcome_rate) ?? '—'} ${verb}.`);
  console.log(`Behaviours in the first ${report.within_days} days, ranked by score = extra ${verb} users per 100 signups among those who did it, beyond their journey stage.`);
  if (report.indicators.length === 0) {
    console.log('\nNo behaviour has enough users on both sides to test.');
    return;
  }
  const rows = report.indicators.slice(0, limit).map((i, n) => [
    n + 1, `${i.event}${i.at_least > 1 ? ` ≥ ${i.at_least}` : ''}`, integer(i.did), percent(i.coverage), percent(i.did_rate), percent(i.did_not_rate),
    i.lift === null ? '∞' : formatLift(i.lift), pValue(i.q_value), i.journey_lift === null ? null : formatLift(i.journey_lift), i.score.toFixed(2),
  ]);
  console.log(formatTable(['#', 'behaviour', 'did', 'coverage', 'did rate', 'did-not rate', 'lift', 'q', 'same-stage lift', 'score'], rows));
  const best = new Map<string, (typeof report.indicators)[number]>();
  for (const i of report.indicators) if (isAhaCandidate(i) && !best.has(i.event)) best.set(i.event, i);
  const top = [...best.values()].slice(0, 3);
  console.log('');
  if (top.length === 0) console.log('No behaviour predicts the outcome significantly after correction, beyond the journey stage users reached.');
  else {
    console.log('Top indicators:');
    top.forEach((i, n) => {
      // When the raw lift is mostly the journey (only activated users can do it), say so.
      const stage = i.journey_lift !== null && i.lift !== null && i.lift > 2 * i.journey_lift
        ? ` Among users at the same journey stage: ${formatLift(i.journey_lift)}${i.journey_lift < 1.5 ? ', so mostly a sign of activation' : ''}.`
        : '';
      console.log(`  ${n + 1}. ${i.sentence}${stage}`);
    });
  }
  console.log(`\n${report.tested} behaviours tested (${report.skipped} left out: under ${report.min_group} users on a side); q = Benjamini–Hochberg adjusted p, significant at q ≤ ${report.alpha}. `
    + 'Top indicators are significant both overall and among users at the same journey stage. '
    + `Not candidates: ${report.excluded_events.join(', ')}.`);
}

function edgeFigures(e: TreeEdge): string {
  if (e.best_lag === null) return e.warning ?? 'not measured';
  const lags = e.lags.map((l) => (l.r === null ? '—' : l.r.toFixed(2))).join(' ');
  const level = e.lags[e.best_lag]?.r_levels;
  return `r = ${e.best_r!.toFixed(2)} at lag ${e.best_lag}w (lags 0–4: ${lags}; levels r = ${level === null || level === undefined ? '—' : level.toFixed(2)})`;
}

export function printTree(report: TreeReport): void {
  const names = new Map(report.nodes.map((n) => [n.id, n.name]));
  const children = new Map<string, TreeEdge[]>();
  for (const e of report.edges) children.set(e.to, [...(children.get(e.to) ?? []), e]);
  console.log(`Metric tree, ${report.weeks[0] ?? '—'} … ${report.weeks[report.weeks.length - 1] ?? '—'} (${report.weeks.length} weeks)`);
  const lines: string[] = [];
  const visit = (id: string, prefix: string, seen: Set<string>) => {
    const edges = children.get(id) ?? [];
    edges.forEach((e, i) => {
      const last = i === edges.length - 1;
      const mark = e.warning ? '⚠' : '✓';
      lines.push(`${prefix}${last ? '└─' : '├─'} ${mark} ${e.from_name} [${e.from}]  ${edgeFigures(e)}`);
      if (!seen.has(e.from)) visit(e.from, `${prefix}${last ? '   ' : '│  '}`, new Set([...seen, e.from]));
    });
  };
  for (const root of report.roots) {
    lines.push(`${names.get(root) ?? root} [${root}]`);
    visit(root, '', new Set([root]));
  }
  console.log(lines.join('\n'));
  const warnings = report.edges.filter((e) => e.warning);
  if (warnings.length) {
    console.log('\nWarnings:');
    for (const e of warnings) console.log(`  ⚠ ${e.warning}`);
  }
  if (report.unattached.length) console.log(`\nNot in the tree (no drives:): ${report.unattached.join(', ')}`);
  console.log(`\nr = correlation of week-over-week changes, driver at week t vs target at week t + lag.`);
}

export function printRisk(report: RiskReport, limit: number): void {
  console.log(`Churn risk as of ${report.as_of.slice(0, 10)}: ${report.accounts.length} of ${report.accounts_evaluated} paying accounts flagged by a rule that beats the base rate; `
    + `${money(report.mrr_at_risk)} of ${money(report.total_mrr)} MRR at risk (${percent(report.share_of_mrr_at_risk, 0) ?? '—'}).`);
  printRiskRules(report);
  if (report.accounts.length) {
    console.log('');
    console.log(formatTable(['#', 'account', 'MRR', 'score', 'why'],
      report.accounts.slice(0, limit).map((a, i) => [i + 1, a.account, money(a.mrr), a.score, a.reasons.join('; ')])));
    if (report.accounts.length > limit) console.log(`… and ${report.accounts.length - limit} more (--limit, or --json for all)`);
  }
  console.log('\n' + formatTable(['rule', 'accounts', 'MRR', 'trips now'], report.by_rule.map((r) => [r.rule, r.accounts, money(r.mrr), r.tripped])));
}

export function printPredictive(report: PredictiveReport): void {
  const show = (unit: string, v: number | null) => (v === null ? null : unit === 'rate' ? pct(v) : unit === 'money' ? money(v) : integer(v));
  console.log(`Predictive dashboard, ${report.weeks[0] ?? '—'} … ${report.weeks[report.weeks.length - 1] ?? '—'}${segmentText(report.segment)}`);
  for (const pair of report.pairs) {
    console.log(`\n${pair.goal}`);
    if (pair.relation) console.log(`  ${pair.relation}`);
    const rows: (string | null)[][] = [];
    const forecast = new Map((pair.leading?.forecast ?? []).map((p) => [p.period, p.value]));
    report.weeks.forEach((week, i) => {
      const lag = pair.lagging.series?.[i]?.value ?? null;
      const lead = pair.leading?.series?.[i]?.value ?? null;
      const f = forecast.get(week);
      rows.push([week, show(pair.lagging.unit, lag) ?? (f !== undefined && f !== null ? `(${show(pair.lagging.unit, f)})` : null), pair.leading ? show(pair.leading.unit, lead) : null]);
    });
    if (pair.leading && pair.leading.series === null) {
      console.log(formatTable(['week', `lagging: ${pair.lagging.name}`], rows.map((r) => r.slice(0, 2))));
      console.log(`  leading: ${pair.leading.name} = ${show(pair.leading.unit, pair.leading.value ?? null) ?? '—'} now`);
    } else {
      console.log(formatTable(['week', `lagging: ${pair.lagging.name}`, `leading: ${pair.leading?.name ?? '—'}`], rows));
    }
  }
  if (report.pairs.some((p) => p.leading?.forecast?.length)) console.log('\n(values in brackets: forecast from the leading indicator, the lagging one is not known yet)');
}

function money(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 0 });
}
