import type { FastifyError, FastifyInstance } from 'fastify';
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
