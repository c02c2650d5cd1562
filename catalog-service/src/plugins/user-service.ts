import type { App } from '@ecom/service-kit';
import { UserServiceClient } from '../clients/user-service-client.js';
import type { Config } from '../config.js';

/**
 * The user-service client, closed with the app. Not a readiness check: catalog reads work
 * without user-service, only purchases and histories need it (and answer 503 themselves when
 * it is down).
 */
export function createUserServiceClient(app: App, config: Config): UserServiceClient {
  const client = new UserServiceClient({
    baseUrl: config.USER_SERVICE_URL,
    timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
    retries: config.USER_SERVICE_RETRIES,
    cacheTtlMs: config.CUSTOMER_CACHE_TTL_MS,
  });
  app.addHook('onClose', async () => {
    await client.close();
  });
  return client;
}
