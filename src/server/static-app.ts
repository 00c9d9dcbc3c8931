/**
 * The web dashboard itself: the single-page app from dist/web (files through @fastify/static,
 * compressed through @fastify/compress), with a fallback to index.html for its paths.
 */
import compress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';

/** dist/web, from src/server (tests, tsx) and from dist/server (the build) alike. */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/web');

export function dashboardBuilt(): boolean {
  return existsSync(join(WEB_ROOT, 'index.html'));
}

/** Paths that belong to the API: an unknown one answers 404 JSON, never the app. */
const API_PATH = /^\/(?:api|v1|i|webhooks)(?:\/|$)|^\/(?:capture|batch|e|track|engage|health|ready|openapi\.json)\/?$/;

export const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** Headers every page of this server carries; a page (HTML) also its content security policy. */
export function pageHeaders(reply: FastifyReply, html: boolean, csp = CSP): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (html) {
    reply.header('content-security-policy', csp);
    reply.header('x-frame-options', 'DENY');
  }
}

/** Built assets carry a content hash in their name: cached for a year. Everything else is looked at again each time. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The file under dist/web a request asks for ('' for the app itself), or a refusal. */
function requestedFile(req: FastifyRequest): string {
  const rawPath = (req.url.split('?')[0] ?? '/').split('#')[0];
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new TruenorthError('bad_request', 'malformed URL');
  }
  if (API_PATH.test(path)) throw new TruenorthError('not_found', `no route ${req.method} ${rawPath}`);
  if (path.includes('\0')) throw new TruenorthError('bad_request', 'malformed URL');
  const file = resolve(WEB_ROOT, '.' + normalize('/' + path));
  if (file !== WEB_ROOT && !file.startsWith(WEB_ROOT + sep)) throw new TruenorthError('not_found', 'not found');
  // A name with an extension is a file (absent: 404); any other path is one of the app's pages.
  return extname(path) === '' ? '' : file.slice(WEB_ROOT.length + 1).split(sep).join('/');
}

function serveApp(req: FastifyRequest, reply: FastifyReply) {
  const file = requestedFile(req);
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    pageHeaders(reply, true);
    return reply.code(503).type('text/html; charset=utf-8').send('<!doctype html><title>truenorth</title><p>The dashboard is not built. Run <code>npm run build</code>, then restart <code>truenorth serve</code>. The API works meanwhile: <a href="/api/docs">/api/docs</a>.</p>');
  }
  const target = file || 'index.html';
  pageHeaders(reply, target.endsWith('.html'));
  reply.header('cache-control', target.startsWith('assets/') ? IMMUTABLE : 'no-cache');
  // A file that is not there falls through to the 404 answer (reply.callNotFound).
  return reply.sendFile(target, { cacheControl: false });
}

/**
 * Compression (br or gzip, per Accept-Encoding) applies to the routes `register` adds inside this
 * scope only: the ingestion routes' bodies and the streamed exports are never touched. Requests are
 * never decompressed here; the ingestion routes read gzip bodies themselves, under their own limits.
 */
export function compressedScope(app: FastifyInstance, register: (scope: FastifyInstance) => Promise<void>): void {
  app.register(async (scope) => {
    await scope.register(compress, { global: true, globalDecompression: false, encodings: ['br', 'gzip'] });
    await register(scope);
  });
}

/** The dashboard's files: precompressed `.br`/`.gz` beside a file when the build wrote them, else compressed on the fly. */
export async function registerStaticApp(scope: FastifyInstance): Promise<void> {
  await scope.register(fastifyStatic, { root: WEB_ROOT, serve: false, preCompressed: true, index: false, redirect: false, suppressWarning: true });
  scope.get('/', serveApp);
  scope.get('/*', serveApp);
}
