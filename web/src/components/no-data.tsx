import { exact, fmt, STATUS_LABEL } from '../format';
import type { ScorecardRow, Unit } from '../types';

/** A scorecard cell's text: "no data" for a cell without data (never a zero), else the value. */
export function CellValue({ row, index, unit }: { row: ScorecardRow; index: number; unit: Unit }) {
  if (row.status[index] === 'no_data') return <span className="no-data">no data</span>;
  return <>{fmt(row.values[index], unit)}</>;
}

/** A scorecard cell's hover text: the value and status, or why the cell has no data. */
export function cellTitle(row: ScorecardRow, week: string, index: number): string {
  const status = row.status[index];
  const manual = row.manual?.[index] ?? null;
  const what = status === 'no_data'
    ? `no data (${row.reasons?.[index] ?? 'no value for this week'})`
    : `${exact(row.values[index])} (${STATUS_LABEL[status].toLowerCase()})`;
  return `${row.name}, ${week}: ${what}${manual !== null ? `; entered by hand: ${exact(manual)}` : ''}`;
}
