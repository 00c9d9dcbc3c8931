import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { statSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { isTruenorthError, StoreUnavailableError, type ErrorKind } from '../errors.js';
import type { DuckDbStore } from '../engine/duckdb/database.js';
import type { ClickHouseStore } from '../engine/clickhouse/store.js';
import { isObject, normalizeMessage } from '../engine/ingest/normalize.js';
import { qualityDay, QualityTally } from '../engine/ingest/quality.js';
import { detectFormat } from '../engine/ingest/sources.js';
import type { Dialect, SqlEngine } from '../engine/sql-engine.js';
import { modelFromConfig, type MetricModel } from '../model/from-config.js';
import type { NormalizedMessage } from '../model/message.js';
import { reportContext } from '../reports/context.js';
import { QueryCache } from '../reports/query-cache.js';
import { registerDashboard, SessionStore } from './dashboard-api.js';
import { registerCliRoutes } from './cli-routes.js';
import { createKey, KeyRing, listKeys, parseKind, revokeKey, type Principal } from './keys.js';
import { openApiDocument } from './openapi.js';
import { connectionServerOptions, DEFAULT_CONNECTION_LIMITS, guardConnections, STREAMED_BODY, type ConnectionLimits } from './connections.js';
import { spoolUpload } from './spool-upload.js';
import { checkMessage, decodeBody, DEFAULT_LIMITS, HttpError, parseJson, type Limits } from './payload.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { asOfFromFlags, findReadRoute, flagsFromQuery } from './read-api.js';
import { RecordingEngine } from './replay.js';
import { DEFAULT_REPORT_TIMEOUT_SECONDS, withReportDeadline } from './report-deadline.js';
import { isLoopback, localUrl, peerIsLoopback } from './server-file.js';
import { crossSiteGuard } from './cross-site.js';
import { Redactor, redactUrl } from './redact.js';
import { ingestionCors, registerSdkRoutes, SDK_PATH } from './sdk-routes.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { factFromStripeEvent, verifyStripeSignature } from './stripe.js';
import { applyStripeFact } from './stripe-ledger.js';
import type { ClickHouseSinkOptions } from '../engine/clickhouse/sink.js';
import { serverPort } from '../engine/open-store.js';
import type { StorePort } from '../engine/port.js';
import { requireCapability } from './require-capability.js';
import { QueueClosedError, QueueFullError, type IngestSink } from '../engine/sink.js';
import { WriteQueue, type WriteQueueOptions } from '../engine/duckdb/write-queue.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface LoggerOptions {
  level?: string;
  /** Where log lines go (default stderr). */
  stream?: { write(line: string): unknown };
}

export interface ServerOptions {
  /** The control store (keys, workspace); with no `clickhouse`, also where events go and reports read. */
  store: DuckDbStore;
  /**
   * Ingested messages go to this ClickHouse store (batched: ≥ 1,000 rows or at most one insert a
   * second) and the read API reports from it. Stripe webhooks and imports answer 501 then.
   */
  clickhouse?: ClickHouseStore;
  /** The ClickHouse batcher's thresholds (default 1,000 rows / 1,000 ms). */
  clickhouseBatching?: Omit<ClickHouseSinkOptions, 'maxPending'>;
  host?: string;
  port?: number;
  /** truenorth.yaml for the read API; re-read when it changes. Without it the read API answers 404. */
  configPath?: string;
  /** TRUENORTH_ADMIN_TOKEN: reads and administers, like a secret key. */
  adminToken?: string;
  /** The Stripe endpoint's signing secret (whsec_…); without it /webhooks/stripe answers 404. */
  stripeSecret?: string;
  limits?: Partial<Limits>;
  queue?: WriteQueueOptions;
  /** Requests per second per key (default 5,000, burst 10,000); perSecond 0 turns it off. */
  rateLimit?: RateLimitOptions;
  /** false: no logs. */
  logger?: LoggerOptions | false;
  /** Whether the read API and imports need a secret key; default: unless bound to a loopback address. */
  readsNeedKey?: boolean;
  /** A read-API report running longer is cancelled and answered 503 (default 60 s). */
  reportTimeoutMs?: number;
  /** Connection budget and deadlines (DEFAULT_CONNECTION_LIMITS in connections.ts). */
  connections?: Partial<ConnectionLimits>;
}

