import { registerDatabase } from '@ecom/db';
import { type App, createServer } from '@ecom/service-kit';
import { type Config, DB_SCHEMA, MIGRATIONS_DIR } from './config.js';
import { PrismaClient } from './generated/prisma/client.js';
import { DatasetImporter } from './import/dataset-import.js';
import { registerCatalogMetrics } from './metrics/catalog-metrics.js';
import outboxPlugin from './plugins/outbox.js';
import userServicePlugin from './plugins/user-service.js';
import { CategoryRepository } from './repositories/category-repository.js';
import { DatasetImportRepository } from './repositories/dataset-import-repository.js';
import { ProductRepository } from './repositories/product-repository.js';
import { PurchaseRepository } from './repositories/purchase-repository.js';
import { categoryRoutes } from './routes/categories.js';
import { operationsRoutes } from './routes/operations.js';
import { productRoutes } from './routes/products.js';
import { purchaseRoutes } from './routes/purchases.js';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** 'pglite' means an embedded database that only this process can open. */
    databaseKind: 'postgres' | 'pglite';
    categories: CategoryRepository;
    products: ProductRepository;
    purchases: PurchaseRepository;
    datasetImports: DatasetImportRepository;
  }
}

export interface BuildOptions {
  /** false: silent (tests); an object: pino options, e.g. the one-process launcher's stream. */
  logger?: boolean | { level: string; stream: { write(line: string): void } };
}

/** Builds the catalog-service app without listening: server.ts listens, tests inject. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const app = await createServer({
    name: 'catalog-service',
    description: 'Categories, products and purchases; keeps the recommendation vectors in step.',
    logLevel: config.LOG_LEVEL,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    internalApiToken: config.INTERNAL_API_TOKEN,
    ...(options.logger === false || typeof options.logger === 'object' ? { logger: options.logger } : {}),
  });
  const prisma = await registerDatabase(app, {
    serviceName: 'catalog-service',
    schema: DB_SCHEMA,
    migrationsDir: MIGRATIONS_DIR,
    config,
    createClient: (adapter) => new PrismaClient({ adapter }),
  });
  app.decorate('prisma', prisma);
  app.decorate('databaseKind', config.DATABASE_URL ? 'postgres' : 'pglite');
  await app.register(userServicePlugin, { config });
  await app.register(outboxPlugin, { config });
  app.decorate('categories', new CategoryRepository(app.prisma, app.outboxSignal));
  app.decorate('products', new ProductRepository(app.prisma, app.outboxSignal));
  app.decorate('purchases', new PurchaseRepository(app.prisma, app.outboxSignal));
  app.decorate('datasetImports', new DatasetImportRepository(app.prisma));
  await app.register(categoryRoutes);
  await app.register(productRoutes);
  await app.register(purchaseRoutes);
  await app.register(operationsRoutes);
  let importer: DatasetImporter | undefined;
  registerCatalogMetrics(app, () => importer);

  if (config.IMPORT_ON_START) {
    app.addHook('onReady', async () => {
      importer = new DatasetImporter(app.prisma, app.outboxSignal, app.log, {
        batchSize: config.IMPORT_BATCH_SIZE,
      });
      await importer.run(config.DATASET_PATH);
    });
  }
  // After the import (hooks run in order), so its products are delivered in big batches.
  app.addHook('onReady', async () => {
    app.dispatcher?.start();
  });
  return app;
}
