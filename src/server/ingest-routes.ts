import type { FastifyReply, FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';
import { QualityTally } from '../engine/ingest/quality.js';
import type { ServerContext } from './context.js';
import { firstString, fromWire, SEGMENT_TYPES, type ParsedIngest, type ParseJob } from './ingest-parse.js';
import { credential, header } from './request.js';
import { registerSdkRoutes, SDK_PATH } from './sdk-routes.js';

const POSTHOG_PATHS = ['/capture', '/batch', '/e', '/i/v0/e', '/track', '/engage'];
const INGEST_PATH = /^\/(?:v1\/(?:track|identify|page|screen|group|alias|batch|import)|capture|batch|e|i\/v0\/e|track|engage)\/?(?:\?|$)/;
/** Ingestion and the SDKs' own paths: open to any origin, exempt from the cross-site guard. */
export const crossOriginPath = (url: string) => INGEST_PATH.test(url) || SDK_PATH.test(url);

/**
 * Segment's and PostHog's ingestion routes (and the SDKs'): each request's body is parsed and its
 * messages validated one by one off this thread (parse-pool.ts), the valid ones stored durably.
 */
export function registerIngestRoutes(server: ServerContext): void {
  const app = server.app;
  for (const type of SEGMENT_TYPES) app.post(`/v1/${type}`, (req, reply) => ingest(server, req, reply, type));
  app.post('/v1/batch', (req, reply) => ingest(server, req, reply, 'batch'));
  app.post('/v1/import', (req, reply) => ingest(server, req, reply, 'batch'));
  for (const path of POSTHOG_PATHS) app.post(path, (req, reply) => ingest(server, req, reply, 'posthog'));
  registerSdkRoutes(app, (req, reply, type) => ingest(server, req, reply, type));
}

/** Single-message endpoints answer with the message's own problem; batches list them. */
function respond(reply: FastifyReply, result: ParsedIngest, ok: Record<string, unknown>) {
  if (result.rejected.length > 0 && result.accepted === 0) {
    const allTooLarge = result.tooLarge === result.rejected.length;
    if (result.single) throw new TruenorthError(allTooLarge ? 'message_too_large' : 'invalid_message', result.rejected[0].error);
    // A batch of messages all over the size limit is one too large; otherwise the batch is invalid.
    throw new TruenorthError(allTooLarge ? 'message_too_large' : 'invalid_batch', `all ${result.rejected.length} messages were rejected; the first: ${result.rejected[0].error}`, { details: { accepted: 0, rejected: result.rejected } });
  }
  return reply.code(200).send({ ...ok, accepted: result.accepted, rejected: result.rejected });
}

/**
 * One ingestion request. The key is checked where it always was: a header's before the body is read,
 * one in the body (Segment's writeKey; PostHog's api_key or token, or the query's) once it is parsed
 * and before the batch's own problems are answered.
 */
async function ingest(server: ServerContext, req: FastifyRequest, reply: FastifyReply, route: ParseJob['route']) {
  const receivedAt = Date.now();
  const posthog = route === 'posthog';
  const headerKey = credential(req);
  if (headerKey && !posthog) server.auth.write(req, headerKey);
  const query = req.query as Record<string, unknown>;
  const outcome = await server.parsePool.parse({
    route, body: req.body as Buffer | undefined, encoding: header(req, 'content-encoding'), contentType: header(req, 'content-type'),
    compression: typeof query.compression === 'string' ? query.compression : undefined, limits: server.limits, receivedAt,
  });
  if (!outcome.ok) throw fromWire(outcome.error);
  const parsed = outcome.value;
  if (posthog) server.auth.write(req, headerKey ?? parsed.bodyKey ?? firstString(query.api_key, query.token));
  else if (!headerKey) server.auth.write(req, parsed.bodyKey);
  if (parsed.refusal) throw fromWire(parsed.refusal);
  const source = posthog ? 'http:posthog' : 'http:segment';
  const quality = QualityTally.of(parsed.quality);
  if (parsed.messages.length > 0) await server.sink.write(parsed.messages, source, quality);
  // Only rejections: counted when the store takes them; the answer is the 4xx either way.
  else if (!quality.empty) await server.sink.write([], source, quality).catch(() => undefined);
  return respond(reply, parsed, posthog ? { status: 1 } : { success: true });
}
