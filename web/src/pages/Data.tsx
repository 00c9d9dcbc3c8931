import { useApi } from '../api';
import type { EventsReport } from '../catalogue';
import { Table, type Column } from '../components/table';
import { Card, Empty, Load } from '../components/ui';
import { exact, pct } from '../format';

/** The Data page: what the store holds (event names, counts, property keys, trait keys) and the config checked against it. */
export function Data() {
  const report = useApi<EventsReport>('/api/v1/events');
  return (
    <Load result={report} what="the event catalogue">
      {(r) => (
        <>
          <Checks report={r} />
          <Card
            title="Events"
            id="catalogue"
            subtitle={`${exact(r.total_events)} events under ${r.events.length} names. Senders: distinct user ids, else anonymous ids, as sent${r.actors_exact ? '' : ' (estimated)'}. Property keys from up to ${exact(r.property_sample_per_event)} events of each name.`}
          >
            {r.events.length === 0 ? <Empty title="No events yet">Send events or run <code>truenorth import events</code>.</Empty> : <EventTable report={r} />}
          </Card>
          <Card title="Traits" id="traits" subtitle="Keys in the users' and accounts' current traits, with how many have each">
            <p><strong>Users:</strong> {r.user_traits.length ? r.user_traits.map((t) => `${t.key} (${exact(t.count)})`).join(', ') : 'none'}</p>
            <p><strong>Accounts:</strong> {r.account_traits.length ? r.account_traits.map((t) => `${t.key} (${exact(t.count)})`).join(', ') : 'none'}</p>
          </Card>
        </>
      )}
    </Load>
  );
}

function Checks({ report }: { report: EventsReport }) {
  return (
    <Card title="truenorth.yaml against the data" id="config-checks">
      {report.config_checks.length === 0 ? (
        <p className="muted">Every event, property and trait truenorth.yaml names is in the store.</p>
      ) : (
        <ul className="warnings">
          {report.config_checks.map((f) => (
            <li key={`${f.path}:${f.name}`} className="warn-line">
              <strong>{f.level}</strong> <code>{f.path}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

const EVENT_COLUMNS: Column<EventsReport['events'][number]>[] = [
  { header: 'Event', value: (e) => e.event, rowHeader: true },
  { header: 'Count', value: (e) => e.count, render: (e) => exact(e.count), className: 'num' },
  { header: 'Senders', value: (e) => e.actors, render: (e) => exact(e.actors), className: 'num' },
  { header: 'First seen', value: (e) => e.first_seen, render: (e) => e.first_seen.slice(0, 10) },
  { header: 'Last seen', value: (e) => e.last_seen, render: (e) => e.last_seen.slice(0, 10) },
  { header: 'Sources', value: (e) => e.sources.join(' '), render: (e) => e.sources.join(', ') },
  {
    header: 'Common properties',
    value: (e) => e.properties.map((p) => `${p.key}=${p.share}`).join(' '),
    render: (e) => e.properties.slice(0, 10).map((p) => `${p.key} ${pct(p.share, 0)}`).join(', '),
    className: 'keys',
  },
];

function EventTable({ report }: { report: EventsReport }) {
  return <Table name="events" columns={EVENT_COLUMNS} rows={report.events} rowKey={(e) => e.event} className="data compact catalogue" />;
}
