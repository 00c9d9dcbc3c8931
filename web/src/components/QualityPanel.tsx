import { reportUrl, useApi } from '../api';
import { exact } from '../format';
import { recordsCsv } from '../exports';
import { ExportCsv } from './table';
import { Card, Load } from './ui';

/** The data-quality report (GET /api/v1/quality): its own types, so the shared types file stays untouched. */
interface QualityTotals {
  rejected: number;
  clock_skew_corrected: number;
  future_clamped: number;
  duplicates: number;
}

interface QualityRow {
  kind: 'rejected' | 'clock_skew' | 'future_clamped' | 'duplicate';
  reason: string | null;
  source: string;
  last_7_days: number;
  all_time: number;
}

interface QualityReport {
  as_of: string;
  window: { from: string; to: string };
  totals: { last_7_days: QualityTotals; all_time: QualityTotals };
  rows: QualityRow[];
}

const LINES: [keyof QualityTotals, string][] = [
  ['rejected', 'Rejected messages'],
  ['future_clamped', 'Future timestamps clamped'],
  ['clock_skew_corrected', 'Clock-skew corrections'],
  ['duplicates', 'Duplicates skipped'],
];

/** What ingestion and imports rejected, corrected, clamped and deduplicated: last 7 days and all time. */
export function QualityPanel({ asOf }: { asOf?: string | null }) {
  const report = useApi<QualityReport>(reportUrl('quality', { as_of: asOf }));
  return (
    <Card title="Data quality" subtitle="What ingestion and imports rejected, corrected, clamped and deduplicated" id="data-quality">
      <Load result={report} what="the data-quality report">
        {(q) => (
          <div data-testid="quality-panel">
            <div className="table-tools">
              <ExportCsv name="quality" table={() => ({ header: ['line', 'last_7_days', 'all_time'], rows: LINES.map(([key]) => [key, q.totals.last_7_days[key], q.totals.all_time[key]]) })} />
              <ExportCsv name="rejections" label="Export rejections CSV" table={() => recordsCsv(q.rows.filter((r) => r.kind === 'rejected'))} />
            </div>
            <table className="data compact">
              <thead>
                <tr><th /><th className="num">Last 7 days</th><th className="num">All time</th></tr>
              </thead>
              <tbody>
                {LINES.map(([key, label]) => (
                  <tr key={key} data-testid={`quality-${key}`}>
                    <th scope="row">{label}</th>
                    <td className="num">{exact(q.totals.last_7_days[key])}</td>
                    <td className="num">{exact(q.totals.all_time[key])}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Rejections rows={q.rows.filter((r) => r.kind === 'rejected')} />
          </div>
        )}
      </Load>
    </Card>
  );
}

function Rejections({ rows }: { rows: QualityRow[] }) {
  if (rows.length === 0) return <p className="muted small">No message was rejected.</p>;
  return (
    <table className="data compact" aria-label="Rejected messages by reason and source">
      <thead>
        <tr><th>Reason</th><th>Source</th><th className="num">Last 7 days</th><th className="num">All time</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.reason}|${r.source}`}>
            <td><code>{r.reason}</code></td>
            <td>{r.source}</td>
            <td className="num">{exact(r.last_7_days)}</td>
            <td className="num">{exact(r.all_time)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
