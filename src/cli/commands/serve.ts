import { Option, type Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { InputError, TruenorthError } from '../../errors.js';
import { resolveDbPath } from '../../engine/duckdb/database.js';
import { DEFAULT_CHDB_PATH } from '../../engine/clickhouse/store.js';
import { capabilityGap } from '../../engine/capabilities.js';
import { openServerStores } from '../../engine/open-store.js';
import type { TruenorthServer } from '../../server/app.js';
import type { LogFormat } from '../../server/log-format.js';
import { describeDigestTargets, digestSender, scheduleDigest, type DigestSender } from '../../server/digest-schedule.js';
import { alertRunner, alertSecretsFromEnv, describeAlertTargets, scheduleAlerts } from '../../server/alert-schedule.js';
import type { Config } from '../../config/schema/index.js';
import { reportContext } from '../../reports/context.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from '../../server/connections.js';
import { DEFAULT_LIMITS } from '../../server/payload.js';
import { DEFAULT_REPORT_TIMEOUT_SECONDS } from '../../server/report-deadline.js';
import { localAdminToken, MIN_ADMIN_TOKEN_LENGTH } from '../../server/keys.js';
import { deliverySecrets, Redactor } from '../../server/redact.js';
import { removeServerFile, writeServerFile } from '../../server/server-file.js';
import { configPath, readConfigIfPresent, type GlobalOptions } from '../context.js';
import { commandFor } from '../hint.js';
import { wholeNumber } from '../../model/whole-number.js';
import { modelFromConfig } from '../../config/model.js';

interface ServeFlags {
  host?: string;
  port?: string;
  rateLimit?: string;
  maxQueue?: string;
  maxEventBytes?: string;
  maxBatchBytes?: string;
  maxBatchEvents?: string;
  reportTimeout?: string;
  maxConnections?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  bodyStallTimeout?: string;
  keepAliveTimeout?: string;
  logLevel: string;
  logFormat?: LogFormat;
  open?: boolean;
  chdbPath?: string;
}

/** Best effort: the platform's opener, detached; the URL is printed either way. */
function openInBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no browser here: the URL above is enough
  }
}

/**
 * Sends the weekly digest on the configured day and hour, reading committed data beside the writer;
 * of several servers sharing the store, the one whose claim wins sends it.
 */
function startDigestSchedule(config: Config, server: TruenorthServer, say: (line: string) => void) {
  const schedule = config.digest!;
  const model = modelFromConfig(config);
  const claim = (week: string, target: string) => server.claimDigest(week, target);
  const sender: DigestSender = {
    send: (now) => server.withReportEngine((engine) => digestSender(config, schedule, (asOf) => reportContext(engine, model, asOf), undefined, claim).send(now)),
  };
  const scheduler = scheduleDigest(schedule, config.timezone, sender, say);
  say(`weekly digest: ${schedule.day}s at ${String(schedule.hour).padStart(2, '0')}:00 ${config.timezone} ${describeDigestTargets(schedule)}, next ${new Date(scheduler.next()).toISOString()}`);
  return scheduler;
}

/**
 * Judges the alerts every `alerts.every_minutes` and delivers the new ones, when they have somewhere
 * to go; of several servers sharing the store, each condition fires from one.
 */
function startAlertSchedule(config: Config, server: TruenorthServer, say: (line: string) => void) {
  const secrets = alertSecretsFromEnv(config);
  const where = describeAlertTargets(config, secrets);
  if (!where) {
    say('alerts: not delivered (set TRUENORTH_ALERTS_WEBHOOK, alerts.webhook or alerts.email); `truenorth alerts` and the dashboard show them');
    return undefined;
  }
  const model = modelFromConfig(config);
  const fire = (key: string, subject: string, at: number, cooldownMs: number) => server.fireAlert(key, subject, at, cooldownMs);
  const runner = { run: (now: number) => server.withReportEngine((engine) => alertRunner(config, (asOf) => reportContext(engine, model, asOf), secrets, fire).run(now)) };
  const scheduler = scheduleAlerts(config.alerts.every_minutes, runner, say);
  say(`alerts: every ${config.alerts.every_minutes} min to ${where}, next ${new Date(scheduler.next()).toISOString()}`);
  return scheduler;
}

function positiveInt(text: string | undefined, flag: string, min = 1): number | undefined {
  return text === undefined ? undefined : wholeNumber(text, flag, min);
}

