import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';

/**
 * What the browser SDKs ask of their vendor besides sending events, answered so that they work
 * unmodified against this server:
 *
 * - analytics.js (`@segment/analytics-next`) posts to short paths (`/v1/t`, `/v1/p`, … `/v1/b`),
 *   loads its settings from `<cdnURL>/v1/projects/<writeKey>/settings`, and may post its own
 *   telemetry to `/v1/m` (accepted and dropped).
 * - posthog-js and posthog-node ask `/flags` and `/decide` for feature flags (this server has none)
 *   and learn from them, or from the remote config (`/array/<token>/config` and `config.js`), which
 *   compression the server takes.
 * - Script and chunk paths the SDKs may fetch from their vendor answer 404 JSON, never the
 *   dashboard's page.
 *
 * Every path here is cross-origin (CORS) and exempt from the cross-site guard, like ingestion.
 */
export const SDK_PATH = /^\/(?:v1\/(?:[tpigasbm]|projects\/[^/?]+\/settings)|flags|decide|array\/[^?]*)\/?(?:\?|$)/;

/** The headers a browser SDK may send with an event; any others a preflight asks for are echoed. */
export const SDK_REQUEST_HEADERS = 'authorization, content-type, content-encoding, x-retry-count, x-truenorth-replay';

export type SegmentRouteType = 'track' | 'page' | 'identify' | 'group' | 'alias' | 'screen' | 'batch';
type SegmentHandler = (req: FastifyRequest, reply: FastifyReply, type: SegmentRouteType) => Promise<unknown>;

/** analytics.js's short paths: the first letter of the message type, `b` for a batch. */
const SEGMENT_SHORT_PATHS: Record<string, SegmentRouteType> = {
  t: 'track', p: 'page', i: 'identify', g: 'group', a: 'alias', s: 'screen', b: 'batch',
};

/** The encodings the ingestion routes decode (payload.ts decodeBody), as PostHog names them. */
const SUPPORTED_COMPRESSION = ['gzip', 'gzip-js'];

/** A write key or project token as it may appear in a path: nothing that needs escaping anywhere. */
const KEY_IN_PATH = /^[A-Za-z0-9_-]{1,200}$/;

/** Prefixes of scripts and bundles the SDKs fetch from their vendor's CDN; this server has none. */
const SDK_ASSET_PATHS = ['/array/*', '/static/*', '/analytics-next/*', '/next-integrations/*', '/analytics.js/*'];

function keyFromPath(value: string, what: string): string {
  if (!KEY_IN_PATH.test(value)) throw new TruenorthError('malformed_key', `${what}: expected letters, digits, _ or - (at most 200)`);
  return value;
}

function firstHeader(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.split(',')[0].trim();
}

/** The scheme a browser reached this server with: a TLS-terminating proxy says so in X-Forwarded-Proto. */
function publicProtocol(req: FastifyRequest): 'http' | 'https' {
  const forwarded = firstHeader(req, 'x-forwarded-proto')?.toLowerCase();
  if (forwarded === 'https' || forwarded === 'http') return forwarded;
  return req.protocol === 'https' ? 'https' : 'http';
}

/** analytics.js's source settings: deliver to this server's `/v1` paths, no other destinations, no telemetry. */
export function segmentSettings(writeKey: string, host: string, protocol: 'http' | 'https') {
  return {
    integrations: { 'Segment.io': { apiKey: writeKey, apiHost: `${host}/v1`, protocol, unbundledIntegrations: [], addBundledMetadata: false } },
    plan: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    remotePlugins: [],
  };
}

/**
 * PostHog's remote config: no flags, recordings or heatmaps; gzip accepted. `surveys` is left out:
 * posthog-js fetches its surveys script from the server whenever the field is present, even false.
 */
export function posthogRemoteConfig(token: string) {
  return {
    token,
    supportedCompression: SUPPORTED_COMPRESSION,
    hasFeatureFlags: false,
    captureDeadClicks: false,
    capturePerformance: false,
    autocapture_opt_out: false,
    autocaptureExceptions: false,
    analytics: { endpoint: '/i/v0/e/' },
    elementsChainAsString: true,
    sessionRecording: false,
    heatmaps: false,
    defaultIdentifiedOnly: true,
    siteApps: [],
  };
}

