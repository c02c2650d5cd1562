import type { App } from '@ecom/service-kit';
import { UserServiceClient } from '../clients/user-service-client.js';
import type { Config } from '../config.js';

/**
 * The user-service client, closed with the app. Not a readiness check: catalog reads work
 * without user-service, only purchases and histories need it (and answer 503 themselves when
 * it is down).
 */
export function createUserServiceClient(app: App, config: Config): UserServiceClient {
  const client = new UserServiceClient(config);
  app.addHook('onClose', () => client.close());
  return client;
}
