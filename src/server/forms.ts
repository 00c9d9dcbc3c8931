/** What every write route reads first: the form's body, as a JSON object. */
import type { FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';
import { parseJson } from './payload.js';

const MAX_FORM_BYTES = 64 * 1024;

/**
 * Forms post JSON from the dashboard's own origin; cross-site requests were refused before this
 * (cross-site.ts). Clients that are not browsers (curl -d with a key) may label JSON as a form.
 */
export function checkForm(req: FastifyRequest): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const fromBrowser = req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
  if (type !== 'application/json' && (fromBrowser || type !== 'application/x-www-form-urlencoded')) {
    throw new TruenorthError('unsupported_media_type', 'send the form as application/json');
  }
  const body = req.body as Buffer | undefined;
  if (!body || body.length === 0) throw new TruenorthError('empty_body', 'the request has no body; expected a JSON object');
  if (body.length > MAX_FORM_BYTES) throw new TruenorthError('body_too_large', `the body is larger than ${MAX_FORM_BYTES / 1024} KB`);
  const parsed = parseJson(body.toString('utf8'), type);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TruenorthError('invalid_body', 'expected a JSON object');
  return parsed as Record<string, unknown>;
}
