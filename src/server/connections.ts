import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import { Socket } from 'node:net';

/**
 * The server's connection budget and deadlines: what a client may hold, and for how long, before
 * the server closes its connection. Times are in milliseconds.
 */
export interface ConnectionLimits {
  /** Open connections at most; past it a new connection is closed at once. */
  maxConnections: number;
  /** A request's headers must all arrive within this time (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** A body that stops arriving for this long gets its connection closed (the socket's idle timeout). */
  bodyStallMs: number;
  /** A buffered body (every route but imports) must have fully arrived this long after its headers: else 408. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
}

/**
 * 512 connections leave half of a typical `ulimit -n` of 1024 to the database, its WAL and temp
 * files and the import spools; raise it together with the descriptor limit.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 512,
  headersTimeoutMs: 10_000,
  bodyStallMs: 30_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 10_000,
};

/** Route config of the routes that read their body as a stream (imports): only the stall deadline applies. */
export const STREAMED_BODY = { streamedBody: true } as const;

/** The Fastify and Node http server options that carry the limits. */
export function connectionServerOptions(limits: ConnectionLimits): Pick<FastifyServerOptions, 'connectionTimeout' | 'keepAliveTimeout'> & { http: { headersTimeout: number; connectionsCheckingInterval: number } } {
  return {
    connectionTimeout: limits.bodyStallMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the header deadline on this period: a tenth of it keeps the close within 10 % late.
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.max(100, Math.min(1_000, limits.headersTimeoutMs / 10)) },
  };
}

/**
 * The limits Node's options do not carry: the connection cap, the whole-request deadline of
 * buffered bodies, and lifting the stall deadline once a body is in (a long report or import
 * is not a stalled client).
 */
export function guardConnections(app: FastifyInstance, limits: ConnectionLimits): void {
  app.server.maxConnections = limits.maxConnections;
  app.addHook('onRequest', (req, reply, done) => {
    // An injected request (app.inject) has no socket to time out.
    if (isStreamed(req) || req.raw.complete || !(req.raw.socket instanceof Socket)) return done();
    const timer = setTimeout(() => {
      if (req.raw.complete || req.raw.socket.destroyed) return;
      // The same 408 and close Node sends for its own request timeout, through Fastify's handler.
      app.server.emit('clientError', Object.assign(new Error('request body timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), req.raw.socket);
    }, limits.requestTimeoutMs);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
  app.addHook('preHandler', (req, _reply, done) => {
    if (!isStreamed(req)) bodyReceived(req);
    done();
  });
}

/** The body is in: the stall deadline no longer applies to this request (keep-alive restores it for the next). */
export function bodyReceived(req: FastifyRequest): void {
  if (req.raw.socket instanceof Socket) req.raw.socket.setTimeout(0);
}

function isStreamed(req: FastifyRequest): boolean {
  return (req.routeOptions.config as { streamedBody?: boolean } | undefined)?.streamedBody === true;
}
