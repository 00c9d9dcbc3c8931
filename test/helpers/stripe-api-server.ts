import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server answering Stripe's list endpoints as the API does: `GET /v1/<resource>`
 * with `limit`, `starting_after` and `expand[]`, a list object `{ object: 'list', data, has_more,
 * url }`, the key as a Bearer token, and Stripe's error body on a wrong key. Pages hold at most
 * `pageSize` objects so that every listing crosses pages. Stripe itself cannot be reached from
 * the machines the tests run on.
 */
export interface StripeApiServer {
  url: string;
  /** Every request: its path and query, and its Stripe-Version header. */
  requests: Array<{ path: string; query: URLSearchParams; version: string | undefined }>;
  close(): Promise<void>;
}

type Listed = { id: string } & Record<string, unknown>;
export type Resources = Record<string, Listed[]>;

/** `expand[]` of a list: `data.discounts.source.coupon` keeps expanded discounts; without it, their ids. */
function shaped(object: Listed, expand: string[]): Listed {
  if (!Array.isArray(object.discounts) || expand.some((e) => e.startsWith('data.discounts'))) return object;
  return { ...object, discounts: object.discounts.map((d: unknown) => (typeof d === 'string' ? d : (d as { id: string }).id)) };
}

/** `expand[]=…`, or `expand[0]=…` as the client numbers them. */
export function expanded(query: URLSearchParams): string[] {
  return [...query].filter(([name]) => /^expand\[\d*\]$/.test(name)).map(([, value]) => value);
}

function answer(resources: Resources, req: IncomingMessage, key: string, pageSize: number): { status: number; body: unknown } {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.headers.authorization !== `Bearer ${key}`) {
    const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    return { status: 401, body: { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${given}` } } };
  }
  const resource = url.pathname.match(/^\/v1\/([a-z_]+)$/)?.[1];
  const all = resource ? resources[resource] : undefined;
  if (req.method !== 'GET' || !all) return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } } };
  const status = url.searchParams.get('status');
  const matching = resource === 'subscriptions' && status !== 'all'
    ? all.filter((s) => (status ? s.status === status : s.status !== 'canceled' && s.status !== 'incomplete_expired'))
    : all;
  const after = url.searchParams.get('starting_after');
  const from = after ? matching.findIndex((o) => o.id === after) + 1 : 0;
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), pageSize);
  const page = matching.slice(from, from + limit);
  const expand = expanded(url.searchParams);
  return { status: 200, body: { object: 'list', url: url.pathname, has_more: from + limit < matching.length, data: page.map((o) => shaped(o, expand)) } };
}

export async function startStripeApi(resources: Resources, key: string, pageSize = 2): Promise<StripeApiServer> {
  const requests: StripeApiServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ path: url.pathname, query: url.searchParams, version: req.headers['stripe-version'] as string | undefined });
    const { status, body } = answer(resources, req, key, pageSize);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
