import type { FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';
import type { KeyRing, Principal } from './keys.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { credential, header } from './request.js';
import { isLoopback } from './server-file.js';
import { SignInThrottle } from './sign-in-throttle.js';

/** The dashboard's sign-ins: the principal a request's session cookie stands for. */
export interface Sessions {
  principal(req: FastifyRequest, keys: KeyRing): Promise<Principal | undefined>;
}

/**
 * Who a request is: a write key for ingestion; a secret key, the admin token or a dashboard session
 * for reads and administration. Every key found is rate limited; unknown keys presented to sign in
 * count towards their address's throttle.
 */
export class Auth {
  private readonly limiter: RateLimiter;
  /** Unknown keys presented to sign in, per client address. */
  private readonly signIns = new SignInThrottle();

  constructor(
    private readonly keys: KeyRing,
    private readonly sessions: Sessions,
    private readonly readsNeedKey: boolean,
    rateLimit: RateLimitOptions = { perSecond: 5_000 },
  ) {
    this.limiter = new RateLimiter(rateLimit);
  }

  /** The write key `token` names; a secret key cannot send events. */
  write(req: FastifyRequest, token: string | undefined): Principal {
    if (!token) throw new TruenorthError('missing_key', 'no write key: send it as the basic-auth user (Segment), or as api_key in the body (PostHog)');
    const principal = this.keys.verify(token);
    if (!principal) throw new TruenorthError('invalid_key', 'unknown or revoked write key');
    if (principal.kind === 'secret') throw new TruenorthError('invalid_key', 'a secret key cannot send events; use a write key');
    req.principal = principal;
    this.rateLimit(principal);
    return principal;
  }

  /** Secret key, admin token or dashboard session; with `open`, loopback servers let anyone on this machine through. */
  async secret(req: FastifyRequest, open: boolean): Promise<void> {
    if (open && !this.readsNeedKey) {
      // Open to this machine only: a Host that is not a loopback name (DNS rebinding) needs a key.
      const host = (header(req, 'host') ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
      if (isLoopback(host)) return;
    }
    const token = credential(req);
    const session = token ? undefined : await this.sessions.principal(req, this.keys);
    if (session) {
      req.principal = session;
      return this.rateLimit(session);
    }
    if (!token) throw new TruenorthError('missing_key', 'this endpoint needs a secret key: Authorization: Bearer <secret key>');
    const principal = this.verifySignIn(req, token);
    if (principal.kind === 'write') throw new TruenorthError('forbidden', 'a write key can only send events; use a secret key');
    req.principal = principal;
    this.rateLimit(principal);
  }

  /** The principal of a key presented to sign in; unknown keys count towards the address's throttle. */
  verifySignIn(req: FastifyRequest, token: string): Principal {
    this.signIns.check(req.ip);
    const principal = this.keys.verify(token);
    if (principal) return principal;
    this.signIns.fail(req.ip);
    throw new TruenorthError('invalid_key', 'unknown or revoked key');
  }

  private rateLimit(principal: Principal): void {
    const wait = this.limiter.take(principal.id);
    if (wait !== undefined) {
      throw new TruenorthError('rate_limited', `too many requests for key ${principal.id}; retry in ${wait} s`, { retryAfterSeconds: wait });
    }
  }
}
