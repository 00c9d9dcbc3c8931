/**
 * Dashboard sign-ins, in memory: a random id in an HttpOnly cookie stands for the key it was opened
 * with. Each request checks that key again, so revoking it ends its sessions; a restart ends them all.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { KeyRing, Principal } from './keys.js';
import { DAY_MS } from '../model/time.js';

export const SESSION_COOKIE = 'truenorth_session';
export const SESSION_MS = 30 * DAY_MS;
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
