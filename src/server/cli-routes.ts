/**
 * The routes the CLI reaches while `truenorth serve` holds the database file, beside the read API,
 * the event and ledger imports, the key routes and the catalogue's writes (record, notes, check-ins, ideas):
 *
 * - `POST /api/v1/import/manual`: a hand-entered values CSV, streamed (`truenorth import manual`).
 * - `GET /api/v1/export/events?format=ndjson|csv|parquet`: every event as a download (`truenorth export events`).
 *
 * Every write goes through the server's write queue, so it is committed before the answer.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { exportEvents } from '../engine/ingest/export-events.js';
import { importManualRows } from '../engine/ingest/import-manual.js';
import { detectFormat } from '../engine/ingest/sources.js';
import type { RouteHost } from './route-host.js';
import { requireCapability } from './require-capability.js';
import { manualMetricNames } from '../config/model.js';

/** How many events an export holds, sent before the file itself. */
export const EXPORT_COUNT_HEADER = 'x-truenorth-events';

async function importManual(server: RouteHost, req: FastifyRequest, reply: FastifyReply) {
  await server.authSecret(req, true);
  requireCapability(server.events, 'write_lane', 'importing hand-entered values through the server');
  const query = req.query as Record<string, unknown>;
  const config = server.loadedConfig()?.config;
  const options = {
    stdin: req.body as Readable,
    strict: query.strict === '1' || query.strict === 'true',
    label: typeof query.name === 'string' ? query.name.slice(0, 500) : undefined,
    allowed: config ? manualMetricNames(config) : undefined,
    weekStart: config?.week_start,
  };
  // The upload is read before the queue is taken: the queue is held only while the rows are written
  // (alone: the hand entries commit their own transaction).
  const report = await importManualRows('-', options, (rows) => server.events.importers.manualValues(rows));
  return reply.send(report);
}

/** Exports committed events to a temporary file beside the writer, then streams it and removes it. */
async function exportRoute(server: RouteHost, req: FastifyRequest, reply: FastifyReply) {
  await server.authSecret(req, true);
  requireCapability(server.events, 'export_events', 'exporting events through the server');
  const query = req.query as Record<string, unknown>;
  const format = detectFormat('-', typeof query.format === 'string' ? query.format : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'truenorth-export-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const path = join(dir, `events.${format}`);
    const count = await server.withReportEngine((engine) => exportEvents(engine, path, format));
    const stream = createReadStream(path);
    stream.on('close', cleanup);
    reply.header(EXPORT_COUNT_HEADER, String(count));
    reply.header('content-type', 'application/octet-stream');
    return reply.send(stream);
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Registers these routes on the server's Fastify app (called from TruenorthServer's routes()). */
export function registerCliRoutes(server: RouteHost): void {
  const app = server.app;
  app.get('/api/v1/export/events', (req, reply) => exportRoute(server, req, reply));
  // The CSV is streamed: a parser that hands the request stream over unread.
  app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    child.post('/api/v1/import/manual', (req, reply) => importManual(server, req, reply));
  });
}
