/**
 * What the web dashboard needs from the server, beside the read API of read-api.ts:
 *
 * - more read routes (`GET /api/v1/<name>`, the objects `truenorth <name> --json` prints): scorecard,
 *   okrs, digest, revenue, surveys, heart, guardrails, benchmarks; the hand-entry history (`record`),
 *   review notes (`notes`) and the dashboard's own context (`dashboard`: product, weeks, rows, what is
 *   configured). They are appended to READ_ROUTES, so auth, the OpenAPI document and the CLI's
 *   replay through a running server treat them like every other report.
 * - the forms' writes: `POST /api/v1/record` (hand entry, validated like `truenorth record`),
 *   `POST /api/v1/notes` (review note), `POST /api/v1/checkins` (OKR check-in). They go through the
 *   server's write queue, the one writer of the database file.
 * - sign-in: `POST /api/v1/session` with a secret key (or the admin token) sets an HttpOnly,
 *   SameSite=Strict cookie that stands for that key until it is revoked or the server restarts.
 *   A write key cannot sign in. `GET /api/v1/session` says whether the reader needs to.
 * - the single-page app itself, from dist/web, with a fallback to index.html for its paths.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema/index.js';
import { InputError, TruenorthError } from '../errors.js';
import { manualMetricName, recordManualValues } from '../engine/ingest/import-manual.js';
import { listCheckins, listIdeas, reviewNotes } from '../engine/workspace.js';
import { capabilityGap, capabilityGaps, readerCapabilities } from '../engine/capabilities.js';
import { requireCapability } from './require-capability.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { eventsLabel } from '../model/metrics.js';
import { addPeriods, localDateOf, periodName, periodStartDate, startOfLocalDate } from '../model/time.js';
import { benchmarksReport } from '../reports/benchmarks.js';
import type { ReportContext } from '../reports/context.js';
import { buildDigest } from '../reports/digest.js';
import { guardrailsReport, heartWithGuardrails } from '../reports/guardrails.js';
import { okrProgress } from '../reports/okrs.js';
import { parseSegment, resolveRange } from '../reports/params.js';
import { scorecardProviders } from '../reports/providers.js';
import { fetchManualEntries, revenueReport } from '../reports/revenue.js';
import { scorecardReport, type ScorecardReport } from '../reports/scorecard-report.js';
import { surveysReport } from '../reports/surveys.js';
import type { TruenorthServer } from './app.js';
import type { KeyRing, Principal } from './keys.js';
import { parseJson } from './payload.js';
import { READ_ROUTES, type ReadFlags, type ReadRoute } from './read-api.js';
import { isLoopback } from './server-file.js';
import { checkCheckin, checkNote, checkRecord, checkWeek, entryJson, recordEntry, text } from './team-writes.js';
import { type MetricModel } from '../model/metric-model.js';
import { healthModelFromConfig, scorecardModelFromConfig, scorecardRowsFromConfig } from '../config/model.js';
import { SCORECARD_SECTIONS, unknownEventWarnings } from '../reports/config-check.js';
import { healthMetric } from '../model/health-metrics.js';
import { rowName } from '../model/scorecard-rows.js';

// ---------- read routes ----------

function weeksOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 104) throw new InputError(`weeks: expected a whole number from 1 to 104, got ${JSON.stringify(text)}`);
  return n;
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** The scorecard exactly as `truenorth scorecard` computes it. */
export function scorecardFor(ctx: ReportContext, config: Config, flags: ReadFlags): Promise<ScorecardReport> {
  return scorecardReport(ctx, scorecardModelFromConfig(config), { week: checkWeek(str(flags.week)), weeks: weeksOption(str(flags.weeks)) }, {
    ...scorecardProviders(ctx, healthModelFromConfig(config)),
    warnings: () => unknownEventWarnings(ctx, config, SCORECARD_SECTIONS),
  });
}

/** The team's tables (check-ins, review notes, ideas), read on any reader of a store that has them; else empty. */
export async function fromWorkspace<T>(engine: SqlEngine, read: (engine: SqlEngine) => Promise<T[]>): Promise<T[]> {
  return capabilityGap(readerCapabilities(engine), 'team_tables') === undefined ? read(engine) : [];
}

const RANGE = ['from', 'to', 'as_of'];

