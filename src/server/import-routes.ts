import type { FastifyReply, FastifyRequest } from 'fastify';
import { historySource } from '../engine/ingest/history.js';
import { detectFormat } from '../engine/ingest/sources.js';
import { STREAMED_BODY } from './connections.js';
import type { ServerContext } from './context.js';
import { requireCapability } from './require-capability.js';
import { spoolUpload } from './spool-upload.js';

/** POST /api/v1/import/{events,subscriptions}: a file streamed in, spooled, then imported (what `truenorth import` sends while serve holds the file). */
export function registerImportRoutes(server: ServerContext): void {
  // Imports stream the file: a parser that hands the request stream over unread.
  server.app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    child.post('/api/v1/import/events', { config: STREAMED_BODY }, (req, reply) => importFile(server, req, reply, 'events'));
    child.post('/api/v1/import/subscriptions', { config: STREAMED_BODY }, (req, reply) => importFile(server, req, reply, 'subscriptions'));
  });
}

async function importFile(server: ServerContext, req: FastifyRequest, reply: FastifyReply, kind: 'events' | 'subscriptions') {
  await server.authSecret(req, true);
  requireCapability(server.events, 'write_lane', `importing ${kind} through the server`);
  const query = req.query as Record<string, unknown>;
  const strict = query.strict === '1' || query.strict === 'true';
  const format = kind === 'events' ? detectFormat('-', typeof query.format === 'string' ? query.format : undefined) : 'csv';
  const from = historySource(typeof query.from === 'string' ? query.from : undefined);
  const importer = kind === 'events' ? server.events.importers.events : server.events.importers.ledger;
  const report = await spoolUpload(req, format, (path) => importer(path, { format, strict, from, label: 'stdin' }));
  return reply.send(report);
}
