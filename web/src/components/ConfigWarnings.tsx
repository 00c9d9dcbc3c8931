import { useApi } from '../api';
import type { EventsReport } from '../catalogue';
import { Link, sharedQuery } from '../router';

/**
 * A banner over every page while truenorth.yaml names events the store does not hold: the numbers
 * computed from them read 0, so they must not be read as real.
 */
export function ConfigWarnings() {
  const report = useApi<Pick<EventsReport, 'config_checks'>>('/api/v1/events?checks=1');
  const unknown = report.data?.config_checks.filter((f) => f.rule === 'unknown-event') ?? [];
  if (unknown.length === 0) return null;
  return (
    <div className="config-warnings" role="alert" aria-label="Config warnings">
      <strong>
        truenorth.yaml names {unknown.length === 1 ? 'an event' : `${unknown.length} events`} the store does not hold; what is computed from{' '}
        {unknown.length === 1 ? 'it' : 'them'} reads 0.
      </strong>
      <ul>
        {unknown.map((f) => (
          <li key={f.path}>
            <code>{f.path}</code>: “{f.name}”{f.suggestions.length > 0 && <> (did you mean {f.suggestions.map((s) => `“${s}”`).join(' or ')}?)</>}
          </li>
        ))}
      </ul>
      <Link to={`/data${sharedQuery()}`}>See the events the store holds</Link>
    </div>
  );
}
