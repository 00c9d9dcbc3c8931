/** The web dashboard itself: the single-page app from dist/web, with a fallback to index.html for its paths. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';

/** dist/web, from src/server (tests, tsx) and from dist/server (the build) alike. */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/web');

export function dashboardBuilt(): boolean {
  return existsSync(join(WEB_ROOT, 'index.html'));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Paths that belong to the API: an unknown one answers 404 JSON, never the app. */
const API_PATH = /^\/(?:api|v1|i|webhooks)(?:\/|$)|^\/(?:capture|batch|e|track|engage|health|ready|openapi\.json)\/?$/;

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

function staticHeaders(reply: FastifyReply, type: string): void {
  reply.header('content-type', type);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (type.startsWith('text/html')) {
    reply.header('content-security-policy', CSP);
    reply.header('x-frame-options', 'DENY');
  }
}

async function serveApp(req: FastifyRequest, reply: FastifyReply, root = WEB_ROOT) {
  const rawPath = (req.url.split('?')[0] ?? '/').split('#')[0];
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new TruenorthError('bad_request', 'malformed URL');
  }
  if (API_PATH.test(path)) throw new TruenorthError('not_found', `no route ${req.method} ${rawPath}`);
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    staticHeaders(reply, 'text/html; charset=utf-8');
    return reply.code(503).send('<!doctype html><title>truenorth</title><p>The dashboard is not built. Run <code>npm run build</code>, then restart <code>truenorth serve</code>. The API works meanwhile: <a href="/openapi.json">/openapi.json</a>.</p>');
  }
  if (path.includes('\0')) throw new TruenorthError('bad_request', 'malformed URL');
  const file = resolve(root, '.' + normalize('/' + path));
  if (file !== root && !file.startsWith(root + sep)) throw new TruenorthError('not_found', 'not found');
  let target = index;
  if (file !== root && path !== '/') {
    const stat = statSafe(file);
    if (stat?.isFile()) target = file;
    else if (extname(path) !== '') throw new TruenorthError('not_found', `no file ${rawPath}`);
  }
  const type = CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
  staticHeaders(reply, type);
  // Built assets carry a content hash in their name; everything else is looked at again each time.
  reply.header('cache-control', target.startsWith(join(root, 'assets') + sep) ? 'public, max-age=31536000, immutable' : 'no-cache');
  return reply.send(createReadStream(target));
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export function registerStaticApp(app: FastifyInstance): void {
  app.get('/', (req, reply) => serveApp(req, reply));
  app.get('/*', (req, reply) => serveApp(req, reply));
}