/**
 * "No flags" in the shape each client version reads: `/decide` before v2 lists enabled flags in an
 * array; later `/decide` versions and `/flags` read `featureFlags` objects or `flags` details.
 * Older posthog-js takes its remote config from the same answer.
 */
export function noFlags(path: 'flags' | 'decide', version: number, token: string) {
  const config = { ...posthogRemoteConfig(token), config: { enable_collect_everything: true }, toolbarParams: {}, isAuthenticated: false };
  if (path === 'decide' && version < 2) return { ...config, featureFlags: [] };
  return {
    ...config,
    flags: {},
    featureFlags: {},
    featureFlagPayloads: {},
    errorsWhileComputingFlags: false,
    quotaLimited: [],
    requestId: randomUUID(),
  };
}

function flagsRoute(path: 'flags' | 'decide') {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const query = req.query as Record<string, unknown>;
    const version = typeof query.v === 'string' && /^\d{1,2}$/.test(query.v) ? Number(query.v) : 1;
    const token = typeof query.token === 'string' && KEY_IN_PATH.test(query.token) ? query.token : '';
    return reply.header('cache-control', 'no-store').send(noFlags(path, version, token));
  };
}

function remoteConfigJs(token: string): string {
  const key = JSON.stringify(token);
  return `(function() {
  window._POSTHOG_REMOTE_CONFIG = window._POSTHOG_REMOTE_CONFIG || {};
  window._POSTHOG_REMOTE_CONFIG[${key}] = { config: ${JSON.stringify(posthogRemoteConfig(token))}, siteApps: [] };
})();
`;
}

/** Registers the SDK routes; `segment` is the server's handler for one Segment message type or a batch. */
export function registerSdkRoutes(app: FastifyInstance, segment: SegmentHandler): void {
  for (const [short, type] of Object.entries(SEGMENT_SHORT_PATHS)) app.post(`/v1/${short}`, (req, reply) => segment(req, reply, type));
  app.post('/v1/m', async (_req, reply) => reply.code(204).send());

  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', async (req, reply) => {
    const writeKey = keyFromPath(req.params.writeKey, 'writeKey');
    return reply.header('cache-control', 'no-store').send(segmentSettings(writeKey, req.host, publicProtocol(req)));
  });

  for (const path of ['flags', 'decide'] as const) app.route({ method: ['GET', 'POST'], url: `/${path}`, handler: flagsRoute(path) });

  app.get<{ Params: { token: string } }>('/array/:token/config', async (req, reply) => {
    const token = keyFromPath(req.params.token, 'token');
    return reply.header('cache-control', 'no-store').send(posthogRemoteConfig(token));
  });
  app.get<{ Params: { token: string } }>('/array/:token/config.js', async (req, reply) => {
    const token = keyFromPath(req.params.token, 'token');
    return reply.header('cache-control', 'no-store').type('text/javascript; charset=utf-8').send(remoteConfigJs(token));
  });

  for (const path of SDK_ASSET_PATHS) {
    app.get(path, async (req) => {
      throw new TruenorthError('not_found', `no SDK asset ${req.url.split('?')[0]}: this server serves none; load the SDK from your own bundle or its vendor's CDN`);
    });
  }
}

/** Header names a preflight may ask for: token characters, comma-separated. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * An onRequest hook: the routes `crossOrigin` names answer any origin (their credentials travel in
 * the body or Authorization, never a cookie); a preflight gets the headers it asks for.
 */
export function ingestionCors(crossOrigin: (url: string) => boolean) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!crossOrigin(req.url)) return;
    reply.header('access-control-allow-origin', '*');
    if (req.method !== 'OPTIONS') return;
    const asked = firstHeaderRaw(req, 'access-control-request-headers')?.trim();
    reply.header('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
    reply.header('access-control-allow-headers', asked && HEADER_LIST.test(asked) && asked.length <= 1000 ? asked : SDK_REQUEST_HEADERS);
    reply.header('access-control-max-age', '86400');
    reply.header('vary', 'access-control-request-headers');
    return reply.code(204).send();
  };
}

function firstHeaderRaw(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
