import type { FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';

/**
 * Cross-site request protection for the routes that change state without a key in the request:
 * the open loopback mode lets anyone on this machine through, and the dashboard's session cookie
 * travels by itself. A web page the user visits could otherwise write through them.
 *
 * - `Origin`, when sent, must be this server's own (scheme aside, its host and port equal `Host`).
 * - `Sec-Fetch-Site` must not be `cross-site` nor `same-site`: same-site includes every other port
 *   on localhost, where any local development server runs.
 * - A POST must not look like something a `<form>` or a `no-cors` fetch can send: its content type
 *   must be none of the CORS-safelisted ones (nor absent), or it must carry `Authorization` or
 *   `X-Truenorth-Client`, headers a browser only sends cross-origin after a preflight this server
 *   never grants. PUT, PATCH and DELETE are never sent cross-origin without that preflight.
 *
 * Ingestion (write key) and the Stripe webhook (signature) are exempt: they answer any origin.
 */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SIMPLE_TYPES = new Set(['', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);
const REFUSED_SITES = new Set(['cross-site', 'same-site']);
export const CLIENT_HEADER = 'x-truenorth-client';

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Throws 403 (another site) or 415 (a body a plain form could send) for a protected request. */
export function refuseCrossSite(req: FastifyRequest): void {
  if (!STATE_CHANGING.has(req.method)) return;
  const site = first(req.headers['sec-fetch-site']);
  if (site && REFUSED_SITES.has(site.toLowerCase())) {
    throw new TruenorthError('cross_site', `requests from another site are refused (Sec-Fetch-Site: ${site.slice(0, 20)})`);
  }
  const origin = first(req.headers.origin);
  if (origin !== undefined && originHost(origin) !== (first(req.headers.host) ?? '').toLowerCase()) {
    throw new TruenorthError('cross_site', `requests from ${origin.slice(0, 100)} are refused: only this server's own pages may write`);
  }
  if (req.method !== 'POST' || req.headers.authorization !== undefined || req.headers[CLIENT_HEADER] !== undefined) return;
  const type = (first(req.headers['content-type']) ?? '').split(';')[0].trim().toLowerCase();
  if (SIMPLE_TYPES.has(type)) {
    throw new TruenorthError('unsupported_media_type', `content-type: ${type || 'absent'} is what a plain web form sends; send application/json (or application/octet-stream for imports), or add the header X-Truenorth-Client: <any name>`);
  }
}

/** An onRequest hook: refuses cross-site writes on every route `exempt` does not name. */
export function crossSiteGuard(exempt: (req: FastifyRequest) => boolean) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!exempt(req)) refuseCrossSite(req);
  };
}
