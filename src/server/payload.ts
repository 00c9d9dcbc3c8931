import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { TruenorthError } from '../errors.js';
import { isWellFormed, toWellFormed } from '../model/well-formed.js';

/** Request limits, as Segment's tracking API has them; all configurable. */
export interface Limits {
  /** One message, serialised (Segment: 32 KB). */
  maxEventBytes: number;
  /** One request body after decompression (Segment: 500 KB). */
  maxBatchBytes: number;
  /** Messages in one batch (Segment: 2,500). */
  maxBatchEvents: number;
  /** Nesting of objects and arrays inside one message. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxEventBytes: 32 * 1024,
  maxBatchBytes: 500 * 1024,
  maxBatchEvents: 2_500,
  maxDepth: 64,
};

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

function kb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KB`;
}

/**
 * The request body as text: decompressed (Content-Encoding gzip/deflate/br, PostHog's
 * `?compression=gzip-js`, or a gzip body sent without the header), at most `maxBytes` long.
 */
export async function decodeBody(
  body: Buffer | undefined, encoding: string | undefined, compression: string | undefined, maxBytes: number,
): Promise<string> {
  if (!body || body.length === 0) throw new TruenorthError('empty_body', 'the request has no body; expected JSON');
  let raw = body;
  const enc = (encoding ?? '').trim().toLowerCase();
  const gzipped = enc === 'gzip' || enc === 'x-gzip' || compression === 'gzip-js' || compression === 'gzip' || (body[0] === 0x1f && body[1] === 0x8b);
  try {
    const options = { maxOutputLength: maxBytes + 1 };
    if (gzipped) raw = await gunzipAsync(body, options);
    else if (enc === 'deflate') raw = await inflateAsync(body, options);
    else if (enc === 'br') raw = await brotliAsync(body, options);
    else if (enc !== '' && enc !== 'identity') throw new TruenorthError('unsupported_encoding', `Content-Encoding ${JSON.stringify(enc.slice(0, 40))} is not supported; use gzip, deflate or br`);
  } catch (e) {
    if (e instanceof TruenorthError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new TruenorthError('body_too_large', `the body is larger than ${kb(maxBytes)} after decompression`);
    }
    throw new TruenorthError('invalid_encoding', `cannot decompress the body (${(e as Error).message.split('\n')[0]})`);
  }
  if (raw.length > maxBytes) throw new TruenorthError('body_too_large', `the body is larger than ${kb(maxBytes)}`);
  return raw.toString('utf8');
}

/** Parses JSON; a form body `data=<json or base64 json>` (older PostHog clients) is unwrapped. */
export function parseJson(text: string, contentType: string | undefined): unknown {
  let source = text;
  // `curl -d '{...}'` sends JSON labelled as a form: a body that looks like JSON is JSON.
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded') && !/^\s*[[{]/.test(text)) {
    const data = new URLSearchParams(text).get('data');
    if (data === null) throw new TruenorthError('invalid_body', 'a form body needs a data= field holding the JSON');
    source = /^\s*[[{]/.test(data) ? data : Buffer.from(data, 'base64').toString('utf8');
  }
  try {
    return JSON.parse(source);
  } catch (e) {
    throw new TruenorthError('invalid_json', `invalid JSON: ${(e as Error).message.split('\n')[0].slice(0, 200)}`);
  }
}

export interface MessageProblem {
  error: string;
  code: 'invalid_message' | 'message_too_large';
}

/**
 * Makes one message safe to store, in place: strings (values and keys) become well-formed Unicode
 * (a lone surrogate becomes U+FFFD: the database's JSON rejects them), nesting is bounded, and the
 * serialised size is checked. Returns why the message is refused, or undefined.
 */
export function checkMessage(message: unknown, limits: Limits, measure = true): MessageProblem | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { error: 'message: expected a JSON object', code: 'invalid_message' };
  }
  if (!sanitize(message, 0, limits.maxDepth)) {
    return { error: `message: nested deeper than ${limits.maxDepth} levels`, code: 'invalid_message' };
  }
  if (!measure) return undefined;
  const size = Buffer.byteLength(JSON.stringify(message), 'utf8');
  if (size > limits.maxEventBytes) return { error: `message: ${kb(size)} is larger than the ${kb(limits.maxEventBytes)} limit`, code: 'message_too_large' };
  return undefined;
}

/** Returns false when the value is nested deeper than `max`. */
function sanitize(value: object, depth: number, max: number): boolean {
  if (depth >= max) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'string') {
        if (!isWellFormed(v)) value[i] = toWellFormed(v);
      } else if (typeof v === 'object' && v !== null && !sanitize(v, depth + 1, max)) return false;
    }
    return true;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === 'string') {
      if (!isWellFormed(v)) record[key] = toWellFormed(v);
    } else if (typeof v === 'object' && v !== null && !sanitize(v, depth + 1, max)) return false;
    if (!isWellFormed(key)) {
      const fixed = toWellFormed(key);
      const current = record[key];
      delete record[key];
      Object.defineProperty(record, fixed, { value: current, enumerable: true, writable: true, configurable: true });
    }
  }
  return true;
}
