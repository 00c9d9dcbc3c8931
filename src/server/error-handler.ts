import type { FastifyError, FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { isTruenorthError, TruenorthError, type ErrorCode } from '../errors.js';
import { redactUrl } from './redact.js';

/** The catalogue's code for a refusal Fastify makes itself, by its status. */
const FASTIFY_STATUS_CODES: Record<number, ErrorCode> = {
  404: 'not_found', 413: 'body_too_large', 415: 'unsupported_media_type',
};

/** Any error a request ends with, as the catalogue's error the client is answered with. */
export function asTruenorthError(error: unknown, maxBodyBytes: number): TruenorthError {
  if (isTruenorthError(error)) return error;
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `the body is larger than ${Math.round(maxBodyBytes / 1024)} KB`
      : (fastifyError.message ?? 'bad request').split('\n')[0];
    return new TruenorthError(FASTIFY_STATUS_CODES[status] ?? 'bad_request', message);
  }
  return new TruenorthError('internal', 'the server could not store this request; retry', { retryAfterSeconds: 1 });
}

/**
 * The one place an error becomes a response: `{ error: code, message, ...details }` with the
 * catalogue's status, and Retry-After when a retry can succeed. Unknown routes answer the same way.
 */
export function registerErrorHandler(app: FastifyInstance, maxBodyBytes: number): void {
  app.setErrorHandler((error, req, reply) => {
    const answer = asTruenorthError(error, maxBodyBytes);
    if (answer.code === 'internal') req.log.error({ err: error }, 'request failed');
    reply.headers(answer.headers);
    return reply.code(answer.status).send({ error: answer.code, message: answer.message, ...answer.details });
  });
  app.setNotFoundHandler((req) => {
    throw new TruenorthError('not_found', `no route ${req.method} ${redactUrl(req.url).split('?')[0]}`);
  });
}

/**
 * Fastify's clientErrorHandler: a request that never became one (a malformed request line, headers
 * over Node's limit, a body past its deadline) is answered on the socket the same way, then closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request';
  const answer = new TruenorthError(code);
  if (socket.writable) {
    const body = JSON.stringify({ error: answer.code, message: answer.message });
    socket.write(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
