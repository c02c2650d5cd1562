import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { UserServiceClient } from '../clients/user-service-client.js';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    users: UserServiceClient;
  }
}

/**
 * The user-service client. Not a readiness check: catalog reads work without user-service,
 * only purchases and histories need it (and answer 503 themselves when it is down).
 */
export default fp(
  async function userServicePlugin(app: FastifyInstance, opts: { config: Config }) {
    const client = new UserServiceClient({
      baseUrl: opts.config.USER_SERVICE_URL,
      timeoutMs: opts.config.USER_SERVICE_TIMEOUT_MS,
      retries: opts.config.USER_SERVICE_RETRIES,
      cacheTtlMs: opts.config.CUSTOMER_CACHE_TTL_MS,
    });
    app.decorate('users', client);
    app.addHook('onClose', async () => {
      await client.close();
    });
  },
  { name: 'user-service-client' },
);
