import type { ServerContext } from './context.js';
import { peerIsLoopback } from './server-file.js';

/** Liveness and readiness: open to anyone who can reach the server. */
export function registerHealthRoutes(server: ServerContext): void {
  const app = server.app;
  app.get('/health', async (req) => (peerIsLoopback(req.socket.remoteAddress) ? { status: 'ok', pid: process.pid } : { status: 'ok' }));
  app.get('/ready', async (req, reply) => {
    const ready = server.queue.ready && server.sink.ready && !server.shuttingDown;
    const reason = ready ? undefined : notReadyReason(server);
    // Counts are internals: this machine sees them, a load balancer needs only the status.
    const counts = peerIsLoopback(req.socket.remoteAddress) ? { pending: server.sink.pending, committed: server.sink.committed } : {};
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', reason, engine: server.engine, ...counts });
  });
}

/** Why /ready answers 503, in words fit for anyone who can reach it. */
function notReadyReason(server: ServerContext): string {
  if (server.shuttingDown) return 'shutting down';
  const failure = server.sink.failure ?? server.queue.failure;
  if (failure) return `writes are failing: ${failure}`;
  return 'the write queue is full';
}
