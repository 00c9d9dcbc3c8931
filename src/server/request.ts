import type { FastifyRequest } from 'fastify';
import { decodeBody, parseJson } from './payload.js';

/** A request header's first value. */
export function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The key in Authorization: the basic-auth user (Segment's write key) or a bearer token. */
export function credential(req: FastifyRequest): string | undefined {
  const authorization = req.headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (!value) return undefined;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(0, colon) : decoded;
  }
  if (/^bearer$/i.test(scheme)) return value.trim();
  return undefined;
}

/** The JSON body, decompressed and at most `maxBytes` long, and its decoded size. */
export async function readJson(req: FastifyRequest, maxBytes: number): Promise<{ body: unknown; bytes: number }> {
  const query = req.query as Record<string, unknown>;
  const text = await decodeBody(
    req.body as Buffer | undefined, header(req, 'content-encoding'),
    typeof query.compression === 'string' ? query.compression : undefined, maxBytes,
  );
  return { body: parseJson(text, header(req, 'content-type')), bytes: Buffer.byteLength(text, 'utf8') };
}
