import type { UserServiceClient } from './clients/user-service-client.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { OutboxDispatcher } from './outbox/dispatcher.js';
import type { CategoryRepository } from './repositories/category-repository.js';
import type { DatasetImportRepository } from './repositories/dataset-import-repository.js';
import type { OutboxRepository } from './repositories/outbox-repository.js';
import type { OutboxSignal } from './repositories/outbox-writes.js';
import type { ProductRepository } from './repositories/product-repository.js';
import type { PurchaseRepository } from './repositories/purchase-repository.js';

/** What catalog-service's route plugins are given (their options), built once in app.ts. */
export interface Deps {
  prisma: PrismaClient;
  users: UserServiceClient;
  outboxSignal: OutboxSignal;
  outbox: OutboxRepository;
  /** Null when OUTBOX_ENABLED=false: jobs are still written, another instance delivers. */
  dispatcher: OutboxDispatcher | null;
  categories: CategoryRepository;
  products: ProductRepository;
  purchases: PurchaseRepository;
  datasetImports: DatasetImportRepository;
}
