/**
 * The writes of the operation catalogue as routes: `POST /api/v1/<path>` (hand entry, review notes,
 * OKR check-ins, the ideas board). One registration for all: the key, the store's capabilities, the
 * form, the body's schema, then the write, through the store (on DuckDB, its write queue).
 */
import { z } from 'zod';
import { WRITE_OPERATIONS } from '../app/catalogue.js';
import type { WriteOperation } from '../app/operation.js';
import { checkWrite } from '../app/run.js';
import { checkForm } from './forms.js';
import { requireCapability } from './require-capability.js';
import type { RouteHost } from './route-host.js';

function registerWrite(server: RouteHost, op: WriteOperation): void {
  server.app.post(`/api/v1/${op.path}`, async (req, reply) => {
    await server.authSecret(req, true);
    for (const need of op.needs) requireCapability(server.events, need, `${op.what} through the server`);
    const form = checkForm(req);
    const loaded = server.loadedConfig();
    const checked = checkWrite(op, { ...form, ...(req.params as Record<string, string>) }, loaded?.config);
    const result = await op.run({
      config: loaded?.config,
      model: loaded?.model,
      store: server.events,
      manualLane: (work) => server.events.manualLane(work),
    }, checked);
    return reply.code(op.status).send(result);
  });
}

export function registerWriteRoutes(server: RouteHost): void {
  for (const op of WRITE_OPERATIONS) registerWrite(server, op);
}

/** The writes' OpenAPI entries, their bodies from the same schemas. */
export function writeOpenApiPaths(): Record<string, unknown> {
  const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
  const error = { content: json({ $ref: '#/components/schemas/Error' }) };
  const paths: Record<string, unknown> = {};
  for (const op of WRITE_OPERATIONS) {
    const { $schema: _, ...body } = z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const pathParams = [...op.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
    paths[`/api/v1/${op.path.replace(/:(\w+)/g, '{$1}')}`] = {
      post: {
        summary: op.summary, tags: ['Dashboard'], security: [{ secretKey: [] }, { sessionCookie: [] }, {}],
        parameters: pathParams.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        requestBody: { required: true, content: json(body) },
        responses: {
          [op.status]: { description: op.status === 201 ? 'Stored' : 'Changed', content: json({ type: 'object' }) },
          400: { description: 'A field is missing or invalid (the message names it)', ...error },
          401: { description: 'Missing or unknown key (servers bound beyond loopback)', ...error },
          403: { description: 'A write key, or a request from another site', ...error },
          415: { description: 'Not sent as application/json', ...error },
          501: { description: 'The store cannot take this write (the message says why and what to do instead)', ...error },
        },
      },
    };
  }
  return paths;
}
