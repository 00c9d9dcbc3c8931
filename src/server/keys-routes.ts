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
    await server.authSecret(req, false);
    return listKeys(server.control.keys);
  });
  app.post('/api/v1/keys', (req, reply) => createKeyRoute(server, req, reply));
  app.delete<{ Params: { id: string } }>('/api/v1/keys/:id', (req, reply) => revokeKeyRoute(server, req, reply));
}

async function createKeyRoute(server: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  await server.authSecret(req, false);
  const body = req.body && (req.body as Buffer).length > 0 ? (await readJson(req, 64 * 1024)).body : {};
  if (!isObject(body)) throw new TruenorthError('invalid_body', 'expected {"kind": "write" | "secret", "name": "..."}');
  const kind = parseKind(typeof body.kind === 'string' ? body.kind : undefined);
  const name = typeof body.name === 'string' ? body.name : undefined;
  const created = await createKey(server.control.keys, kind, name);
  await server.reloadKeys();
  return reply.code(201).send(created);
}

async function revokeKeyRoute(server: ServerContext, req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
  await server.authSecret(req, false);
  const revoked = await revokeKey(server.control.keys, req.params.id);
  await server.reloadKeys();
  return reply.send(revoked);
}
