import { ParsePool, type ParsePoolOptions } from './parse-pool.js';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema/index.js';
import { TruenorthError } from '../errors.js';
import type { DuckDbStore } from '../engine/duckdb/database.js';
import type { ClickHouseStore } from '../engine/clickhouse/store.js';
import type { Dialect, SqlEngine } from '../engine/sql-engine.js';
import { findRead } from '../app/catalogue.js';
import { prepareRead } from '../app/run.js';
import { paramsFromQuery } from '../app/wire.js';
import { QueryCache } from '../reports/query-cache.js';
import { restoreKeptPeriods, saveKeptPeriodsOnStop } from './kept-periods.js';
import { Auth } from './auth.js';
import type { RouteHost } from './route-host.js';
import { registerSessionRoutes } from './session.js';
import { SessionStore } from './session-store.js';
import { compressedScope, registerStaticApp } from './static-app.js';
import { registerApiDocs } from './api-docs.js';
import { registerWriteRoutes } from './write-routes.js';
import { registerCliRoutes } from './cli-routes.js';
import { KeyRing, type Principal } from './keys.js';
import { connectionServerOptions, DEFAULT_CONNECTION_LIMITS, guardConnections, type ConnectionLimits } from './connections.js';
import { DEFAULT_LIMITS, type Limits } from './payload.js';
import type { RateLimitOptions } from './rate-limit.js';
import { RecordingEngine } from './replay.js';
import { DEFAULT_REPORT_TIMEOUT_SECONDS, withReportDeadline } from './report-deadline.js';
import { isLoopback, localUrl } from './server-file.js';
import { crossSiteGuard } from './cross-site.js';
import { clientErrorHandler, registerErrorHandler } from './error-handler.js';
import { registerHealthRoutes } from './health-routes.js';
import { crossOriginPath, registerIngestRoutes } from './ingest-routes.js';
import { registerImportRoutes } from './import-routes.js';
import { registerKeysRoutes } from './keys-routes.js';
import { deliverySecrets, redactUrl } from './redact.js';
import { defaultLogFormat, logStream, type LogDestination, type LogFormat } from './log-format.js';
import { header } from './request.js';
import { ingestionCors } from './sdk-routes.js';
import { registerStripeRoute } from './stripe-route.js';
import type { ClickHouseSinkOptions } from '../engine/clickhouse/sink.js';
import { serverControl, serverPort } from '../engine/open-store.js';
import type { ControlStore } from '../engine/control.js';
import { carryKeysOver, KEY_REFRESH_MS, refreshKeysEvery } from './shared-keys.js';
import { duckDbControl } from '../engine/duckdb/control.js';
import type { StorePort } from '../engine/port.js';
import type { IngestSink } from '../engine/sink.js';
import { WriteQueue, type WriteQueueOptions } from '../engine/duckdb/write-queue.js';
import { modelFromConfig } from '../config/model.js';
import { type MetricModel } from '../model/metric-model.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface LoggerOptions {
  level?: string;
  /** Where log lines go (default stderr). */
  stream?: LogDestination;
  /** Readable lines or JSON (default: readable when the destination is a terminal). */
  format?: LogFormat;
}

export interface ServerOptions {
  /** The DuckDB file: with no `clickhouse`, where events, the team's tables and the control state are. */
  store: DuckDbStore;
  /**
   * Keys, dashboard sessions and digest claims: by default in ClickHouse when events go there (shared
   * by every server on that database), else in the DuckDB file.
   */
  control?: ControlStore;
  /** With a shared control store: how often the keys are re-read, so other servers' changes apply here (default KEY_REFRESH_MS). */
  keyRefreshMs?: number;
  /**
   * Ingested messages go to this ClickHouse store (batched: ≥ 1,000 rows or at most one insert a
   * second), imports, hand entries and Stripe webhooks are written there, and the read API reports
   * from it.
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
  /** The same powers for the CLI on this machine: `serve` writes it beside the database, readable by its owner alone. */
  localToken?: string;
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
  /** The threads that parse and validate ingestion requests (parse-pool.ts). */
  parsing?: ParsePoolOptions;
}

