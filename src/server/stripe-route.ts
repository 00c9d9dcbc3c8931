import type { FastifyReply, FastifyRequest } from 'fastify';
import { TruenorthError } from '../errors.js';
import type { ServerContext } from './context.js';
import { parseJson } from './payload.js';
import { requireCapability } from './require-capability.js';
import { header } from './request.js';
import { factFromStripeEvent } from '../engine/stripe/facts.js';
import { verifyStripeSignature } from './stripe.js';

/** POST /webhooks/stripe: a verified subscription or invoice event becomes ledger rows. */
export function registerStripeRoute(server: ServerContext, secret: string | undefined): void {
  server.app.post('/webhooks/stripe', (req, reply) => stripe(server, secret, req, reply));
}

async function stripe(server: ServerContext, secret: string | undefined, req: FastifyRequest, reply: FastifyReply) {
  if (!secret) throw new TruenorthError('not_configured', 'Stripe webhooks are not enabled: start the server with TRUENORTH_STRIPE_WEBHOOK_SECRET set');
  requireCapability(server.events, 'stripe', 'the Stripe webhook');
  const payload = req.body as Buffer | undefined;
  if (!payload || payload.length === 0) throw new TruenorthError('empty_body', 'the request has no body');
  verifyStripeSignature(payload, header(req, 'stripe-signature'), secret);
  const event = parseJson(payload.toString('utf8'), undefined);
  const { type, fact } = factFromStripeEvent(event);
  if (!fact) return reply.send({ received: true, type, ledger_rows: 0 });
  const written = await server.events.importers.stripe([fact]);
  for (const warning of written.warnings) req.log.warn({ stripe_event: type }, warning);
  return reply.send({ received: true, type, ledger_rows: written.ledger_rows, duplicates: written.duplicates, ...(written.warnings.length ? { warnings: written.warnings } : {}) });
}
