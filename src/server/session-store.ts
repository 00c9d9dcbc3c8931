/**
 * Dashboard sign-ins: a random id in an HttpOnly cookie stands for the key it was opened with. Both
 * are kept as SHA-256 hashes in the control store (engine/control.ts), so a sign-in made on one
 * server works on every server sharing that store, and signing out ends it on all of them. Each
 * request checks the key again, so revoking it ends its sessions.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SessionTable } from '../engine/control.js';
import { hashToken, type KeyRing, type Principal } from './keys.js';
import { DAY_MS } from '../model/time.js';

export const SESSION_COOKIE = 'truenorth_session';
export const SESSION_MS = 30 * DAY_MS;

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
  constructor(private readonly table: SessionTable) {}

  /** Opens a session for `token`; answers the cookie's value. */
  async open(token: string): Promise<string> {
    // Token-shaped (tnc_…), so the log scrubber knows it for a secret.
    const id = `tnc_${randomBytes(32).toString('base64url')}`;
    await this.table.open({ idHash: hashToken(id), tokenHash: hashToken(token), expiresAt: Date.now() + SESSION_MS });
    return id;
  }

  /** The principal of the request's session cookie, if it is live and its key still valid for reading. */
  async principal(req: FastifyRequest, keys: KeyRing): Promise<Principal | undefined> {
    const id = cookieValue(req, SESSION_COOKIE);
    if (!id || id.length > 512) return undefined;
    const idHash = hashToken(id);
    const session = await this.table.find(idHash);
    if (!session) return undefined;
    const principal = Date.now() < session.expiresAt ? keys.verifyHash(Buffer.from(session.tokenHash, 'hex')) : undefined;
    if (!principal || principal.kind === 'write') {
      await this.table.close(idHash);
      return undefined;
    }
    return principal;
  }

  async close(req: FastifyRequest): Promise<void> {
    const id = cookieValue(req, SESSION_COOKIE);
    if (id && id.length <= 512) await this.table.close(hashToken(id));
  }
}
