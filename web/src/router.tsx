import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A small history router: the page is the path, the week and segment live in the query string. */

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => window.location.pathname + window.location.search;

export function useLocation(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, query: url.searchParams };
}

export function navigate(to: string, replace = false): void {
  if (to === snapshot()) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** Sets (or removes) query parameters, keeping the page: a new history entry, so Back returns to the previous view. */
export function setQuery(changes: Record<string, string | null>): void {
  const url = new URL(window.location.href);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  navigate(url.pathname + url.search);
}

/** The current query string with the shared parameters only (week, segment), for links between pages. */
export function sharedQuery(): string {
  const current = new URLSearchParams(window.location.search);
  const keep = new URLSearchParams();
  for (const k of ['week', 'segment']) {
    const v = current.get(k);
    if (v) keep.set(k, v);
  }
  const qs = keep.toString();
  return qs ? `?${qs}` : '';
}

export function Link({ to, onClick, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
    if (!to.includes('#')) window.scrollTo(0, 0);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
