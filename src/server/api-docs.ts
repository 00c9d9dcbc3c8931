/**
 * The API's reference: the OpenAPI document at /openapi.json, and the same document as an
 * interactive page at /api/docs (Swagger UI). Both are public: they describe the routes and hold no
 * data, and the page's "Try it out" requests carry the caller's own key or dashboard session.
 */
import swagger, { type StaticDocumentSpec } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from './openapi.js';
import { pageHeaders } from './static-app.js';

export const API_DOCS_PATH = '/api/docs';

export async function registerApiDocs(scope: FastifyInstance): Promise<void> {
  await scope.register(async (docs) => {
    const document = openApiDocument();
    // The dashboard's policy fits Swagger UI: it runs from its own files, with no inline script.
    docs.addHook('onRequest', async (_req, reply) => pageHeaders(reply, true));
    docs.get('/openapi.json', async () => document);
    await docs.register(swagger, { mode: 'static', specification: { document: document as unknown as StaticDocumentSpec['document'] } });
    await docs.register(swaggerUi, {
      routePrefix: API_DOCS_PATH,
      uiConfig: { deepLinking: true, withCredentials: true },
      theme: { title: 'truenorth API' },
    });
  });
}
