import type { FastifyReply, FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';
import { isObject, normalizeMessage } from '../engine/ingest/normalize.js';
import { qualityDay, QualityTally } from '../engine/ingest/quality.js';
import type { NormalizedMessage } from '../model/message.js';
import type { ServerContext } from './context.js';
import { checkMessage, parseJson, type Limits } from './payload.js';
import { credential, readJson } from './request.js';
import { registerSdkRoutes, SDK_PATH } from './sdk-routes.js';

const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
type SegmentType = (typeof SEGMENT_TYPES)[number];
const POSTHOG_PATHS = ['/capture', '/batch', '/e', '/i/v0/e', '/track', '/engage'];
const INGEST_PATH = /^\/(?:v1\/(?:track|identify|page|screen|group|alias|batch|import)|capture|batch|e|i\/v0\/e|track|engage)\/?(?:\?|$)/;
/** Ingestion and the SDKs' own paths: open to any origin, exempt from the cross-site guard. */
export const crossOriginPath = (url: string) => INGEST_PATH.test(url) || SDK_PATH.test(url);

interface IngestResult {
  accepted: number;
  rejected: { index: number; error: string }[];
  /** How many of the rejected were over the per-message size limit. */
  tooLarge: number;
}

/** Segment's and PostHog's ingestion routes (and the SDKs'): messages validated one by one, the valid ones stored durably. */
export function registerIngestRoutes(server: ServerContext): void {
  const app = server.app;
  for (const type of SEGMENT_TYPES) app.post(`/v1/${type}`, (req, reply) => segment(server, req, reply, type));
  app.post('/v1/batch', (req, reply) => segment(server, req, reply, 'batch'));
  app.post('/v1/import', (req, reply) => segment(server, req, reply, 'batch'));
  for (const path of POSTHOG_PATHS) app.post(path, (req, reply) => posthog(server, req, reply));
  registerSdkRoutes(app, (req, reply, type) => segment(server, req, reply, type));
}

/** Validates each message, stores the valid ones durably, and lists the others. */
async function ingest(server: ServerContext, items: unknown[], receivedAt: number, source: string, bodyBytes = Infinity): Promise<IngestResult> {
  const messages: NormalizedMessage[] = [];
  const rejected: IngestResult['rejected'] = [];
  let tooLarge = 0;
  // A body within the per-message limit cannot hold a message over it: skip measuring each one.
  const measure = bodyBytes > server.limits.maxEventBytes;
  const quality = new QualityTally();
  const day = qualityDay(receivedAt);
  items.forEach((item, index) => {
    const problem = checkMessage(item, server.limits, measure);
    if (problem?.code === 'message_too_large') tooLarge++;
    const result = problem ? { ok: false as const, error: problem.error } : normalizeMessage(item, { receivedAt });
    if (!result.ok) {
      rejected.push({ index, error: result.error });
      quality.reject(day, source, result.error);
      return;
    }
    if (result.clockSkew || result.futureClamped) quality.warn(day, source, result);
    for (const m of result.messages) messages.push(m);
  });
  if (messages.length > 0) await server.sink.write(messages, source, quality);
  // Only rejections: counted when the store takes them; the answer is the 4xx either way.
  else if (!quality.empty) await server.sink.write([], source, quality).catch(() => undefined);
  return { accepted: items.length - rejected.length, rejected, tooLarge };
}

function checkBatchSize(limits: Limits, items: unknown[]): void {
  if (items.length > limits.maxBatchEvents) {
    throw new TruenorthError('batch_too_large', `the batch has ${items.length} messages; at most ${limits.maxBatchEvents} per request`);
  }
}

/** Single-message endpoints answer with the message's own problem; batches list them. */
function respond(reply: FastifyReply, result: IngestResult, single: boolean, ok: Record<string, unknown>) {
  if (result.rejected.length > 0 && result.accepted === 0) {
    const allTooLarge = result.tooLarge === result.rejected.length;
    if (single) throw new TruenorthError(allTooLarge ? 'message_too_large' : 'invalid_message', result.rejected[0].error);
    // A batch of messages all over the size limit is one too large; otherwise the batch is invalid.
    throw new TruenorthError(allTooLarge ? 'message_too_large' : 'invalid_batch', `all ${result.rejected.length} messages were rejected; the first: ${result.rejected[0].error}`, { details: { accepted: 0, rejected: result.rejected } });
  }
  return reply.code(200).send({ ...ok, accepted: result.accepted, rejected: result.rejected });
}

async function segment(server: ServerContext, req: FastifyRequest, reply: FastifyReply, type: SegmentType | 'batch') {
  const receivedAt = Date.now();
  const headerKey = credential(req);
  if (headerKey) server.auth.write(req, headerKey);
  const { body, bytes } = await readJson(req, server.limits.maxBatchBytes);
  if (!isObject(body)) throw new TruenorthError('invalid_body', type === 'batch' ? 'expected a JSON object like {"batch": [...]}' : 'expected a JSON object (one message)');
  if (!headerKey) server.auth.write(req, typeof body.writeKey === 'string' ? body.writeKey : undefined);
  let items: unknown[];
  if (type === 'batch') {
    if (!Array.isArray(body.batch)) throw new TruenorthError('invalid_body', 'batch: expected an array of messages');
    items = body.batch;
    checkBatchSize(server.limits, items);
    const context = isObject(body.context) ? body.context : undefined;
    // The parsed items are this request's own: adjusted in place.
    for (const item of items) {
      if (!isObject(item)) continue;
      if (item.sentAt === undefined && body.sentAt !== undefined) item.sentAt = body.sentAt;
      if (context) item.context = { ...context, ...(isObject(item.context) ? item.context : {}) };
      if ('writeKey' in item) delete item.writeKey;
    }
  } else {
    const item: Record<string, unknown> = { ...body, type };
    delete item.writeKey;
    items = [item];
  }
  const result = await ingest(server, items, receivedAt, 'http:segment', bytes);
  return respond(reply, result, type !== 'batch', { success: true });
}

async function posthog(server: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  const receivedAt = Date.now();
  let { body, bytes } = await readJson(req, server.limits.maxBatchBytes);
  // Older clients wrap the payload: {"data": "<base64 JSON>"} or {"data": [...]}.
  if (isObject(body) && body.data !== undefined && body.event === undefined && body.batch === undefined) {
    body = typeof body.data === 'string' ? parseJson(decodeData(body.data), undefined) : body.data;
    bytes = Infinity;
  }
  const single = isObject(body) && !Array.isArray(body.batch);
  const items: unknown[] = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.batch) ? body.batch : isObject(body) ? [body] : [];
  if (!Array.isArray(body) && !isObject(body)) throw new TruenorthError('invalid_body', 'expected an event object, an array of events, or {"batch": [...]}');
  const query = req.query as Record<string, unknown>;
  const first = isObject(items[0]) ? items[0] : {};
  const envelope = isObject(body) ? body : {};
  const token = credential(req) ?? firstString(
    envelope.api_key, envelope.token, first.api_key, first.token, isObject(first.properties) ? first.properties.token : undefined,
    query.api_key, query.token,
  );
  server.auth.write(req, token);
  checkBatchSize(server.limits, items);
  const sentAt = envelope.sent_at;
  // The parsed items are this request's own: adjusted in place.
  for (const out of items) {
    if (!isObject(out)) continue;
    if ('api_key' in out) delete out.api_key;
    if ('token' in out) delete out.token;
    // PostHog ignores a client's "type" (older libraries send "capture"); it is not Segment's type.
    if (typeof out.type === 'string' && (out.distinct_id !== undefined || (isObject(out.properties) && out.properties.distinct_id !== undefined))) delete out.type;
    if (isObject(out.properties) && 'token' in out.properties) {
      const { token: _token, ...rest } = out.properties;
      out.properties = rest;
    }
    if (out.sent_at === undefined && sentAt !== undefined) out.sent_at = sentAt;
  }
  const result = await ingest(server, items, receivedAt, 'http:posthog', bytes);
  return respond(reply, result, single, { status: 1 });
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return undefined;
}

function decodeData(data: string): string {
  if (/^\s*[[{]/.test(data)) return data;
  return Buffer.from(data, 'base64').toString('utf8');
}
