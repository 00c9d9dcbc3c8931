/** `truenorth risk`: each rule with its measured track record (the backtest), as text. */
import type { RiskReport } from '../../reports/risk.js';
import { formatTable } from '../output.js';

export function printRiskRules(report: RiskReport): void {
  for (const r of report.rules) {
    const mark = !r.enabled ? '○' : r.predictive ? '•' : '·';
    console.log(`  ${mark} ${r.id}: ${r.description}${r.enabled && r.weight !== 1 ? ` (weight ${r.weight})` : ''}`);
    if (r.enabled) console.log(`      ${r.verdict}`);
  }
  const b = report.backtest;
  const rate = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
  console.log(`\nBacktest: ${b.weeks} weeks (${b.from ?? '—'} … ${b.to ?? '—'}), churned or contracted within ${b.horizon_weeks} weeks: `
    + `${b.hits} of ${b.cases} paying account-weeks (base rate ${rate(b.base_rate)}). A rule flags accounts with ≥ ${b.min_flagged} flagged cases, `
    + `lift > 1 and one-sided p < ${b.significance}.`);
  console.log(formatTable(['rule', 'flagged', 'hits', 'precision', 'lift', 'p', 'flags now'],
    b.rules.filter((r) => r.enabled).map((r) => [r.rule, r.flagged, r.hits, rate(r.precision), r.lift === null ? '—' : `${r.lift.toFixed(2)}×`,
      r.p_value === null ? '—' : r.p_value < 0.001 ? '< 0.001' : r.p_value.toFixed(3), r.predictive ? 'yes' : 'no (not predictive here)'])));
}
