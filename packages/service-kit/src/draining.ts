import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * First step of a graceful shutdown: new requests (readiness too) get 503, running ones go
     * on, every answer closes its connection. The listener stays open, so clients are told "go
     * elsewhere" instead of being reset. `close()` drains too.
     */
    startDraining(): void;
  }
}

const REFUSED = { detail: 'Service is shutting down, retry shortly' };

/** `onDrain`: what else stops at once (start-up work: start-up.ts). */
export function installDraining(app: FastifyInstance, onDrain: () => void): void {
  let draining = false;
  app.decorate('startDraining', () => {
    draining = true;
    onDrain();
  });
  app.addHook('preClose', async () => {
    draining = true;
  });
  // Registered before any route: health checks are refused too, so a load balancer stops
  // sending traffic here.
  app.addHook('onRequest', async (_request, reply) => {
    // Its own serializer: a route's response schema for 503 (`/readyz`) must not reject it.
    if (draining) return reply.code(503).type('application/json').serializer(JSON.stringify).send(REFUSED);
  });
  // The client's next request opens a new connection, which is refused cleanly (503, or
  // connection refused once the listener is closed) instead of racing a closing socket.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
}
