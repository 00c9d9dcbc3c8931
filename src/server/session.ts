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
import { text } from './team-writes.js';

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
  const principal = server.sessions.principal(req, server.keys);
  return { auth_required: required, signed_in: Boolean(principal), as: principal ? principal.kind : null };
}

async function signIn(server: RouteHost, req: FastifyRequest, reply: FastifyReply) {
  const body = checkForm(req);
  const key = text(body, 'key', true, 512)!;
  const principal = server.verifySignIn(req, key);
  if (principal.kind === 'write') throw new TruenorthError('forbidden', 'a write key can only send events; sign in with a secret key');
  const id = server.sessions.open(key);
  reply.header('set-cookie', sessionCookie(req, id, SESSION_MS / 1000));
  reply.header('cache-control', 'no-store');
  return reply.send({ signed_in: true, as: principal.kind });
}

export function registerSessionRoutes(server: RouteHost): void {
  const app = server.app;
  app.get('/api/v1/session', (req) => sessionStatus(server, req));
  app.post('/api/v1/session', (req, reply) => signIn(server, req, reply));
  app.delete('/api/v1/session', async (req, reply) => {
    server.sessions.close(req);
    reply.header('set-cookie', sessionCookie(req, '', 0));
    return reply.send({ signed_in: false });
  });
}
