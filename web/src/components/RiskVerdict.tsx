import type { RiskReport } from '../types';

/** A churn-risk rule's measured track record: why it flags accounts, or why it does not. */
export function RiskVerdict({ report, rule }: { report: RiskReport; rule: string }) {
  const measured = report.backtest?.rules.find((r) => r.rule === rule);
  const tripped = report.by_rule.find((r) => r.rule === rule)?.tripped;
  if (!measured) return null;
  const extra = !measured.predictive && tripped ? ` (${tripped} accounts meet the condition now)` : '';
  return <div className={measured.predictive ? 'small' : 'small muted'} data-risk-verdict={rule}>{measured.verdict}{extra}</div>;
}