/** A read route that needs the whole config, not only the metric model. */
function withConfig(
  route: Omit<ReadRoute, 'run'> & { run(ctx: ReportContext, flags: ReadFlags, config: Config): Promise<unknown> },
): ReadRoute {
  return {
    ...route,
    run(ctx, flags, config) {
      if (!config) throw new TruenorthError('internal', `${route.name}: called without the config`);
      return route.run(ctx, flags, config);
    },
  };
}

export const DASHBOARD_READ_ROUTES: ReadRoute[] = [
  withConfig({
    name: 'scorecard',
    summary: 'The weekly scorecard: rows with owners, targets, values and status per week; bottleneck, CEO of the week, praise',
    params: ['week', 'weeks', 'as_of'],
    run: (ctx, flags, config) => scorecardFor(ctx, config, flags),
  }),
  withConfig({
    name: 'okrs',
    summary: 'Objectives and key results: progress computed from the scorecard, with check-ins',
    params: ['week', 'as_of'],
    async run(ctx, flags, config) {
      if (config.okrs.length === 0) throw new TruenorthError('not_found', 'no okrs in truenorth.yaml; add an `okrs:` section');
      const scorecard = await scorecardFor(ctx, config, flags);
      const checkins = await fromWorkspace(ctx.engine, listCheckins);
      return { week: scorecard.weeks[scorecard.weeks.length - 1], objectives: okrProgress(config, scorecard, checkins) };
    },
  }),
  withConfig({
    name: 'digest',
    summary: 'The weekly review as JSON: scorecard, bottleneck, CEO of the week, praise, off-track rows, OKRs, notes, ideas',
    params: ['week', 'as_of'],
    async run(ctx, flags, config) {
      const scorecard = await scorecardFor(ctx, config, flags);
      const week = scorecard.weeks[scorecard.weeks.length - 1];
      const [checkins, notes, ideas] = await Promise.all([
        fromWorkspace(ctx.engine, listCheckins), fromWorkspace(ctx.engine, (s) => reviewNotes(s, week)), fromWorkspace(ctx.engine, listIdeas),
      ]);
      return buildDigest(config.product, scorecard, okrProgress(config, scorecard, checkins), notes, ideas);
    },
  }),
  withConfig({
    name: 'revenue',
    summary: 'MRR bridge, churn, NRR, GRR, ARPC, quick ratio, CAC, CLTV, cash and runway per month (period=week for weeks)',
    params: [...RANGE, 'period'],
    async run(ctx, flags, config) {
      const period = str(flags.period) ?? 'month';
      if (period !== 'week' && period !== 'month') throw new InputError(`period: expected week or month, got ${JSON.stringify(period)}`);
      const range = resolveRange(flags, ctx.model, ctx.asOf, period, period === 'week' ? 13 : 12);
      return revenueReport(ctx, healthModelFromConfig(config), period, range, { trimLeading: !flags.from });
    },
  }),
  withConfig({
    name: 'surveys',
    summary: 'PMF (Sean Ellis), NPS and CSAT: overall, by week and ideal vs not',
    params: [...RANGE, 'segment'],
    async run(ctx, flags, config) {
      const range = resolveRange(flags, ctx.model, ctx.asOf, 'week');
      return surveysReport(ctx, healthModelFromConfig(config), range, parseSegment(str(flags.segment)));
    },
  }),
  withConfig({
    name: 'heart',
    summary: 'HEART: happiness, engagement, adoption, retention, task success (with the guardrails when configured)',
    params: [...RANGE],
    run: (ctx, flags, config) => heartWithGuardrails(ctx, healthModelFromConfig(config), flags),
  }),
  withConfig({
    name: 'guardrails',
    summary: 'Metric pairs that must not contradict each other, week over week',
    params: [...RANGE],
    async run(ctx, flags, config) {
      const health = healthModelFromConfig(config);
      if (health.guardrails.length === 0) throw new InputError('no guardrails: in truenorth.yaml; add pairs like { metric: heart.messages_per_user, guardrail: surveys.nps }');
      return guardrailsReport(ctx, health, resolveRange(flags, ctx.model, ctx.asOf, 'week', 8));
    },
  }),
  withConfig({
    name: 'benchmarks',
    summary: "PMF and 30-day retention against the targets for the product stage (docs/health.md)",
    params: [...RANGE],
    async run(ctx, flags, config) {
      return benchmarksReport(ctx, healthModelFromConfig(config), resolveRange(flags, ctx.model, ctx.asOf, 'week'));
    },
  }),
  withConfig({
    name: 'record',
    summary: 'Every hand-entered value of a metric, corrections included (who, when, note): `truenorth record <metric> --history`',
    params: ['metric'],
    async run(ctx, flags, config) {
      const text = str(flags.metric);
      if (!text) throw new InputError('metric: required, e.g. ?metric=cash_balance');
      const metric = manualMetricName(text, healthModelFromConfig(config).manualMetrics);
      const entries = await fetchManualEntries(ctx, [metric]);
      return { metric, entries: entries.map(entryJson) };
    },
  }),
  withConfig({
    name: 'notes',
    summary: 'Review notes on scorecard rows, for one week or all',
    params: ['week'],
    async run(ctx, flags) {
      const week = checkWeek(str(flags.week));
      return { week: week ?? null, notes: await fromWorkspace(ctx.engine, (s) => reviewNotes(s, week)) };
    },
  }),
  withConfig({
    name: 'dashboard',
    summary: "The dashboard's context: product, the weeks with data, scorecard rows and units, hand-entered metrics, what is configured",
    params: [],
    run: (ctx, _flags, config) => dashboardContext(ctx, config),
  }),
];

