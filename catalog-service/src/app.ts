import { registerDatabase } from '@ecom/db';
import { type AppWith, type BuildOptions, createServer, withDeps } from '@ecom/service-kit';
import { UserServiceClient } from './clients/user-service-client.js';
import { type Config, DB_SCHEMA, MIGRATIONS_DIR } from './config.js';
import type { Deps } from './deps.js';
import { PrismaClient } from './generated/prisma/client.js';
import { DatasetImporter } from './import/dataset-import.js';
import { registerCatalogMetrics } from './metrics/catalog-metrics.js';
import { OutboxDispatcher } from './outbox/dispatcher.js';
import { CategoryRepository } from './repositories/category-repository.js';
import { DatasetImportRepository } from './repositories/dataset-import-repository.js';
import { OutboxRepository } from './repositories/outbox-repository.js';
import { ProductRepository } from './repositories/product-repository.js';
import { PurchaseRepository } from './repositories/purchase-repository.js';
import { categoryRoutes } from './routes/categories.js';
import { operationsRoutes } from './routes/operations.js';
import { productRoutes } from './routes/products.js';
import { purchaseRoutes } from './routes/purchases.js';

// The launcher (scripts/stack) and @ecom/testing load a service from this one module.
export { readConfig } from './config.js';

/**
 * How long the start-up import waits for an unreachable user-service (it checks the file's
 * customers there) before start-up fails; the launcher and compose start user-service first.
 */
const IMPORT_WAITS_FOR_USERS_MS = 60_000;

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<AppWith<Deps>> {
  const app = await createServer({
    name: 'catalog-service',
    description: 'Categories, products and purchases; keeps the recommendation vectors in step.',
    config,
    logger: options.logger,
  });
  const prisma = await registerDatabase(app, {
    serviceName: 'catalog-service',
    schema: DB_SCHEMA,
    migrationsDir: MIGRATIONS_DIR,
    config,
    createClient: (adapter) => new PrismaClient({ adapter }),
  });
  const outbox = new OutboxRepository(prisma);
  // Started after the dataset import (below). recommendation-service is not a readiness check:
  // catalog writes never depend on it.
  const dispatcher = config.OUTBOX_ENABLED
    ? new OutboxDispatcher(outbox, app.log.child({ component: 'outbox' }), config, !config.DATABASE_URL)
    : null;
  // preClose runs before any onClose hook: the dispatcher stops while Prisma is still open.
  if (dispatcher) app.addHook('preClose', () => dispatcher.close());
  const outboxSignal = { notify: () => dispatcher?.wake() };
  const deps: Deps = {
    prisma,
    users: new UserServiceClient(app, config),
    outboxSignal,
    outbox,
    dispatcher,
    categories: new CategoryRepository(prisma, outboxSignal),
    products: new ProductRepository(prisma, outboxSignal),
    purchases: new PurchaseRepository(prisma, outboxSignal),
    datasetImports: new DatasetImportRepository(prisma),
  };
  await app.register(categoryRoutes, deps);
  await app.register(productRoutes, deps);
  await app.register(purchaseRoutes, deps);
  await app.register(operationsRoutes, deps);
  const importer = new DatasetImporter(prisma, outboxSignal, deps.users, app.log, {
    batchSize: config.IMPORT_BATCH_SIZE,
    userServiceWaitMs: IMPORT_WAITS_FOR_USERS_MS,
  });
  registerCatalogMetrics(app, deps, importer);
  // In the background once the app is ready: the service listens and answers meanwhile
  // (README, "Dataset import"); /readyz answers 503 with the import's progress until it is done.
  app.addStartUpTask({
    name: 'dataset import',
    run: async (signal) => {
      if (config.IMPORT_ON_START) await importer.run(config.DATASET_PATH, signal);
      // After the import, so its products are delivered in big batches.
      if (!signal.aborted) dispatcher?.start();
    },
    progress: () => importer.describeProgress(),
  });
  return withDeps(app, deps);
}
