/**
 * The CPU-bound half of an ingestion request, with no access to the server: decompress and parse the
 * body, unwrap Segment's or PostHog's envelope, and check and normalise each message. Runs on a
 * worker thread of the parse pool (parse-pool.ts) or, for small bodies, inline; either way the
 * answer is plain data that crosses threads by structured clone.
 */
import { TruenorthError, type ErrorCode } from '../errors.js';
import { isObject, normalizeMessage } from '../engine/ingest/normalize.js';
import { qualityDay, QualityTally } from '../engine/ingest/quality.js';
import type { NormalizedMessage } from '../model/message.js';
import { checkMessage, decodeBody, parseJson, type Limits } from './payload.js';

export const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

export interface ParseJob {
  /** Segment's routes (a message type, or `batch`) or PostHog's. */
  route: SegmentType | 'batch' | 'posthog';
  body: Uint8Array | undefined;
  encoding: string | undefined;
  contentType: string | undefined;
  compression: string | undefined;
  limits: Limits;
  receivedAt: number;
}

export interface ParsedIngest {
  /** The key the body carries (Segment's writeKey; PostHog's api_key or token), for requests without one in a header. */
  bodyKey: string | undefined;
  single: boolean;
  /** Refused before any message was looked at (after the key is checked: a bad key answers first). */
  refusal?: WireError;
  accepted: number;
  rejected: { index: number; error: string }[];
  /** How many of the rejected were over the per-message size limit. */
  tooLarge: number;
  messages: NormalizedMessage[];
  /** The data-quality counts of the request (QualityTally entries). */
  quality: [string, number][];
}

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** A parse's answer: the request's messages, or the error to answer with before the key is even checked. */
export type ParseOutcome = { ok: true; value: ParsedIngest } | { ok: false; error: WireError };

export function toWire(e: unknown): WireError {
  if (e instanceof TruenorthError) return { code: e.code, message: e.message, ...(Object.keys(e.details).length ? { details: e.details } : {}) };
  throw e;
}

export const fromWire = (e: WireError) => new TruenorthError(e.code, e.message, e.details ? { details: e.details } : {});

export async function parseIngest(job: ParseJob): Promise<ParseOutcome> {
  let body: unknown;
  let bytes: number;
  try {
    const text = await decodeBody(job.body === undefined ? undefined : Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength), job.encoding, job.compression, job.limits.maxBatchBytes);
    body = parseJson(text, job.contentType);
    bytes = Buffer.byteLength(text, 'utf8');
    const envelope = job.route === 'posthog' ? posthogItems(body) : segmentItems(body, job.route);
    if (job.route === 'posthog' && envelope.unwrapped) bytes = Infinity;
    let refusal: WireError | undefined;
    try {
      checkBatchSize(job.limits, envelope.items());
    } catch (e) {
      refusal = toWire(e);
    }
    const items = refusal ? [] : envelope.items();
    return { ok: true, value: { bodyKey: envelope.key, single: envelope.single, refusal, ...checkItems(items, job, bytes) } };
  } catch (e) {
    return { ok: false, error: toWire(e) };
  }
}

interface Envelope {
  key: string | undefined;
  single: boolean;
  unwrapped?: boolean;
  /** The messages, adjusted in place for storing; throws when the body holds none in the expected shape. */
  items(): unknown[];
}

function segmentItems(body: unknown, type: SegmentType | 'batch'): Envelope {
  if (!isObject(body)) throw new TruenorthError('invalid_body', type === 'batch' ? 'expected a JSON object like {"batch": [...]}' : 'expected a JSON object (one message)');
  const key = typeof body.writeKey === 'string' ? body.writeKey : undefined;
  let items: unknown[] | undefined;
  const items_ = (): unknown[] => {
    if (items) return items;
    if (type !== 'batch') {
      const item: Record<string, unknown> = { ...body, type };
      delete item.writeKey;
      return (items = [item]);
    }
    if (!Array.isArray(body.batch)) throw new TruenorthError('invalid_body', 'batch: expected an array of messages');
    const context = isObject(body.context) ? body.context : undefined;
    // The parsed items are this request's own: adjusted in place.
    for (const item of body.batch) {
      if (!isObject(item)) continue;
      if (item.sentAt === undefined && body.sentAt !== undefined) item.sentAt = body.sentAt;
      if (context) item.context = { ...context, ...(isObject(item.context) ? item.context : {}) };
      if ('writeKey' in item) delete item.writeKey;
    }
    return (items = body.batch);
  };
  return { key, single: type !== 'batch', items: items_ };
}

function posthogItems(parsed: unknown): Envelope {
  let body = parsed;
  let unwrapped = false;
  // Older clients wrap the payload: {"data": "<base64 JSON>"} or {"data": [...]}.
  if (isObject(body) && body.data !== undefined && body.event === undefined && body.batch === undefined) {
    body = typeof body.data === 'string' ? parseJson(decodeData(body.data), undefined) : body.data;
    unwrapped = true;
  }
  if (!Array.isArray(body) && !isObject(body)) throw new TruenorthError('invalid_body', 'expected an event object, an array of events, or {"batch": [...]}');
  const single = isObject(body) && !Array.isArray(body.batch);
  const items: unknown[] = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.batch) ? body.batch : [body];
  const first = isObject(items[0]) ? items[0] : {};
  const envelope = isObject(body) ? body : {};
  const key = firstString(envelope.api_key, envelope.token, first.api_key, first.token, isObject(first.properties) ? first.properties.token : undefined);
  const sentAt = envelope.sent_at;
  const adjust = (): unknown[] => {
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
    return items;
  };
  let adjusted: unknown[] | undefined;
  return { key, single, unwrapped, items: () => (adjusted ??= adjust()) };
}

function checkBatchSize(limits: Limits, items: unknown[]): void {
  if (items.length > limits.maxBatchEvents) {
    throw new TruenorthError('batch_too_large', `the batch has ${items.length} messages; at most ${limits.maxBatchEvents} per request`);
  }
}

/** Validates each message and normalises the valid ones; the others are listed with their error. */
function checkItems(items: unknown[], job: ParseJob, bodyBytes: number): Omit<ParsedIngest, 'bodyKey' | 'single' | 'refusal'> {
  const messages: NormalizedMessage[] = [];
  const rejected: ParsedIngest['rejected'] = [];
  let tooLarge = 0;
  // A body within the per-message limit cannot hold a message over it: skip measuring each one.
  const measure = bodyBytes > job.limits.maxEventBytes;
  const quality = new QualityTally();
  const day = qualityDay(job.receivedAt);
  const source = job.route === 'posthog' ? 'http:posthog' : 'http:segment';
  items.forEach((item, index) => {
    const problem = checkMessage(item, job.limits, measure);
    if (problem?.code === 'message_too_large') tooLarge++;
    const result = problem ? { ok: false as const, error: problem.error } : normalizeMessage(item, { receivedAt: job.receivedAt });
    if (!result.ok) {
      rejected.push({ index, error: result.error });
      quality.reject(day, source, result.error);
      return;
    }
    if (result.clockSkew || result.futureClamped) quality.warn(day, source, result);
    for (const m of result.messages) messages.push(m);
  });
  return { accepted: items.length - rejected.length, rejected, tooLarge, messages, quality: quality.entries() };
}

export function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return undefined;
}

function decodeData(data: string): string {
  if (/^\s*[[{]/.test(data)) return data;
  return Buffer.from(data, 'base64').toString('utf8');
}
