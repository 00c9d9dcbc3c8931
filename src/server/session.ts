/**
 * Dashboard sign-in: `POST /api/v1/session` with a secret key (or the admin token) sets an HttpOnly,
 * SameSite=Strict cookie that stands for that key until it is revoked or the server restarts. A write
 * key cannot sign in. `GET /api/v1/session` says whether the reader needs to.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TruenorthServer } from './app.js';
import { checkForm } from './forms.js';
import type { KeyRing, Principal } from './keys.js';
import { HttpError } from './payload.js';
import { isLoopback } from './server-file.js';
import { text } from './team-writes.js';

export const SESSION_COOKIE = 'truenorth_session';
const SESSION_MS = 30 * 24 * 3_600_000;
const MAX_SESSIONS = 10_000;

interface Session {
  token: string;
  expires: number;
}

function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Dashboard sign-ins, in memory: a random id in an HttpOnly cookie stands for the key it was opened
 * with. Each request checks that key again, so revoking it ends its sessions; a restart ends them all.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  open(token: string): string {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    // Token-shaped (tnc_…), so the log scrubber knows it for a secret.
    const id = `tnc_${randomBytes(32).toString('base64url')}`;
    this.sessions.set(id, { token, expires: Date.now() + SESSION_MS });
    return id;
  }

  /** The principal of the request's session cookie, if it is live and its key still valid for reading. */
  principal(req: FastifyRequest, keys: KeyRing): Principal | undefined {
    const id = cookieValue(req, SESSION_COOKIE);
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const principal = Date.now() < session.expires ? keys.verify(session.token) : undefined;
    if (!principal || principal.kind === 'write') {
      this.sessions.delete(id);
      return undefined;
    }
    return principal;
  }

  close(req: FastifyRequest): void {
    const id = cookieValue(req, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
  }
}

function hostIsLoopback(req: FastifyRequest): boolean {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return isLoopback(host);
}

function sessionCookie(req: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

async function sessionStatus(server: TruenorthServer, req: FastifyRequest) {
  const required = server.readsNeedKey || !hostIsLoopback(req);
  const principal = server.sessions.principal(req, server.keys);
  return { auth_required: required, signed_in: Boolean(principal), as: principal ? principal.kind : null };
}

async function signIn(server: TruenorthServer, req: FastifyRequest, reply: FastifyReply) {
  const body = checkForm(req);
  const key = text(body, 'key', true, 512)!;
  const principal = server.verifySignIn(req, key);
  if (principal.kind === 'write') throw new HttpError(403, 'forbidden', 'a write key can only send events; sign in with a secret key');
  const id = server.sessions.open(key);
  reply.header('set-cookie', sessionCookie(req, id, SESSION_MS / 1000));
  reply.header('cache-control', 'no-store');
  return reply.send({ signed_in: true, as: principal.kind });
}

export function registerSessionRoutes(server: TruenorthServer): void {
  const app = server.app;
  app.get('/api/v1/session', (req) => sessionStatus(server, req));
  app.post('/api/v1/session', (req, reply) => signIn(server, req, reply));
  app.delete('/api/v1/session', async (req, reply) => {
    server.sessions.close(req);
    reply.header('set-cookie', sessionCookie(req, '', 0));
    return reply.send({ signed_in: false });
  });
}