for (const route of DASHBOARD_READ_ROUTES) if (!READ_ROUTES.some((r) => r.name === route.name)) READ_ROUTES.push(route);

export type Unit = 'count' | 'money' | 'rate' | 'ratio' | 'months' | 'number';

function unitOf(id: string, config: Config): Unit {
  const health = healthMetric(id.replace(/^health\./, ''));
  if (health) return health.unit;
  if (id === 'north_star' || id.startsWith('journey.')) return 'count';
  const metric = config.metrics.find((m) => m.id === id);
  if (metric?.source === 'manual') return /spend|cost|revenue|cash|usd|eur|\$/i.test(`${metric.id} ${metric.name ?? ''}`) ? 'money' : 'number';
  return metric?.measure?.startsWith('sum:') ? 'number' : 'count';
}

const toMs = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  const ms = typeof v === 'number' ? v : Date.parse(`${String(v).replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? '' : 'Z'}`);
  // ClickHouse answers min/max of an empty table with the epoch, not NULL.
  return Number.isFinite(ms) && ms > 0 ? ms : null;
};

/** Product, weeks with data (newest first, each with the as_of that makes it the last complete week), rows, forms. */
async function dashboardContext(ctx: ReportContext, config: Config) {
  const time = ctx.model.time;
  const [bounds] = await ctx.engine.all<{ first: unknown; last: unknown }>('SELECT min(ts) AS first, max(ts) AS last FROM events');
  const first = toMs(bounds?.first);
  const last = toMs(bounds?.last);
  const weekOf = (ms: number) => periodStartDate(localDateOf(ms, time.timezone), 'week', time.weekStart);
  // The week the review is about: the last complete week, or the last week with data when the data stops earlier.
  const current = weekOf(ctx.asOf);
  const lastComplete = addPeriods(current, 'week', -1);
  let end = lastComplete;
  if (last !== null) {
    const lastDataWeek = weekOf(last);
    if (startOfLocalDate(lastDataWeek, time.timezone) < startOfLocalDate(end, time.timezone)) end = lastDataWeek;
  }
  const start = first !== null ? weekOf(first) : addPeriods(end, 'week', -12);
  const weeks: { week: string; as_of: string }[] = [];
  for (let w = end; weeks.length < 104 && startOfLocalDate(w, time.timezone) >= startOfLocalDate(start, time.timezone); w = addPeriods(w, 'week', -1)) {
    const asOf = startOfLocalDate(addPeriods(w, 'week', 1), time.timezone) + 12 * 3_600_000;
    weeks.push({ week: periodName(w, 'week', time.weekStart), as_of: new Date(asOf).toISOString() });
  }
  if (weeks.length === 0) {
    weeks.push({ week: periodName(end, 'week', time.weekStart), as_of: new Date(startOfLocalDate(current, time.timezone) + 12 * 3_600_000).toISOString() });
  }
  const health = healthModelFromConfig(config);
  const rows = scorecardRowsFromConfig(config);
  const names = new Map<string, string>(config.metrics.map((m) => [m.id, m.name ?? m.id]));
  const scorecard = scorecardModelFromConfig(config);
  for (const r of rows) names.set(r.id, rowName(scorecard, r.id));
  for (const name of health.manualMetrics) if (!names.has(name)) names.set(name, healthMetric(name)?.name ?? name);
  const ns = config.north_star;
  return {
    product: config.product,
    engine: ctx.engine.dialect,
    gaps: capabilityGaps(readerCapabilities(ctx.engine)),
    stage: config.stage ?? null,
    business_model: config.business_model ?? null,
    timezone: time.timezone,
    week_start: time.weekStart,
    first_event: first === null ? null : new Date(first).toISOString(),
    last_event: last === null ? null : new Date(last).toISOString(),
    default_week: weeks[0].week,
    weeks,
    north_star: {
      name: ns.name, event: eventsLabel(ctx.model.northStar.selector.events), where: ns.where ?? null, measure: ns.measure, frequency: ns.frequency,
      per: ns.per ?? null, owner: ns.owner ?? null, target: ns.target ?? null,
    },
    journey: ctx.model.journey.map((s) => {
      const c = config.journey[s.stage]!;
      return { stage: s.stage, event: eventsLabel(s.selector.events), owner: c.owner ?? null, target: c.target ?? null, target_rate: c.target_rate ?? null };
    }),
    rows: rows.map((r) => ({ id: r.id, name: names.get(r.id) ?? r.id, owner: r.owner ?? null, unit: unitOf(r.id, config) })),
    manual_metrics: health.manualMetrics.map((name) => {
      const row = rows.find((r) => r.id === name || r.id === `health.${name}`);
      return { id: name, name: names.get(name) ?? name, row: row?.id ?? null, owner: row?.owner ?? config.metrics.find((m) => m.id === name)?.owner ?? null, unit: unitOf(config.health[name] ? `health.${name}` : name, config) };
    }),
    computed_metrics: ctx.model.metrics.map((m) => ({ id: m.id, name: m.name })),
    ideal_user: ctx.model.idealUser !== null,
    surveys: { pmf: Boolean(config.surveys.pmf), nps: Boolean(config.surveys.nps), csat: Boolean(config.surveys.csat) },
    heart: health.heart.length > 0,
    guardrails: health.guardrails.length > 0,
    okrs: config.okrs.map((o) => ({ objective: o.objective, due: o.due, key_results: o.key_results.map((k) => k.metric) })),
    tree: (ctx.model.drives ?? []).length > 0,
  };
}

