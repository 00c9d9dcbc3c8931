/**
 * The forms' writes: `POST /api/v1/record` (hand entry, validated like `truenorth record`),
 * `POST /api/v1/notes` (review note), `POST /api/v1/checkins` (OKR check-in). They go through the
 * server's write queue, the one writer of the database file.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordManualValues } from '../engine/ingest/import-manual.js';
import type { RouteHost } from './route-host.js';
import { checkForm, needConfig } from './forms.js';
import { requireCapability } from './require-capability.js';
import { checkCheckin, checkNote, checkRecord, recordEntry } from './team-writes.js';

async function recordRoute(server: RouteHost, req: FastifyRequest, reply: FastifyReply) {
  server.authSecret(req, true);
  requireCapability(server.events, 'write_lane', 'hand entry through the server');
  const body = checkForm(req);
  const { config, model } = needConfig(server);
  const entry = checkRecord(config, body);
  const result = await server.queue.exclusive((store) => recordEntry(store, (entries) => recordManualValues(store, entries), model, entry));
  return reply.code(201).send(result);
}

async function notesRoute(server: RouteHost, req: FastifyRequest, reply: FastifyReply) {
  server.authSecret(req, true);
  requireCapability(server.events, 'team_tables', 'review notes through the server');
  const body = checkForm(req);
  const note = checkNote(needConfig(server).config, body);
  await server.events.team.addReviewNote(note);
  return reply.code(201).send(note);
}

async function checkinRoute(server: RouteHost, req: FastifyRequest, reply: FastifyReply) {
  server.authSecret(req, true);
  requireCapability(server.events, 'team_tables', 'OKR check-ins through the server');
  const body = checkForm(req);
  const checkin = checkCheckin(needConfig(server).config, body);
  await server.events.team.addCheckin(checkin);
  return reply.code(201).send(checkin);
}

export function registerWriteRoutes(server: RouteHost): void {
  const app = server.app;
  app.post('/api/v1/record', (req, reply) => recordRoute(server, req, reply));
  app.post('/api/v1/notes', (req, reply) => notesRoute(server, req, reply));
  app.post('/api/v1/checkins', (req, reply) => checkinRoute(server, req, reply));
}

export function writeOpenApiPaths(): Record<string, unknown> {
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