/** The connection flags, in seconds on the command line, in milliseconds for the server. */
function connectionLimits(flags: ServeFlags): Partial<ConnectionLimits> {
  const ms = (text: string | undefined, flag: string) => (text === undefined ? undefined : wholeNumber(text, flag, 1) * 1000);
  return {
    maxConnections: positiveInt(flags.maxConnections, '--max-connections'),
    headersTimeoutMs: ms(flags.headersTimeout, '--headers-timeout'),
    requestTimeoutMs: ms(flags.requestTimeout, '--request-timeout'),
    bodyStallMs: ms(flags.bodyStallTimeout, '--body-stall-timeout'),
    keepAliveTimeoutMs: ms(flags.keepAliveTimeout, '--keep-alive-timeout'),
  };
}

const seconds = (ms: number) => String(ms / 1000);

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('the HTTP server: Segment/PostHog-compatible ingestion, Stripe webhooks, the read API')
    .optionsGroup('Address:')
    .option('--host <host>', 'address to bind (default: server.host in truenorth.yaml, else 127.0.0.1)')
    .option('--port <port>', 'port (default: server.port in truenorth.yaml, else 8765; 0 picks a free one)')
    .option('--open', 'open the dashboard in the default browser')
    .option('--chdb-path <dir>', `with --engine clickhouse and no --clickhouse-url: the embedded ClickHouse directory (default ${DEFAULT_CHDB_PATH})`)
    .optionsGroup('Limits:')
    .option('--rate-limit <n>', 'requests per second per key (0: off)', '5000')
    .option('--max-queue <n>', 'messages waiting to be written before the server answers 503', '100000')
    .option('--max-event-bytes <n>', 'largest message', String(DEFAULT_LIMITS.maxEventBytes))
    .option('--max-batch-bytes <n>', 'largest request body, after decompression', String(DEFAULT_LIMITS.maxBatchBytes))
    .option('--max-batch-events <n>', 'most messages in one batch', String(DEFAULT_LIMITS.maxBatchEvents))
    .option('--report-timeout <seconds>', 'a read-API report running longer is cancelled and answered 503 (1–86400)', String(DEFAULT_REPORT_TIMEOUT_SECONDS))
    .optionsGroup('Connections:')
    .option('--max-connections <n>', 'open connections at most; past it new ones are closed (keep well under ulimit -n)', String(DEFAULT_CONNECTION_LIMITS.maxConnections))
    .option('--headers-timeout <s>', 'seconds a client has to send all of its request headers', seconds(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs))
    .option('--request-timeout <s>', 'seconds a request body (imports aside) has to arrive in full, else 408', seconds(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs))
    .option('--body-stall-timeout <s>', 'seconds without a byte after which a connection is closed (imports too)', seconds(DEFAULT_CONNECTION_LIMITS.bodyStallMs))
    .option('--keep-alive-timeout <s>', 'seconds an idle keep-alive connection stays open', seconds(DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs))
    .optionsGroup('Logs:')
    .option('--log-level <level>', 'fatal | error | warn | info | debug', 'info')
    .addOption(new Option('--log-format <format>', 'readable lines or one JSON object a line (default: pretty on a terminal, else json)').choices(['pretty', 'json'] satisfies LogFormat[]))
    .addHelpText('after', `
Environment:
  TRUENORTH_ADMIN_TOKEN             a token that reads and administers, like a secret key
  TRUENORTH_STRIPE_WEBHOOK_SECRET   the Stripe endpoint's signing secret (whsec_...): enables /webhooks/stripe

With --engine clickhouse, events go to ClickHouse (--clickhouse-url, else embedded chdb at --chdb-path)
in batches of 1,000 messages or at most one insert a second, and the read API reports from there;
the keys, dashboard sign-ins, digest claims, the team's tables, Stripe webhooks and imports too,
shared by every server on it.`)
    .action(async (flags: ServeFlags) => {
      const globals = program.opts<GlobalOptions>();
      const adminToken = process.env.TRUENORTH_ADMIN_TOKEN || undefined;
      if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
        throw new InputError(`TRUENORTH_ADMIN_TOKEN: at least ${MIN_ADMIN_TOKEN_LENGTH} characters, got ${adminToken.length}; use a long random token`);
      }
      // Every file the server creates (database, WAL, address file, import spools) is the owner's alone.
      process.umask(0o077);
      const config = readConfigIfPresent(globals);
      const host = flags.host ?? config?.server.host ?? '127.0.0.1';
      const port = positiveInt(flags.port, '--port', 0) ?? config?.server.port ?? 8765;
      if (port > 65535) throw new InputError(`--port: expected 0–65535, got ${port}`);
      const dbPath = resolveDbPath(globals.db, config?.database?.path);
      const stores = await openServerStores(dbPath, { ...globals, chdbPath: flags.chdbPath }, config?.database);
      const { store, clickhouse } = stores;
      const onFile = dbPath !== ':memory:';
      const localToken = onFile ? localAdminToken() : undefined;
      // The HTTP framework and its plugins load here, not for every command.
      const [{ TruenorthServer }, { dashboardBuilt }] = await Promise.all([import('../../server/app.js'), import('../../server/static-app.js')]);
      let server: TruenorthServer;
      try {
        server = await TruenorthServer.create({
          ...stores, host, port,
          configPath: existsSync(configPath(globals)) ? configPath(globals) : undefined,
          adminToken, localToken,
          stripeSecret: process.env.TRUENORTH_STRIPE_WEBHOOK_SECRET || undefined,
          rateLimit: { perSecond: positiveInt(flags.rateLimit, '--rate-limit', 0)! },
          queue: { maxPending: positiveInt(flags.maxQueue, '--max-queue') },
          limits: {
            maxEventBytes: positiveInt(flags.maxEventBytes, '--max-event-bytes'),
            maxBatchBytes: positiveInt(flags.maxBatchBytes, '--max-batch-bytes'),
            maxBatchEvents: positiveInt(flags.maxBatchEvents, '--max-batch-events'),
          },
          logger: { level: flags.logLevel, format: flags.logFormat },
          reportTimeoutMs: wholeNumber(flags.reportTimeout ?? String(DEFAULT_REPORT_TIMEOUT_SECONDS), '--report-timeout', 1, 86_400) * 1000,
          connections: connectionLimits(flags),
        });
        await server.listen();
      } catch (e) {
        await store.close();
        await clickhouse?.close();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new TruenorthError('conflict', `${host}:${port} is already in use; pick another port with --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new InputError(`--host: cannot bind ${host} on this machine`);
        if (code === 'EACCES') throw new InputError(`--port: not allowed to bind port ${port}`);
        throw e;
      }
      const url = server.url!;
      if (localToken !== undefined) {
        writeServerFile(dbPath, {
          url, pid: process.pid, host, port: server.port, reads_need_key: server.readsNeedKey,
          started_at: new Date().toISOString(), version: 1,
        }, localToken);
      }
      // Its own lines are scrubbed like the server's log: no webhook URL or password reaches them.
      const redactor = new Redactor([adminToken, ...deliverySecrets()]);
      const say = (line: string) => process.stderr.write(`truenorth: ${redactor.scrub(line)}\n`);
      const served = server.events.description;
      say(`serving ${served} on ${url} (pid ${process.pid})`);
      say(dashboardBuilt() ? `dashboard: ${url}/${server.readsNeedKey ? ' (sign in with a secret key)' : ''}` : 'the dashboard is not built (npm run build); the API works');
      if (flags.open && dashboardBuilt()) openInBrowser(`${url}/`);
      if (server.keys.count('write') === 0 && !server.keys.hasAdminToken) {
        say(onFile ? `no write keys yet: create one with \`${commandFor('keys create', dbPath)}\` (ingestion answers 401 until then)` : 'no write keys yet, and an in-memory database keeps none: serve a database file (--db) to create keys');
      }
      if (server.readsNeedKey) say(`bound to ${host}: the read API needs a secret key${onFile ? ` (\`${commandFor('keys create --kind secret', dbPath)}\`)` : ''}`);

      // The digest joins the team's check-ins, notes and ideas: a store without those tables cannot send it.
      const digestGap = capabilityGap(server.events.capabilities, 'team_tables');
      if (config?.digest && digestGap !== undefined) say(`weekly digest: not sent by this server: ${digestGap}`);
      const digest = config?.digest && digestGap === undefined ? startDigestSchedule(config, server, say) : undefined;
      const alerts = config ? startAlertSchedule(config, server, say) : undefined;

      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          digest?.stop();
          alerts?.stop();
          say(`${signal}: finishing the requests in flight and committing the queue`);
          server.close()
            .catch((e: unknown) => say(`error while stopping: ${(e as Error).message}`))
            .then(() => store.close())
            .then(() => clickhouse?.close())
            .finally(() => {
              if (onFile) removeServerFile(dbPath);
              say('stopped');
              resolve();
            });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
