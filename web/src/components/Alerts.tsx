import { reportUrl, useApi, type Loaded } from '../api';
import { useView } from '../context';
import type { AlertItem, Alerts } from '../types';
import { Avatar, Badge, Card, Load } from './ui';

const KIND_LABELS: Record<AlertItem['kind'], string> = {
  off_pace: 'off pace', anomaly: 'anomaly', funnel_step: 'funnel step', retention_cohort: 'retention',
};

/** The alerts firing as the view reads them: now on the newest week, else as of that week's view. */
export function useAlerts(): Loaded<Alerts> {
  const { asOf, latest } = useView();
  return useApi<Alerts>(reportUrl('alerts', { as_of: latest ? undefined : asOf }));
}

/** The rows the firing alerts concern, with their sentences (for the marks on the scorecard's rows). */
export function alertedRows(alerts: Alerts | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of alerts?.alerts ?? []) out.set(a.row, [...(out.get(a.row) ?? []), a.what]);
  return out;
}

/** A compact list of the alerts firing: what, whose, since when. */
export function AlertsCard({ result }: { result: Loaded<Alerts> }) {
  return (
    <Load result={result} what="the alerts">
      {(data) => (
        <Card title="Alerts firing" subtitle={`As of ${data.day}: off pace, anomalies against the same weekday, funnel steps and cohorts below their recent past`} id="alerts">
          {data.alerts.length === 0 ? (
            <p className="muted" data-testid="alerts-none">No alerts firing.</p>
          ) : (
            <ul className="alert-list" data-testid="alerts">
              {data.alerts.map((a) => (
                <li key={a.key} className="alert-line" data-row-id={a.row} data-kind={a.kind}>
                  <Badge tone="bad">{KIND_LABELS[a.kind]}</Badge>
                  <span className="alert-what">{a.what}</span>
                  <span className="alert-owner">
                    <Avatar owner={a.owner} size="sm" />
                    {a.owner ?? 'no owner'}
                  </span>
                  <span className="muted small alert-since">since {a.since}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      )}
    </Load>
  );
}