// ---------- sessions ----------

export const SESSION_COOKIE = 'truenorth_session';
const SESSION_MS = 30 * 24 * 3_600_000;
const MAX_SESSIONS = 10_000;

interface Session {
  token: string;
  expires: number;
}

function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Dashboard sign-ins, in memory: a random id in an HttpOnly cookie stands for the key it was opened
 * with. Each request checks that key again, so revoking it ends its sessions; a restart ends them all.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  open(token: string): string {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    // Token-shaped (tnc_…), so the log scrubber knows it for a secret.
    const id = `tnc_${randomBytes(32).toString('base64url')}`;
    this.sessions.set(id, { token, expires: Date.now() + SESSION_MS });
    return id;
  }

  /** The principal of the request's session cookie, if it is live and its key still valid for reading. */
  principal(req: FastifyRequest, keys: KeyRing): Principal | undefined {
    const id = cookieValue(req, SESSION_COOKIE);
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const principal = Date.now() < session.expires ? keys.verify(session.token) : undefined;
    if (!principal || principal.kind === 'write') {
      this.sessions.delete(id);
      return undefined;
    }
    return principal;
  }

  close(req: FastifyRequest): void {
    const id = cookieValue(req, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
  }
}

// ---------- writes ----------

const MAX_FORM_BYTES = 64 * 1024;

/**
 * Forms post JSON from the dashboard's own origin; cross-site requests were refused before this
 * (cross-site.ts). Clients that are not browsers (curl -d with a key) may label JSON as a form.
 */
