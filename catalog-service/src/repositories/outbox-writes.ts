import type { Prisma } from '../generated/prisma/client.js';

/** Told after outbox rows commit, so they are delivered at once instead of at the next poll. */
export type OutboxSignal = { notify(): void };

/**
 * Outbox rows are written inside the caller's transaction, next to the product change they
 * announce: both commit or neither does (the transactional outbox of ../shared/docs/architecture.md, "Decisions already taken").
 */
export async function enqueueProducts(tx: Prisma.TransactionClient, productIds: number[]): Promise<number> {
  if (productIds.length === 0) return 0;
  return tx.$executeRaw`INSERT INTO catalog_schema.outbox (product_id)
    SELECT unnest(${productIds}::int[])`;
}

/** A category rename changes the embedding text of all its products: re-send them all. */
export async function enqueueCategoryProducts(tx: Prisma.TransactionClient, categoryId: number) {
  return tx.$executeRaw`INSERT INTO catalog_schema.outbox (product_id)
    SELECT id FROM catalog_schema.product WHERE category_id = ${categoryId} ORDER BY id`;
}

/**
 * A purchase recorded or deleted: recommendation-service must drop its cached copy of the
 * customer's history (docs/internal-api.md, "catalog-service → recommendation-service"). Same transaction as the purchase.
 */
export async function enqueueCustomerChange(tx: Prisma.TransactionClient, customerId: number): Promise<void> {
  await tx.$executeRaw`INSERT INTO catalog_schema.customer_outbox (customer_id) VALUES (${customerId})`;
}
