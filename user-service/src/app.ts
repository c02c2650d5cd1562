import { registerDatabase } from '@ecom/db';
import { type AppWith, type BuildOptions, createServer, withDeps } from '@ecom/service-kit';
import { type Config, DB_SCHEMA, MIGRATIONS_DIR } from './config.js';
import type { Deps } from './deps.js';
import { PrismaClient } from './generated/prisma/client.js';
import { CustomerRepository } from './repositories/customer-repository.js';
import { customerRoutes } from './routes/customers.js';
import { seedCustomers } from './seed.js';

// The launcher (scripts/stack) and @ecom/testing load a service from this one module.
export { readConfig } from './config.js';

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<AppWith<Deps>> {
  const app = await createServer({
    name: 'user-service',
    description: 'Customers of the shop: create, read, update, delete.',
    config,
    logger: options.logger,
  });
  const prisma = await registerDatabase(app, {
    serviceName: 'user-service',
    schema: DB_SCHEMA,
    migrationsDir: MIGRATIONS_DIR,
    config,
    createClient: (adapter) => new PrismaClient({ adapter }),
  });
  const deps: Deps = { prisma, customers: new CustomerRepository(prisma) };
  await app.register(customerRoutes, deps);
  app.metrics.gauge('user_customers', 'Customers stored', () => deps.customers.count());
  if (config.SEED_ON_START) {
    // In the background once the app is ready: the service listens meanwhile, /readyz answers
    // 503 until the seed is done (the launcher and compose start catalog-service after that).
    app.addStartUpTask({
      name: 'customer seed',
      run: (signal) => seedCustomers(prisma, deps.customers, config.DATASET_PATH, app.log, signal),
    });
  }
  return withDeps(app, deps);
}
