import { z } from 'zod';
import { READ_OPERATIONS } from '../app/catalogue.js';
import type { ReadOperation } from '../app/operation.js';
import { snakeCase } from '../app/wire.js';
import { ERROR_CODES } from '../errors.js';
import { DEFAULT_LIMITS } from './payload.js';
import { sessionOpenApiPaths } from './session.js';
import { writeOpenApiPaths } from './write-routes.js';

/** A read's query parameters, from its zod schema (as the caller sends them: text, snake_case). */
function queryParameters(op: ReadOperation): Record<string, unknown>[] {
  const schema = z.toJSONSchema(op.params, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }> };
  return Object.entries(schema.properties ?? {}).map(([key, property]) => {
    const { description, ...rest } = property;
    return { name: snakeCase(key), in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
  });
}

const json = (schema: Record<string, unknown> = { type: 'object' }) => ({ 'application/json': { schema } });
const ingestResponses = (ok: Record<string, unknown>) => ({
  200: { description: 'Stored durably (committed and fsynced). Invalid messages of a batch are listed in rejected; the others are stored.', content: json({ $ref: ok.$ref }) },
  400: { description: 'Invalid JSON, a body of the wrong shape, or every message invalid', content: json({ $ref: '#/components/schemas/Error' }) },
  401: { description: 'Unknown, revoked or missing write key', content: json({ $ref: '#/components/schemas/Error' }) },
  413: { description: `Body over ${DEFAULT_LIMITS.maxBatchBytes / 1024} KB (after decompression), more than ${DEFAULT_LIMITS.maxBatchEvents} messages, or a single message over ${DEFAULT_LIMITS.maxEventBytes / 1024} KB`, content: json({ $ref: '#/components/schemas/Error' }) },
  429: { description: 'Rate limit of the key; see Retry-After', content: json({ $ref: '#/components/schemas/Error' }) },
  503: { description: 'Write queue full or shutting down; see Retry-After', content: json({ $ref: '#/components/schemas/Error' }) },
});
const segment = (summary: string, batch = false) => ({
  post: {
    summary, tags: ['Segment-compatible ingestion'], security: [{ writeKeyBasic: [] }, {}],
    requestBody: { required: true, content: json(batch ? { type: 'object', required: ['batch'], properties: { batch: { type: 'array', items: { type: 'object' } }, writeKey: { type: 'string' }, sentAt: { type: 'string' } } } : { type: 'object', description: 'One Segment message; writeKey may be in the body' }) },
    responses: ingestResponses({ $ref: '#/components/schemas/SegmentAck' }),
  },
});
const posthog = (summary: string) => ({
  post: {
    summary, tags: ['PostHog-compatible ingestion'],
    description: 'One event, an array of events, or {"batch": [...], "api_key": "..."}; gzip bodies (Content-Encoding: gzip or ?compression=gzip-js). The key is api_key or token in the body.',
    requestBody: { required: true, content: json() },
    responses: ingestResponses({ $ref: '#/components/schemas/PostHogAck' }),
  },
});

/** A read operation: the same object as its command's --json. */
function readPath(op: (typeof READ_OPERATIONS)[number]) {
  return {
    get: {
      summary: op.summary, tags: ['Reports'],
      description: `The same object as \`truenorth ${op.name} --json\`. Needs a secret key (or a dashboard session) unless the server is bound to a loopback address; a write key gets 403.`,
      security: [{ secretKey: [] }, { sessionCookie: [] }, {}],
      parameters: queryParameters(op),
      responses: {
        200: { description: 'The report', content: json() }, 400: { description: 'A bad parameter' }, 401: { description: 'Missing or unknown key' }, 403: { description: 'A write key cannot read' },
        ...(op.needs?.length ? { 501: { description: `The store cannot answer it (it needs ${op.needs.join(', ')}); the message says why` } } : {}),
      },
    },
  };
}