export function checkForm(req: FastifyRequest): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const fromBrowser = req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
  if (type !== 'application/json' && (fromBrowser || type !== 'application/x-www-form-urlencoded')) {
    throw new TruenorthError('unsupported_media_type', 'send the form as application/json');
  }
  const body = req.body as Buffer | undefined;
  if (!body || body.length === 0) throw new TruenorthError('empty_body', 'the request has no body; expected a JSON object');
  if (body.length > MAX_FORM_BYTES) throw new TruenorthError('body_too_large', `the body is larger than ${MAX_FORM_BYTES / 1024} KB`);
  const parsed = parseJson(body.toString('utf8'), type);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TruenorthError('invalid_body', 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

export function needConfig(server: TruenorthServer): { config: Config; model: MetricModel } {
  const loaded = server.loadedConfig();
  if (!loaded) throw new TruenorthError('no_config', 'the server was started without a truenorth.yaml; start it with --config');
  return loaded;
}

async function recordRoute(server: TruenorthServer, req: FastifyRequest, reply: FastifyReply) {
  server.authSecret(req, true);
  requireCapability(server.events, 'write_lane', 'hand entry through the server');
  const body = checkForm(req);
  const { config, model } = needConfig(server);
  const entry = checkRecord(config, body);
  const result = await server.queue.exclusive((store) => recordEntry(store, (entries) => recordManualValues(store, entries), model, entry));
  return reply.code(201).send(result);
}

async function notesRoute(server: TruenorthServer, req: FastifyRequest, reply: FastifyReply) {
  server.authSecret(req, true);
  requireCapability(server.events, 'team_tables', 'review notes through the server');
  const body = checkForm(req);
  const note = checkNote(needConfig(server).config, body);
  await server.events.team.addReviewNote(note);
  return reply.code(201).send(note);
}

async function checkinRoute(server: TruenorthServer, req: FastifyRequest, reply: FastifyReply) {
  server.authSecret(req, true);
  requireCapability(server.events, 'team_tables', 'OKR check-ins through the server');
  const body = checkForm(req);
  const checkin = checkCheckin(needConfig(server).config, body);
  await server.events.team.addCheckin(checkin);
  return reply.code(201).send(checkin);
}

function hostIsLoopback(req: FastifyRequest): boolean {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return isLoopback(host);
}

function sessionCookie(req: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

async function sessionStatus(server: TruenorthServer, req: FastifyRequest) {
  const required = server.readsNeedKey || !hostIsLoopback(req);
  const principal = server.sessions.principal(req, server.keys);
  return { auth_required: required, signed_in: Boolean(principal), as: principal ? principal.kind : null };
}

async function signIn(server: TruenorthServer, req: FastifyRequest, reply: FastifyReply) {
  const body = checkForm(req);
  const key = text(body, 'key', true, 512)!;
  const principal = server.verifySignIn(req, key);
  if (principal.kind === 'write') throw new TruenorthError('forbidden', 'a write key can only send events; sign in with a secret key');
  const id = server.sessions.open(key);
  reply.header('set-cookie', sessionCookie(req, id, SESSION_MS / 1000));
  reply.header('cache-control', 'no-store');
  return reply.send({ signed_in: true, as: principal.kind });
}

// ---------- the single-page app ----------

/** dist/web, from src/server (tests, tsx) and from dist/server (the build) alike. */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/web');

export function dashboardBuilt(): boolean {
  return existsSync(join(WEB_ROOT, 'index.html'));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Paths that belong to the API: an unknown one answers 404 JSON, never the app. */
const API_PATH = /^\/(?:api|v1|i|webhooks)(?:\/|$)|^\/(?:capture|batch|e|track|engage|health|ready|openapi\.json)\/?$/;

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

function staticHeaders(reply: FastifyReply, type: string): void {
  reply.header('content-type', type);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  if (type.startsWith('text/html')) {
    reply.header('content-security-policy', CSP);
    reply.header('x-frame-options', 'DENY');
  }
}

async function serveApp(req: FastifyRequest, reply: FastifyReply, root = WEB_ROOT) {
  const rawPath = (req.url.split('?')[0] ?? '/').split('#')[0];
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new TruenorthError('bad_request', 'malformed URL');
  }
  if (API_PATH.test(path)) throw new TruenorthError('not_found', `no route ${req.method} ${rawPath}`);
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    staticHeaders(reply, 'text/html; charset=utf-8');
    return reply.code(503).send('<!doctype html><title>truenorth</title><p>The dashboard is not built. Run <code>npm run build</code>, then restart <code>truenorth serve</code>. The API works meanwhile: <a href="/openapi.json">/openapi.json</a>.</p>');
  }
  if (path.includes('\0')) throw new TruenorthError('bad_request', 'malformed URL');
  const file = resolve(root, '.' + normalize('/' + path));
  if (file !== root && !file.startsWith(root + sep)) throw new TruenorthError('not_found', 'not found');
  let target = index;
  if (file !== root && path !== '/') {
    const stat = statSafe(file);
    if (stat?.isFile()) target = file;
    else if (extname(path) !== '') throw new TruenorthError('not_found', `no file ${rawPath}`);
  }
  const type = CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
  staticHeaders(reply, type);
  // Built assets carry a content hash in their name; everything else is looked at again each time.
  reply.header('cache-control', target.startsWith(join(root, 'assets') + sep) ? 'public, max-age=31536000, immutable' : 'no-cache');
  return reply.send(createReadStream(target));
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

// ---------- wiring ----------

/** Registers the dashboard's routes on the server's Fastify app (called from TruenorthServer's routes()). */
export function registerDashboard(server: TruenorthServer): void {
  const app = server.app;
  app.get('/api/v1/session', (req) => sessionStatus(server, req));
  app.post('/api/v1/session', (req, reply) => signIn(server, req, reply));
  app.delete('/api/v1/session', async (req, reply) => {
    server.sessions.close(req);
    reply.header('set-cookie', sessionCookie(req, '', 0));
    return reply.send({ signed_in: false });
  });
  app.post('/api/v1/record', (req, reply) => recordRoute(server, req, reply));
  app.post('/api/v1/notes', (req, reply) => notesRoute(server, req, reply));
  app.post('/api/v1/checkins', (req, reply) => checkinRoute(server, req, reply));
  app.get('/', (req, reply) => serveApp(req, reply));
  app.get('/*', (req, reply) => serveApp(req, reply));
}

/** The dashboard's write and session endpoints, for the OpenAPI document (its read routes are in READ_ROUTES). */
export function dashboardOpenApiPaths(): Record<string, unknown> {
  const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
  const error = { content: json({ $ref: '#/components/schemas/Error' }) };
  const form = (summary: string, properties: Record<string, unknown>, required: string[], description: string) => ({
    post: {
      summary, description, tags: ['Dashboard'], security: [{ secretKey: [] }, { sessionCookie: [] }, {}],
      requestBody: { required: true, content: json({ type: 'object', properties, required }) },
      responses: {
        201: { description: 'Stored', content: json({ type: 'object' }) },
        400: { description: 'A field is missing or invalid (the message names it)', ...error },
        401: { description: 'Missing or unknown key (servers bound beyond loopback)', ...error },
        403: { description: 'A write key, or a request from another site', ...error },
        415: { description: 'Not sent as application/json', ...error },
      },
    },
  });
  const str = { type: 'string' };
  return {
    '/api/v1/record': form('Enter a number by hand (what `truenorth record` does); corrections keep history', {
      metric: { type: 'string', description: 'cash_balance, burn, sales_marketing_spend or a source: manual metric' },
      week: { type: 'string', description: '2026-W47 (default: the last complete week)' }, month: { type: 'string', description: '2026-11' },
      value: { type: ['number', 'string'] }, clear: { type: 'boolean', description: 'withdraw the value (kept in the history)' },
      entered_by: str, note: str,
    }, ['metric', 'entered_by'], 'Answers { metric, period, value, entered_by, note, previous }. Goes through the server\'s write queue.'),
    '/api/v1/notes': form('A review note on a scorecard row for a week (shown in the digest)', {
      row: { type: 'string', description: 'a scorecard row id: north_star, journey.setup, health.mrr, …' }, week: str, note: str, author: str,
    }, ['row', 'note', 'author'], 'GET /api/v1/notes?week=2026-W47 lists them.'),
    '/api/v1/checkins': form('A weekly check-in note on an objective', {
      objective: { type: 'string', description: 'the objective text, as in truenorth.yaml' }, key_result: str, week: str,
      note: str, confidence: { type: 'number', minimum: 0, maximum: 1 }, author: str,
    }, ['objective', 'note', 'author'], 'Shown with the objective in GET /api/v1/okrs.'),
    '/api/v1/session': {
      get: { summary: 'Whether the dashboard needs a sign-in, and whether this browser has one', tags: ['Dashboard'], responses: { 200: { description: '{ auth_required, signed_in, as }', content: json({ type: 'object' }) } } },
      post: {
        summary: 'Sign in with a secret key or the admin token: sets an HttpOnly, SameSite=Strict session cookie', tags: ['Dashboard'],
        requestBody: { required: true, content: json({ type: 'object', properties: { key: str }, required: ['key'] }) },
        responses: { 200: { description: 'Signed in; the cookie is set' }, 401: { description: 'Unknown or revoked key', ...error }, 403: { description: 'A write key cannot read', ...error } },
      },
      delete: { summary: 'Sign out', tags: ['Dashboard'], responses: { 200: { description: 'The cookie is cleared' } } },
    },
    '/': { get: { summary: 'The web dashboard (a single-page app; its pages fall back to index.html)', tags: ['Dashboard'], responses: { 200: { description: 'HTML' }, 503: { description: 'Not built: run npm run build' } } } },
  };
}
