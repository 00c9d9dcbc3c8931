/**
 * The CSV of the tables that are drawn by hand rather than by the Table component (the scorecard
 * grid, the funnel): the same values the API gives, unformatted.
 */
import type { CsvTable } from './components/table';
import type { FunnelReport, RetentionReport, Scorecard } from './types';

/** One record per row: its id, name, owner, unit, target bounds, each week's value and this week's status. */
export function scorecardCsv(card: Scorecard): CsvTable {
  return {
    header: ['id', 'metric', 'owner', 'unit', 'target_min', 'target_max', ...card.weeks, `status ${card.weeks.at(-1) ?? ''}`.trim()],
    rows: card.rows.map((r) => {
      const t = r.target;
      const [min, max] = !t ? [null, null] : 'gte' in t ? [t.gte, null] : 'lte' in t ? [null, t.lte] : t.between;
      return [r.id, r.name, r.owner, r.unit, min, max, ...r.values, r.status.at(-1) ?? null];
    }),
  };
}

/** One record per step: its event, actors, and the conversion from the previous step and from the first. */
export function funnelCsv(funnel: FunnelReport): CsvTable {
  return {
    header: ['stage', 'event', 'actors', 'conversion_from_previous', 'conversion_from_first'],
    rows: funnel.steps.map((s) => [s.stage, s.event, s.actors, s.conversion_from_previous, s.conversion_from_first]),
  };
}

type Scalar = string | number | boolean | null;

/**
 * A list of the API's objects as CSV: one column per field, named as in the API, in the first
 * object's order; a list of plain values is one field of space-separated values, a nested object
 * is left out (it is not a column).
 */
export function recordsCsv(records: object[]): CsvTable {
  const plain = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
  const first = (records[0] ?? {}) as Record<string, unknown>;
  const header = Object.keys(first).filter((k) => plain(first[k]) || (Array.isArray(first[k]) && (first[k] as unknown[]).every(plain)));
  return {
    header,
    rows: records.map((r) => header.map((k) => {
      const v = (r as Record<string, unknown>)[k];
      return Array.isArray(v) ? v.join(' ') : plain(v) ? v : null;
    })),
  };
}

/** One record per cohort: its size and the rate of each period since (W0, W1, … or M0, M1, …); a period not yet started is empty. */
export function retentionCsv(report: RetentionReport): CsvTable {
  const width = Math.max(0, ...report.cohorts.map((c) => c.rates.length));
  const label = report.period === 'week' ? 'W' : 'M';
  return {
    header: ['cohort', 'size', ...Array.from({ length: width }, (_, k) => `${label}${k}`)],
    rows: report.cohorts.map((c) => [c.cohort, c.size, ...Array.from({ length: width }, (_, k) => c.rates[k] ?? null)]),
  };
}