const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
const POSTHOG_PATHS = ['/capture', '/batch', '/e', '/i/v0/e', '/track', '/engage'];
const INGEST_PATH = /^\/(?:v1\/(?:track|identify|page|screen|group|alias|batch|import)|capture|batch|e|i\/v0\/e|track|engage)\/?(?:\?|$)/;
/** Ingestion and the SDKs' own paths: open to any origin, exempt from the cross-site guard. */
const crossOriginPath = (url: string) => INGEST_PATH.test(url) || SDK_PATH.test(url);

const KIND_STATUS: Record<ErrorKind, number> = {
  config: 409, input: 400, locked: 409, not_found: 404, auth: 401, conflict: 409, unavailable: 503, internal: 500,
};

export interface IngestResult {
  accepted: number;
  rejected: { index: number; error: string }[];
}

export class TruenorthServer {
  readonly app: FastifyInstance;
  readonly queue: WriteQueue;
  /** The store reports read and ingestion, imports and the team's tables write. */
  readonly events: StorePort;
  /** Where ingested messages go. */
  readonly sink: IngestSink;
  readonly keys: KeyRing;
  readonly limits: Limits;
  readonly host: string;
  readonly readsNeedKey: boolean;
  /** Dashboard sign-ins: a cookie that stands for the secret key it was opened with. */
  readonly sessions = new SessionStore();
  /** Unknown keys presented to sign in, per client address. */
  readonly signIns = new SignInThrottle();
  url: string | undefined;
  private readonly limiter: RateLimiter;
  private configCache: { path: string; mtimeMs: number; model: MetricModel; config: Config } | undefined;
  /** Report query results, reused until the next write (DuckDB; a ClickHouse server is never cached). */
  readonly queryCache = new QueryCache(500_000);
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: ServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.readsNeedKey = options.readsNeedKey ?? !isLoopback(this.host);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.queue = new WriteQueue(options.store, {
      ...options.queue,
      onHealthChange: (failing, detail) => {
        if (failing) this.app.log.error({ detail }, 'writes are failing: every write gets 503 until a probe write succeeds');
        else this.app.log.warn('writes succeed again');
      },
    });
    this.events = serverPort(options, this.queue);
    this.sink = this.events.openSink({ ...options.clickhouseBatching, maxPending: options.queue?.maxPending });
    this.keys = new KeyRing(options.adminToken);
    this.limiter = new RateLimiter(options.rateLimit ?? { perSecond: 5_000 });
    const connections = { ...DEFAULT_CONNECTION_LIMITS, ...options.connections };
    this.app = Fastify({
      ...connectionServerOptions(connections),
      logger: options.logger === false ? false : {
        level: options.logger?.level ?? 'info',
        stream: new Redactor([options.adminToken, options.stripeSecret]).stream(options.logger?.stream ?? process.stderr),
        serializers: {
          req: (req: { method?: string; url?: string }) => ({ method: req.method, url: redactUrl(req.url ?? '') }),
        },
      },
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: this.limits.maxBatchBytes,
      routerOptions: { ignoreTrailingSlash: true },
      forceCloseConnections: 'idle',
    });
    guardConnections(this.app, connections);
    this.routes();
  }

  static async create(options: ServerOptions): Promise<TruenorthServer> {
    const server = new TruenorthServer(options);
    await server.withReader((engine) => server.keys.load(engine));
    return server;
  }

  get store(): DuckDbStore {
    return this.options.store;
  }

  /** Listens; resolves with the URL a client on this machine uses. */
  async listen(): Promise<string> {
    await this.app.listen({ host: this.host, port: this.options.port ?? 8765 });
    const address = this.app.server.address();
    const port = typeof address === 'object' && address ? address.port : this.options.port ?? 8765;
    this.url = localUrl(this.host, port);
    return this.url;
  }

  get port(): number {
    const address = this.app.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Graceful: stop accepting, finish the requests in flight, commit everything queued. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.app.close();
      if (this.sink !== this.queue) await this.sink.close();
      await this.queue.close();
    })();
    return this.closing;
  }

  /** The engine events are stored in (its SQL dialect). */
  get engine(): Dialect {
    return this.events.dialect;
  }

  /** Runs `work` on a reader of the store reports read, cancelled past `timeoutMs`. */
  async withReportEngine<T>(work: (engine: SqlEngine) => Promise<T>, timeoutMs?: number): Promise<T> {
    const engine = await this.events.reader(timeoutMs ? timeoutMs / 1000 : undefined);
    try {
      return await (timeoutMs ? withReportDeadline(engine, timeoutMs, work) : work(engine));
    } finally {
      await engine.close();
    }
  }

  private async withReader<T>(work: (engine: SqlEngine) => Promise<T>): Promise<T> {
    const engine = await this.store.reader();
    try {
      return await work(engine);
    } finally {
      await engine.close();
    }
  }

  /** Why /ready answers 503, in words fit for anyone who can reach it. */
  private notReadyReason(): string {
    if (this.closing) return 'shutting down';
    const failure = this.sink.failure ?? this.queue.failure;
    if (failure) return `writes are failing: ${failure}`;
    return 'the write queue is full';
  }

  // ---------- auth ----------

  private credential(req: FastifyRequest): string | undefined {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const [scheme, value] = header.split(' ', 2);
    if (!value) return undefined;
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(0, colon) : decoded;
    }
    if (/^bearer$/i.test(scheme)) return value.trim();
    return undefined;
  }

  private authWrite(req: FastifyRequest, token: string | undefined): Principal {
    if (!token) throw new HttpError(401, 'missing_key', 'no write key: send it as the basic-auth user (Segment), or as api_key in the body (PostHog)');
    const principal = this.keys.verify(token);
    if (!principal) throw new HttpError(401, 'invalid_key', 'unknown or revoked write key');
    if (principal.kind === 'secret') throw new HttpError(401, 'invalid_key', 'a secret key cannot send events; use a write key');
    req.principal = principal;
    this.rateLimit(principal);
    return principal;
  }

  /** Secret key, admin token or dashboard session; with `open`, loopback servers let anyone on this machine through. */
  authSecret(req: FastifyRequest, open: boolean): void {
    if (open && !this.readsNeedKey) {
      // Open to this machine only: a Host that is not a loopback name (DNS rebinding) needs a key.
      const host = (header(req, 'host') ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
      if (isLoopback(host)) return;
    }
    const token = this.credential(req);
    const session = token ? undefined : this.sessions.principal(req, this.keys);
    if (session) {
      req.principal = session;
      return this.rateLimit(session);
    }
    if (!token) throw new HttpError(401, 'missing_key', 'this endpoint needs a secret key: Authorization: Bearer <secret key>');
    const principal = this.verifySignIn(req, token);
    if (principal.kind === 'write') throw new HttpError(403, 'forbidden', 'a write key can only send events; use a secret key');
    req.principal = principal;
    this.rateLimit(principal);
  }

  /** The principal of a key presented to sign in; unknown keys count towards the address's throttle. */
  verifySignIn(req: FastifyRequest, token: string): Principal {
    this.signIns.check(req.ip);
    const principal = this.keys.verify(token);
    if (principal) return principal;
    this.signIns.fail(req.ip);
    throw new HttpError(401, 'invalid_key', 'unknown or revoked key');
  }

  private rateLimit(principal: Principal): void {
    const wait = this.limiter.take(principal.id);
    if (wait !== undefined) {
      throw new HttpError(429, 'rate_limited', `too many requests for key ${principal.id}; retry in ${wait} s`, { 'retry-after': String(wait) });
    }
  }

  // ---------- ingestion ----------

  /** Validates each message, stores the valid ones durably, and lists the others. */
  async ingest(items: unknown[], receivedAt: number, source: string, bodyBytes = Infinity): Promise<IngestResult> {
    const messages: NormalizedMessage[] = [];
    const rejected: IngestResult['rejected'] = [];
    // A body within the per-message limit cannot hold a message over it: skip measuring each one.
    const measure = bodyBytes > this.limits.maxEventBytes;
    const quality = new QualityTally();
    const day = qualityDay(receivedAt);
    items.forEach((item, index) => {
      const problem = checkMessage(item, this.limits, measure);
      const result = problem ? { ok: false as const, error: problem.error } : normalizeMessage(item, { receivedAt });
      if (!result.ok) {
        rejected.push({ index, error: result.error });
        quality.reject(day, source, result.error);
        return;
      }
      if (result.clockSkew || result.futureClamped) quality.warn(day, source, result);
      for (const m of result.messages) messages.push(m);
    });
    if (messages.length > 0) await this.sink.write(messages, source, quality);
    // Only rejections: counted when the store takes them; the answer is the 4xx either way.
    else if (!quality.empty) await this.sink.write([], source, quality).catch(() => undefined);
    return { accepted: items.length - rejected.length, rejected };
  }

  private async readJson(req: FastifyRequest, maxBytes = this.limits.maxBatchBytes): Promise<{ body: unknown; bytes: number }> {
    const query = req.query as Record<string, unknown>;
    const text = await decodeBody(
      req.body as Buffer | undefined, header(req, 'content-encoding'),
      typeof query.compression === 'string' ? query.compression : undefined, maxBytes,
    );
    return { body: parseJson(text, header(req, 'content-type')), bytes: Buffer.byteLength(text, 'utf8') };
  }

  private checkBatchSize(items: unknown[]): void {
    if (items.length > this.limits.maxBatchEvents) {
      throw new HttpError(413, 'batch_too_large', `the batch has ${items.length} messages; at most ${this.limits.maxBatchEvents} per request`);
    }
  }

  /** Single-message endpoints answer with the message's own problem; batches list them. */
  private respond(reply: FastifyReply, result: IngestResult, single: boolean, ok: Record<string, unknown>) {
    if (result.rejected.length > 0 && result.accepted === 0) {
      const allTooLarge = result.rejected.every((r) => / is larger than /.test(r.error));
      const status = allTooLarge ? 413 : 400;
      if (single) throw new HttpError(status, allTooLarge ? 'message_too_large' : 'invalid_message', result.rejected[0].error);
      throw new HttpError(status, 'invalid_batch', `all ${result.rejected.length} messages were rejected; the first: ${result.rejected[0].error}`, {}, { accepted: 0, rejected: result.rejected });
    }
    return reply.code(200).send({ ...ok, accepted: result.accepted, rejected: result.rejected });
  }

  private async segment(req: FastifyRequest, reply: FastifyReply, type: (typeof SEGMENT_TYPES)[number] | 'batch') {
    const receivedAt = Date.now();
    const headerKey = this.credential(req);
    if (headerKey) this.authWrite(req, headerKey);
    const { body, bytes } = await this.readJson(req);
    if (!isObject(body)) throw new HttpError(400, 'invalid_body', type === 'batch' ? 'expected a JSON object like {"batch": [...]}' : 'expected a JSON object (one message)');
    if (!headerKey) this.authWrite(req, typeof body.writeKey === 'string' ? body.writeKey : undefined);
    let items: unknown[];
    if (type === 'batch') {
      if (!Array.isArray(body.batch)) throw new HttpError(400, 'invalid_body', 'batch: expected an array of messages');
      items = body.batch;
      this.checkBatchSize(items);
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
    const result = await this.ingest(items, receivedAt, 'http:segment', bytes);
    return this.respond(reply, result, type !== 'batch', { success: true });
  }

  private async posthog(req: FastifyRequest, reply: FastifyReply) {
    const receivedAt = Date.now();
    let { body, bytes } = await this.readJson(req);
    // Older clients wrap the payload: {"data": "<base64 JSON>"} or {"data": [...]}.
    if (isObject(body) && body.data !== undefined && body.event === undefined && body.batch === undefined) {
      body = typeof body.data === 'string' ? parseJson(decodeData(body.data), undefined) : body.data;
      bytes = Infinity;
    }
    const single = isObject(body) && !Array.isArray(body.batch);
    const items: unknown[] = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.batch) ? body.batch : isObject(body) ? [body] : [];
    if (!Array.isArray(body) && !isObject(body)) throw new HttpError(400, 'invalid_body', 'expected an event object, an array of events, or {"batch": [...]}');
    const query = req.query as Record<string, unknown>;
    const first = isObject(items[0]) ? items[0] : {};
    const envelope = isObject(body) ? body : {};
    const token = this.credential(req) ?? firstString(
      envelope.api_key, envelope.token, first.api_key, first.token, isObject(first.properties) ? first.properties.token : undefined,
      query.api_key, query.token,
    );
    this.authWrite(req, token);
    this.checkBatchSize(items);
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
    const result = await this.ingest(items, receivedAt, 'http:posthog', bytes);
    return this.respond(reply, result, single, { status: 1 });
  }

  private async stripe(req: FastifyRequest, reply: FastifyReply) {
    const secret = this.options.stripeSecret;
    if (!secret) throw new HttpError(404, 'not_configured', 'Stripe webhooks are not enabled: start the server with TRUENORTH_STRIPE_WEBHOOK_SECRET set');
    requireCapability(this.events, 'stripe', 'the Stripe webhook');
    const payload = req.body as Buffer | undefined;
    if (!payload || payload.length === 0) throw new HttpError(400, 'empty_body', 'the request has no body');
    verifyStripeSignature(payload, header(req, 'stripe-signature'), secret);
    const event = parseJson(payload.toString('utf8'), undefined);
    const { type, fact } = factFromStripeEvent(event);
    if (!fact) return reply.send({ received: true, type, ledger_rows: 0 });
    const written = await this.queue.run((store) => applyStripeFact(store, fact));
    for (const warning of written.warnings) req.log.warn({ stripe_event: type }, warning);
    return reply.send({ received: true, type, ledger_rows: written.entries.length, duplicates: written.duplicates, ...(written.warnings.length ? { warnings: written.warnings } : {}) });
  }

  // ---------- read API and administration ----------

  /** The config (re-read when the file changes) and its model; undefined when started without one. */
  loadedConfig(): { config: Config; model: MetricModel } | undefined {
    const path = this.options.configPath;
    if (!path) return undefined;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    if (this.configCache?.path !== path || this.configCache.mtimeMs !== mtimeMs) {
      const config = loadConfig(path);
      this.configCache = { path, mtimeMs, model: modelFromConfig(config), config };
    }
    return this.configCache;
  }

  private async report(req: FastifyRequest<{ Params: { report: string } }>, reply: FastifyReply) {
    this.authSecret(req, true);
    const route = findReadRoute(req.params.report);
    if (!route) throw new HttpError(404, 'not_found', `no report ${JSON.stringify(req.params.report)}; see /openapi.json`);
    const loaded = this.loadedConfig();
    if (!loaded) throw new HttpError(404, 'no_config', 'the server was started without a truenorth.yaml, so it has no reports; start it with --config');
    const { model, config } = loaded;
    const flags = flagsFromQuery(req.query as Record<string, unknown>);
    const asOf = asOfFromFlags(flags);
    const replay = header(req, 'x-truenorth-replay') === '1';
    const body = await this.withReportEngine(async (engine) => {
      const recorder = new RecordingEngine(engine);
      const ctx = replay ? reportContext(recorder as SqlEngine, model, asOf) : reportContext(engine, model, asOf, this.queryCache);
      const report = await route.run(ctx, flags, config);
      return replay ? { report, queries: recorder.queries } : report;
    }, this.options.reportTimeoutMs ?? DEFAULT_REPORT_TIMEOUT_SECONDS * 1000);
    return reply.send(body);
  }

  private async importFile(req: FastifyRequest, reply: FastifyReply, kind: 'events' | 'subscriptions') {
    this.authSecret(req, true);
    requireCapability(this.events, 'write_lane', `importing ${kind} through the server`);
    const query = req.query as Record<string, unknown>;
    const strict = query.strict === '1' || query.strict === 'true';
    const format = kind === 'events' ? detectFormat('-', typeof query.format === 'string' ? query.format : undefined) : 'csv';
    const importer = kind === 'events' ? this.events.importers.events : this.events.importers.ledger;
    const report = await spoolUpload(req, format, (path) => importer(path, { format, strict }));
    return reply.send(report);
  }

  private async createKeyRoute(req: FastifyRequest, reply: FastifyReply) {
    this.authSecret(req, false);
    const body = req.body && (req.body as Buffer).length > 0 ? (await this.readJson(req, 64 * 1024)).body : {};
    if (!isObject(body)) throw new HttpError(400, 'invalid_body', 'expected {"kind": "write" | "secret", "name": "..."}');
    const kind = parseKind(typeof body.kind === 'string' ? body.kind : undefined);
    const name = typeof body.name === 'string' ? body.name : undefined;
    const created = await this.queue.run((store) => createKey(store, kind, name));
    await this.withReader((engine) => this.keys.load(engine));
    return reply.code(201).send(created);
  }

  private async revokeKeyRoute(req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    this.authSecret(req, false);
    const revoked = await this.queue.run((store) => revokeKey(store, req.params.id));
    await this.withReader((engine) => this.keys.load(engine));
    return reply.send(revoked);
  }

  // ---------- wiring ----------

  private routes(): void {
    const app = this.app;
    app.decorateRequest('principal', null);

    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    // Browser SDKs send events cross-origin; a web page must not read reports from a local server.
    app.addHook('onRequest', ingestionCors(crossOriginPath));
    app.addHook('onRequest', crossSiteGuard((req) => crossOriginPath(req.url) || req.routeOptions.url === '/webhooks/stripe'));
    app.addHook('onResponse', async (req, reply) => {
      req.log.info({ method: req.method, url: redactUrl(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, key: req.principal?.id }, 'request');
    });

    app.setErrorHandler((error, req, reply) => {
      if (error instanceof HttpError) {
        reply.headers(error.headers);
        return reply.code(error.status).send({ error: error.code, message: error.message, ...error.details });
      }
      if (error instanceof QueueFullError) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.code(503).send({ error: 'overloaded', message: error.message });
      }
      if (error instanceof QueueClosedError) {
        reply.header('retry-after', '1');
        return reply.code(503).send({ error: 'shutting_down', message: error.message });
      }
      if (error instanceof StoreUnavailableError) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.code(503).send({ error: 'store_unavailable', message: error.message });
      }
      if (isTruenorthError(error)) {
        const status = KIND_STATUS[error.kind];
        if (status >= 500) req.log.error({ err: error }, 'request failed');
        return reply.code(status).send({ error: error.kind, message: error.message });
      }
      const fastifyError = error as { statusCode?: number; code?: string; message?: string };
      if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
        const message = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `the body is larger than ${Math.round(this.limits.maxBatchBytes / 1024)} KB`
          : (fastifyError.message ?? 'bad request').split('\n')[0];
        return reply.code(fastifyError.statusCode).send({ error: fastifyError.code ?? 'bad_request', message });
      }
      req.log.error({ err: error }, 'request failed');
      reply.header('retry-after', '1');
      return reply.code(500).send({ error: 'internal', message: 'the server could not store this request; retry' });
    });
    app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${redactUrl(req.url).split('?')[0]}` }));

    app.get('/health', async (req) => (peerIsLoopback(req.socket.remoteAddress) ? { status: 'ok', pid: process.pid } : { status: 'ok' }));
    app.get('/ready', async (req, reply) => {
      const ready = this.queue.ready && this.sink.ready && !this.closing;
      const reason = ready ? undefined : this.notReadyReason();
      // Counts are internals: this machine sees them, a load balancer needs only the status.
      const counts = peerIsLoopback(req.socket.remoteAddress) ? { pending: this.sink.pending, committed: this.sink.committed } : {};
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', reason, engine: this.engine, ...counts });
    });
    app.get('/openapi.json', async () => openApiDocument());

    for (const type of SEGMENT_TYPES) app.post(`/v1/${type}`, (req, reply) => this.segment(req, reply, type));
    app.post('/v1/batch', (req, reply) => this.segment(req, reply, 'batch'));
    app.post('/v1/import', (req, reply) => this.segment(req, reply, 'batch'));
    for (const path of POSTHOG_PATHS) app.post(path, (req, reply) => this.posthog(req, reply));
    app.post('/webhooks/stripe', (req, reply) => this.stripe(req, reply));
    registerSdkRoutes(app, (req, reply, type) => this.segment(req, reply, type));

    app.get('/api/v1/keys', async (req) => {
      this.authSecret(req, false);
      return this.withReader((engine) => listKeys(engine));
    });
    app.post('/api/v1/keys', (req, reply) => this.createKeyRoute(req, reply));
    app.delete<{ Params: { id: string } }>('/api/v1/keys/:id', (req, reply) => this.revokeKeyRoute(req, reply));
    app.get<{ Params: { report: string } }>('/api/v1/:report', (req, reply) => this.report(req, reply));

    // Imports stream the file: a parser that hands the request stream over unread.
    app.register(async (child) => {
      child.removeAllContentTypeParsers();
      child.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      child.post('/api/v1/import/events', { config: STREAMED_BODY }, (req, reply) => this.importFile(req, reply, 'events'));
      child.post('/api/v1/import/subscriptions', { config: STREAMED_BODY }, (req, reply) => this.importFile(req, reply, 'subscriptions'));
    });
    registerDashboard(this);
    registerCliRoutes(this);
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return undefined;
}

function decodeData(data: string): string {
  if (/^\s*[[{]/.test(data)) return data;
  return Buffer.from(data, 'base64').toString('utf8');
}