/** Security schemes and the shared schemas. */
function components() {
  return {
    securitySchemes: {
      writeKeyBasic: { type: 'http', scheme: 'basic', description: 'Segment style: the write key as the user name, empty password' },
      secretKey: { type: 'http', scheme: 'bearer', description: 'A secret key (tns_…) or TRUENORTH_ADMIN_TOKEN' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'truenorth_session', description: 'The dashboard sign-in: POST /api/v1/session with a secret key sets it' },
    },
    schemas: {
      Error: { type: 'object', properties: { error: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: { type: 'string' } }, required: ['error', 'message'] },
      Rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, error: { type: 'string' } } } },
      SegmentAck: { type: 'object', properties: { success: { const: true }, accepted: { type: 'integer' }, rejected: { $ref: '#/components/schemas/Rejected' } } },
      PostHogAck: { type: 'object', properties: { status: { const: 1 }, accepted: { type: 'integer' }, rejected: { $ref: '#/components/schemas/Rejected' } } },
    },
  };
}

/** The OpenAPI 3.1 description of the HTTP API, served at /openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    '/health': { get: { summary: 'Liveness', tags: ['Operations'], responses: { 200: { description: 'The process is up', content: json() } } } },
    '/ready': { get: { summary: 'Readiness: the database is open and the write queue has room', tags: ['Operations'], responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready (queue full, shutting down, database error)' } } } },
    '/openapi.json': { get: { summary: 'This document', tags: ['Operations'], responses: { 200: { description: 'OpenAPI 3.1' } } } },
    '/v1/batch': segment('Segment batch', true),
    '/v1/import': segment('Segment batch (alias of /v1/batch)', true),
    '/capture': posthog('PostHog capture'),
    '/batch': posthog('PostHog batch'),
    '/e': posthog('PostHog capture (posthog-js)'),
    '/i/v0/e': posthog('PostHog capture (v0 endpoint)'),
    '/webhooks/stripe': {
      post: {
        summary: 'Stripe webhook: customer.subscription.* and invoice.* events become ledger rows (docs/stripe.md)', tags: ['Revenue'],
        parameters: [{ name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'Verified and stored (or ignored, for other event types); `warnings` names discounts whose amount no invoice has shown yet' }, 400: { description: 'Bad signature or event' }, 404: { description: 'No endpoint secret configured' } },
      },
    },
    '/api/v1/keys': {
      get: { summary: 'List API keys (prefixes only)', tags: ['Administration'], security: [{ secretKey: [] }], responses: { 200: { description: 'Keys' } } },
      post: { summary: 'Create a key; the token is in the response, once', tags: ['Administration'], security: [{ secretKey: [] }], requestBody: { content: json({ type: 'object', properties: { kind: { enum: ['write', 'secret'] }, name: { type: 'string' } } }) }, responses: { 201: { description: 'Created' } } },
    },
    '/api/v1/keys/{id}': { delete: { summary: 'Revoke a key', tags: ['Administration'], security: [{ secretKey: [] }], parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'Revoked' }, 404: { description: 'No such key' } } } },
    '/api/v1/import/events': { post: { summary: 'Stream an NDJSON, CSV or Parquet file of events (what `truenorth import events` sends while serve holds the file)', tags: ['Import'], security: [{ secretKey: [] }, {}], parameters: [{ name: 'format', in: 'query', schema: { enum: ['ndjson', 'csv', 'parquet'] } }, { name: 'strict', in: 'query', schema: { type: 'string' } }], responses: { 200: { description: 'Import report' } } } },
    '/api/v1/import/subscriptions': { post: { summary: 'Stream a ledger CSV', tags: ['Import'], security: [{ secretKey: [] }, {}], parameters: [{ name: 'strict', in: 'query', schema: { type: 'string' } }], responses: { 200: { description: 'Import report' } } } },
  };
  for (const type of ['track', 'identify', 'page', 'screen', 'group', 'alias']) paths[`/v1/${type}`] = segment(`Segment ${type}`);
  for (const op of READ_OPERATIONS) paths[`/api/v1/${op.name}`] = readPath(op);
  for (const [path, operations] of Object.entries({ ...writeOpenApiPaths(), ...sessionOpenApiPaths() })) paths[path] = { ...(paths[path] as object | undefined), ...(operations as object) };
  return {
    openapi: '3.1.0',
    info: { title: 'truenorth', version: '1', description: 'Ingestion (Segment- and PostHog-compatible), Stripe webhooks, reports and administration.' },
    paths,
    components: components(),
  };
}
