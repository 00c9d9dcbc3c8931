/**
 * Dashboard sign-in: `POST /api/v1/session` with a secret key (or the admin token) sets an HttpOnly,
 * SameSite=Strict cookie that stands for that key until it is revoked or the server restarts. A write
 * key cannot sign in. `GET /api/v1/session` says whether the reader needs to.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteHost } from './route-host.js';
import { SESSION_COOKIE, SESSION_MS } from './session-store.js';
import { checkForm } from './forms.js';
import { TruenorthError } from '../errors.js';
import { isLoopback } from './server-file.js';
import { z } from 'zod';
import { requiredText } from '../app/params.js';
import { parseBody } from '../app/wire.js';

const SIGN_IN = z.object({ key: requiredText(512) });

function hostIsLoopback(req: FastifyRequest): boolean {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return isLoopback(host);
}

function sessionCookie(req: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

async function sessionStatus(server: RouteHost, req: FastifyRequest) {
  const required = server.readsNeedKey || !hostIsLoopback(req);
  const principal = await server.sessions.principal(req, server.keys);
  return { auth_required: required, signed_in: Boolean(principal), as: principal ? principal.kind : null };
}

async function signIn(server: RouteHost, req: FastifyRequest, reply: FastifyReply) {
  const body = checkForm(req);
  const { key } = parseBody(SIGN_IN, body);
  const principal = server.verifySignIn(req, key);
  if (principal.kind === 'write') throw new TruenorthError('forbidden', 'a write key can only send events; sign in with a secret key');
  const id = await server.sessions.open(key);
  reply.header('set-cookie', sessionCookie(req, id, SESSION_MS / 1000));
  reply.header('cache-control', 'no-store');
  return reply.send({ signed_in: true, as: principal.kind });
}

export function registerSessionRoutes(server: RouteHost): void {
  const app = server.app;
  app.get('/api/v1/session', (req) => sessionStatus(server, req));
  app.post('/api/v1/session', (req, reply) => signIn(server, req, reply));
  app.delete('/api/v1/session', async (req, reply) => {
    await server.sessions.close(req);
    reply.header('set-cookie', sessionCookie(req, '', 0));
    return reply.send({ signed_in: false });
  });
}

/** The sign-in routes' OpenAPI entries. */
export function sessionOpenApiPaths(): Record<string, unknown> {
  const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
  const error = { content: json({ $ref: '#/components/schemas/Error' }) };
  return {
    '/api/v1/session': {
      get: { summary: 'Whether the dashboard needs a sign-in, and whether this browser has one', tags: ['Dashboard'], responses: { 200: { description: '{ auth_required, signed_in, as }', content: json({ type: 'object' }) } } },
      post: {
        summary: 'Sign in with a secret key or the admin token: sets an HttpOnly, SameSite=Strict session cookie', tags: ['Dashboard'],
        requestBody: { required: true, content: json({ type: 'object', properties: { key: { type: 'string' } }, required: ['key'] }) },
        responses: { 200: { description: 'Signed in; the cookie is set' }, 401: { description: 'Unknown or revoked key', ...error }, 403: { description: 'A write key cannot read', ...error } },
      },
      delete: { summary: 'Sign out', tags: ['Dashboard'], responses: { 200: { description: 'The cookie is cleared' } } },
    },
    '/': { get: { summary: 'The web dashboard (a single-page app; its pages fall back to index.html)', tags: ['Dashboard'], responses: { 200: { description: 'HTML' }, 503: { description: 'Not built: run npm run build' } } } },
  };
}
