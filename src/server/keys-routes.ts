import type { FastifyReply, FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';
import { isObject } from '../engine/ingest/normalize.js';
import type { ServerContext } from './context.js';
import { createKey, listKeys, parseKind, revokeKey } from './keys.js';
import { readJson } from './request.js';

/** Key administration (/api/v1/keys): a secret key or the admin token, even on a loopback server. */
export function registerKeysRoutes(server: ServerContext): void {
  const app = server.app;
  app.get('/api/v1/keys', async (req) => {
    server.authSecret(req, false);
    return server.withReader((engine) => listKeys(engine));
  });
  app.post('/api/v1/keys', (req, reply) => createKeyRoute(server, req, reply));
  app.delete<{ Params: { id: string } }>('/api/v1/keys/:id', (req, reply) => revokeKeyRoute(server, req, reply));
}

async function createKeyRoute(server: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  server.authSecret(req, false);
  const body = req.body && (req.body as Buffer).length > 0 ? (await readJson(req, 64 * 1024)).body : {};
  if (!isObject(body)) throw new TruenorthError('invalid_body', 'expected {"kind": "write" | "secret", "name": "..."}');
  const kind = parseKind(typeof body.kind === 'string' ? body.kind : undefined);
  const name = typeof body.name === 'string' ? body.name : undefined;
  const created = await server.queue.run((store) => createKey(store, kind, name));
  await server.withReader((engine) => server.keys.load(engine));
  return reply.code(201).send(created);
}

async function revokeKeyRoute(server: ServerContext, req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
  server.authSecret(req, false);
  const revoked = await server.queue.run((store) => revokeKey(store, req.params.id));
  await server.withReader((engine) => server.keys.load(engine));
  return reply.send(revoked);
}