function serverLogStream(options: ServerOptions) {
  const destination = (options.logger && options.logger.stream) || process.stderr;
  const format = (options.logger && options.logger.format) || defaultLogFormat(destination);
  return logStream(destination, format, [options.adminToken, options.localToken, options.stripeSecret, ...deliverySecrets()]);
}

export class TruenorthServer implements RouteHost {
  readonly app: FastifyInstance;
  readonly queue: WriteQueue;
  /** The store reports read and ingestion, imports and the team's tables write. */
  readonly events: StorePort;
  /** Where ingested messages go. */
  readonly sink: IngestSink;
  readonly keys: KeyRing;
  readonly limits: Limits;
  /** Parses and validates ingestion requests off this thread. */
  readonly parsePool: ParsePool;
  readonly host: string;
  readonly readsNeedKey: boolean;
  /** Keys, sessions and digest claims: shared with every server on the same store. */
  readonly control: ControlStore;
  /** Dashboard sign-ins: a cookie that stands for the secret key it was opened with. */
  readonly sessions: SessionStore;
  private stopKeyRefresh: (() => void) | undefined;
  /** Who a request is: keys, sessions, rate limits. */
  readonly auth: Auth;
  url: string | undefined;
  private configCache: { path: string; mtimeMs: number; model: MetricModel; config: Config } | undefined;
  /** Report query results, reused until the next write (DuckDB; a ClickHouse server is never cached). */
  readonly queryCache = new QueryCache(500_000);
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: ServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.readsNeedKey = options.readsNeedKey ?? !isLoopback(this.host);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.parsePool = new ParsePool(options.parsing);
    this.queue = new WriteQueue(options.store, {
      ...options.queue,
      onHealthChange: (failing, detail) => {
        if (failing) this.app.log.error({ detail }, 'writes are failing: every write gets 503 until a probe write succeeds');
        else this.app.log.warn('writes succeed again');
      },
    });
    this.events = serverPort(options, this.queue);
    this.sink = this.events.openSink({ ...options.clickhouseBatching, maxPending: options.queue?.maxPending });
    // Events stored in this DuckDB file: its first requests need not wait for the write path to load.
    if (this.sink === this.queue) this.queue.warm();
    this.control = options.control ?? serverControl(options, this.queue);
    this.sessions = new SessionStore(this.control.sessions);
    this.keys = new KeyRing(options.adminToken, options.localToken);
    this.auth = new Auth(this.keys, this.sessions, this.readsNeedKey, options.rateLimit);
    const connections = { ...DEFAULT_CONNECTION_LIMITS, ...options.connections };
    this.app = Fastify({
      ...connectionServerOptions(connections),
      logger: options.logger === false ? false : {
        level: options.logger?.level ?? 'info',
        stream: serverLogStream(options),
        serializers: {
          req: (req: { method?: string; url?: string }) => ({ method: req.method, url: redactUrl(req.url ?? '') }),
        },
      },
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: this.limits.maxBatchBytes,
      routerOptions: { ignoreTrailingSlash: true },
      forceCloseConnections: 'idle',
      clientErrorHandler,
    });
    guardConnections(this.app, connections);
    this.routes();
  }

  static async create(options: ServerOptions): Promise<TruenorthServer> {
    const server = new TruenorthServer(options);
    if (options.clickhouse && !options.control) await carryKeysOver(duckDbControl(options.store, server.queue).keys, server.control.keys);
    await server.reloadKeys();
    if (!options.clickhouse) await restoreKeptPeriods(options.store, server.queryCache, server.app.log);
    try {
      // Starts building the live state of the config's journey (server.liveState settles when built).
      server.loadedConfig();
    } catch {
      // a config that does not load is reported by every report request
    }
    if (server.control.shared) {
      server.stopKeyRefresh = refreshKeysEvery(server.keys, server.control.keys, options.keyRefreshMs ?? KEY_REFRESH_MS, (e) => {
        server.app.log.warn({ detail: e.message }, 'could not re-read the keys; the last ones read stay in force');
      });
    }
    return server;
  }

  /** This process among the servers sharing the control store: what its digest claims name. */
  readonly instanceId = `${hostname()} pid ${process.pid} ${randomBytes(4).toString('hex')}`;

  /** Claims the sending of `week`'s digest to `target`; true for exactly one of the servers sharing the store. */
  claimDigest(week: string, target: string): Promise<boolean> {
    return this.control.digestClaims.claim(week, target, this.instanceId);
  }

  /** Fires an alert condition; true for exactly one of the servers sharing the store, and only once (within its cooldown). */
  fireAlert(key: string, subject: string, at: number, cooldownMs: number): Promise<boolean> {
    return this.control.alertFirings.fire(key, subject, this.instanceId, at, cooldownMs);
  }

  /** Re-reads the keys from the control store. */
  async reloadKeys(): Promise<void> {
    await this.keys.load(this.control.keys);
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
      this.stopKeyRefresh?.();
      await this.app.close();
      await this.liveState;
      if (this.sink !== this.queue) await this.sink.close();
      await saveKeptPeriodsOnStop(this.queue, this.queryCache, this.app.log);
      await this.queue.close();
      await this.parsePool.close();
    })();
    return this.closing;
  }

  /** True once close() was called. */
  get shuttingDown(): boolean {
    return this.closing !== undefined;
  }

  /** Secret key, admin token or dashboard session (see Auth.secret). */
  authSecret(req: FastifyRequest, open: boolean): Promise<void> {
    return this.auth.secret(req, open);
  }

  /** The principal of a key presented to sign in (see Auth.verifySignIn). */
  verifySignIn(req: FastifyRequest, token: string): Principal {
    return this.auth.verifySignIn(req, token);
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
      this.keepLiveState(this.configCache.model);
    }
    return this.configCache;
  }

  /** Whether the live state of the latest config is built (reports read the events until it is). */
  liveState: Promise<void> = Promise.resolve();

  /** Builds the live state a config's journey needs, after whatever build runs now; reports never wait for it. */
  private keepLiveState(model: MetricModel): void {
    const log = this.app.log;
    this.liveState = this.liveState.then(async () => {
      const started = Date.now();
      const built = await this.events.ensureLiveState(model.journey, (p) => {
        log.info({ definition: p.definition, of: p.definitions, events: p.events }, 'building the live first-reach state');
      });
      if (built) log.info({ definitions: built, ms: Date.now() - started }, 'live first-reach state built');
    }).catch((e: Error) => {
      log.warn({ detail: e.message }, 'could not build the live first-reach state; reports read the events instead');
    });
  }

  private async report(req: FastifyRequest<{ Params: { report: string } }>, reply: FastifyReply) {
    await this.authSecret(req, true);
    const op = findRead(req.params.report);
    if (!op) throw new TruenorthError('not_found', `no report ${JSON.stringify(req.params.report)}; see /openapi.json`);
    const loaded = this.loadedConfig();
    if (!loaded) throw new TruenorthError('no_config', 'the server was started without a truenorth.yaml, so it has no reports; start it with --config');
    const { model, config } = loaded;
    const read = prepareRead(op, paramsFromQuery(req.query as Record<string, unknown>), 'http');
    const replay = header(req, 'x-truenorth-replay') === '1';
    const body = await this.withReportEngine(async (engine) => {
      if (!replay) return read.run(engine, config, model, this.queryCache);
      const recorder = new RecordingEngine(engine);
      const report = await read.run(recorder as SqlEngine, config, model);
      return { report, queries: recorder.queries };
    }, this.options.reportTimeoutMs ?? DEFAULT_REPORT_TIMEOUT_SECONDS * 1000);
    return reply.send(body);
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

    registerErrorHandler(app, this.limits.maxBatchBytes);
    registerHealthRoutes(this);
    registerIngestRoutes(this);
    registerStripeRoute(this, this.options.stripeSecret);
    registerKeysRoutes(this);
    app.get<{ Params: { report: string } }>('/api/v1/:report', (req, reply) => this.report(req, reply));

    registerImportRoutes(this);
    registerSessionRoutes(this);
    registerWriteRoutes(this);
    registerCliRoutes(this);
    compressedScope(app, async (scope) => {
      await registerApiDocs(scope);
      await registerStaticApp(scope);
    });
  }
}
