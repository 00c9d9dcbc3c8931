import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';

/** An answer from the API that was not 2xx: its status and the server's one-line message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

type Listener = () => void;

/** Bumped after every write, so every page reloads what it shows; and the sign-in state. */
const state = { version: 0, needsSignIn: false };
const listeners = new Set<Listener>();
const emit = () => listeners.forEach((l) => l());
const subscribe = (l: Listener) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function invalidate(): void {
  cache.clear();
  state.version++;
  emit();
}

export function setNeedsSignIn(value: boolean): void {
  if (state.needsSignIn === value) return;
  state.needsSignIn = value;
  cache.clear();
  emit();
}

export const useDataVersion = () => useSyncExternalStore(subscribe, () => state.version);
export const useNeedsSignIn = () => useSyncExternalStore(subscribe, () => state.needsSignIn);

async function failure(res: Response): Promise<ApiError> {
  let code = 'http_error';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: string; message?: string };
    if (body.error) code = body.error;
    if (body.message) message = body.message;
  } catch {
    // not JSON
  }
  if (res.status === 401) setNeedsSignIn(true);
  return new ApiError(res.status, code, message);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `the server did not answer (${(e as Error).message})`);
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function sendJson<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `the server did not answer (${(e as Error).message})`);
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** `/api/v1/<name>?…`, leaving out empty parameters. */
export function reportUrl(name: string, params: Record<string, string | number | boolean | null | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) query.set(k, String(v));
  const qs = query.toString();
  return `/api/v1/${name}${qs ? `?${qs}` : ''}`;
}

/** Requests in flight or answered, by URL: pages that ask for the same report share one request. */
const cache = new Map<string, Promise<unknown>>();

function cached<T>(url: string): Promise<T> {
  let p = cache.get(url) as Promise<T> | undefined;
  if (!p) {
    p = getJson<T>(url);
    cache.set(url, p);
    p.catch(() => cache.delete(url));
  }
  return p;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads a URL (null: nothing to load yet); reloads after writes. */
export function useApi<T>(url: string | null): Loaded<T> {
  const version = useDataVersion();
  const [result, setResult] = useState<{ url: string | null; data?: T; error?: ApiError }>({ url: null });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    if (!url) return;
    let live = true;
    cached<T>(url).then(
      (data) => live && setResult({ url, data }),
      (error: unknown) => live && setResult({ url, error: error instanceof ApiError ? error : new ApiError(0, 'client', String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [url, version, nonce]);
  const reload = useCallback(() => {
    if (url) cache.delete(url);
    setNonce((n) => n + 1);
  }, [url]);
  const current = result.url === url;
  return { data: current ? result.data : undefined, error: current ? result.error : undefined, loading: url !== null && !current, reload };
}
