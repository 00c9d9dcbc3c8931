import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { getJson, sendJson, setNeedsSignIn, useApi, useNeedsSignIn, type ApiError } from './api';
import { ConfigWarnings } from './components/ConfigWarnings';
import { ErrorBox, Loading, Toggle } from './components/ui';
import { ViewContext, type View } from './context';
import { Data } from './pages/Data';
import { Enter } from './pages/Enter';
import { Journey } from './pages/Journey';
import { Leading } from './pages/Leading';
import { Login } from './pages/Login';
import { NorthStar } from './pages/NorthStar';
import { Okrs } from './pages/Okrs';
import { Retention } from './pages/Retention';
import { Revenue } from './pages/Revenue';
import { Scorecard } from './pages/Scorecard';
import { Voice } from './pages/Voice';
import { Link, setQuery, sharedQuery, useLocation } from './router';
import type { DashboardContext, Segment } from './types';

interface Page {
  path: string;
  label: string;
  title: string;
  icon: string;
  render: () => ReactNode;
  /** Whether the page reads the segment switch. */
  segmented?: boolean;
}

const PAGES: Page[] = [
  { path: '/', label: 'Scorecard', title: 'Weekly scorecard', icon: '▦', render: () => <Scorecard /> },
  { path: '/north-star', label: 'North Star', title: 'North Star', icon: '✦', render: () => <NorthStar />, segmented: true },
  { path: '/journey', label: 'Journey', title: 'Journey', icon: '⇢', render: () => <Journey />, segmented: true },
  { path: '/retention', label: 'Retention', title: 'Retention', icon: '▤', render: () => <Retention />, segmented: true },
  { path: '/revenue', label: 'Revenue', title: 'Revenue', icon: '$', render: () => <Revenue /> },
  { path: '/voice', label: 'Voice of the user', title: 'Voice of the user', icon: '❝', render: () => <Voice />, segmented: true },
  { path: '/leading', label: 'Leading indicators', title: 'Leading indicators', icon: '↗', render: () => <Leading />, segmented: true },
  { path: '/okrs', label: 'OKRs', title: 'Objectives and key results', icon: '◎', render: () => <Okrs /> },
  { path: '/enter', label: 'Enter numbers', title: 'Enter numbers', icon: '✎', render: () => <Enter /> },
  { path: '/data', label: 'Data', title: 'Data: the events the store holds', icon: '≡', render: () => <Data /> },
];

interface SessionState {
  auth_required: boolean;
  signed_in: boolean;
}

export function App() {
  const needsSignIn = useNeedsSignIn();
  const [session, setSession] = useState<SessionState | undefined>();
  const [sessionError, setSessionError] = useState<ApiError | undefined>();

  useEffect(() => {
    getJson<SessionState>('/api/v1/session').then(
      (s) => {
        setSession(s);
        setNeedsSignIn(s.auth_required && !s.signed_in);
      },
      (e: ApiError) => setSessionError(e),
    );
  }, [needsSignIn]);

  if (sessionError) return <main className="center-page"><ErrorBox error={sessionError} what="the dashboard" /></main>;
  if (!session) return <main className="center-page"><Loading label="Connecting" /></main>;
  if (needsSignIn) return <Login onSignedIn={() => setNeedsSignIn(false)} />;
  return <Dashboard signedIn={session.signed_in} />;
}

function Dashboard({ signedIn }: { signedIn: boolean }) {
  const context = useApi<DashboardContext>('/api/v1/dashboard');
  const { path, query } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const page = PAGES.find((p) => p.path === path);

  const view = useMemo<View | null>(() => {
    const ctx = context.data;
    if (!ctx) return null;
    const asked = query.get('week');
    const found = ctx.weeks.find((w) => w.week === asked) ?? ctx.weeks[0];
    const segment: Segment = query.get('segment') === 'ideal' && ctx.ideal_user ? 'ideal' : 'all';
    return { ctx, week: found.week, asOf: found.as_of, segment, latest: found.week === ctx.weeks[0].week };
  }, [context.data, query]);

  useEffect(() => {
    document.title = `${page?.title ?? 'Not found'} · ${context.data?.product ?? 'truenorth'}`;
  }, [page, context.data]);

  useEffect(() => setMenuOpen(false), [path]);

  const signOut = () => {
    sendJson('DELETE', '/api/v1/session').finally(() => window.location.reload());
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">✦</span>
          <span className="brand-text">
            <strong>{context.data?.product ?? 'truenorth'}</strong>
            <span className="muted small">truenorth</span>
          </span>
          <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((o) => !o)}>
            Menu
          </button>
        </div>
        <nav id="nav" aria-label="Pages" className={menuOpen ? 'open' : ''}>
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <Link to={p.path + sharedQuery()} aria-current={p.path === path ? 'page' : undefined}>
                  <span className="nav-icon" aria-hidden="true">{p.icon}</span>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
          <div className="nav-foot">
            <a href="/api/docs">API (OpenAPI)</a>
            {signedIn && (
              <button type="button" className="link-button" onClick={signOut}>
                Sign out
              </button>
            )}
          </div>
        </nav>
      </aside>
      <div className="main-col">
        <header className="topbar">
          <h1>{page?.title ?? 'Page not found'}</h1>
          {view && (
            <div className="controls">
              <label className="control">
                <span>Week</span>
                <select value={view.week} onChange={(e) => setQuery({ week: e.target.value })}>
                  {view.ctx.weeks.map((w, i) => (
                    <option key={w.week} value={w.week}>
                      {w.week}
                      {i === 0 ? ' (latest)' : ''}
                    </option>
                  ))}
                </select>
              </label>
              {/* Only on pages the segment changes: a switch that did nothing would mislead. */}
              {view.ctx.ideal_user && page?.segmented && (
                <div className="control">
                  <span id="segment-label">Users</span>
                  <Toggle<Segment>
                    label="Segment"
                    value={view.segment}
                    options={[{ value: 'all', label: 'All' }, { value: 'ideal', label: 'Ideal' }]}
                    onChange={(s) => setQuery({ segment: s === 'all' ? null : s })}
                  />
                </div>
              )}
            </div>
          )}
        </header>
        <main id="main" tabIndex={-1}>
          {context.error && <ErrorBox error={context.error} what="the dashboard context" onRetry={context.reload} />}
          {!context.error && !view && <Loading label="Loading the dashboard" />}
          {view && (
            <ViewContext.Provider value={view}>
              <ConfigWarnings />
              {page ? page.render() : <NotFound />}
            </ViewContext.Provider>
          )}
        </main>
        <footer className="foot muted small">
          {view && (
            <>
              Week {view.week}
              {view.ctx.last_event ? ` · data until ${view.ctx.last_event.slice(0, 10)}` : ' · no events yet'} · {view.ctx.timezone} · weeks start{' '}
              {view.ctx.week_start}
            </>
          )}
        </footer>
      </div>
    </div>
  );
}

function NotFound() {
  return (
    <div className="empty">
      <strong>There is no page here.</strong>
      <Link to="/">Go to the scorecard</Link>
    </div>
  );
}
