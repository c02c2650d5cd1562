import { createHash } from 'node:crypto';
import { isForeignKeyViolation } from '@ecom/db';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { HistoryItem, PurchaseDetail, PurchaseFeedItem } from '../schemas/purchase.js';
import { enqueueCustomerChange, type OutboxSignal } from './outbox-writes.js';

// A stable key of our own, so no other user of pg advisory locks on this database collides.
const PURCHASE_INSERT_LOCK = createHash('sha256')
  .update('catalog_schema.purchase:insert')
  .digest()
  .readInt32BE(0);

/**
 * Serialises purchase inserts until commit, so purchase ids become visible in increasing
 * order. Without it a reader of the `GET /Purchases/?after_id=` feed could see id 11 commit
 * before id 10 and, moving its cursor past 11, never see 10.
 */
export async function lockPurchaseInserts(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PURCHASE_INSERT_LOCK}::int)`;
}

/** A purchase as the API shows it, but for the customer's name (user-service has it). */
export type StoredPurchase = Omit<PurchaseDetail, 'customer_title'>;

const productColumns = {
  select: { id: true, title: true, tags: true, categoryId: true, category: { select: { title: true } } },
} as const;

/** A product as a purchase shows it (with its current category), in the API's field names. */
export type PurchasedProduct = Omit<HistoryItem, 'purchase_id' | 'purchased_at'>;

function toPurchasedProduct(product: Prisma.ProductGetPayload<typeof productColumns>): PurchasedProduct {
  return {
    product_id: product.id,
    product_title: product.title,
    product_tags: product.tags,
    category_id: product.categoryId,
    category_title: product.category.title,
  };
}

/**
 * Purchases reference customers by id only (user-service owns them) and take their
 * category from the product, so a purchase and its product can never disagree.
 */
export class PurchaseRepository {
  constructor(
    private readonly prisma: PrismaClient,
    /** Told after a purchase write commits: the dispatcher announces the customer's change at once. */
    private readonly outbox: OutboxSignal,
  ) {}

  async findProduct(productId: number): Promise<PurchasedProduct | null> {
    const row = await this.prisma.product.findUnique({ where: { id: productId }, ...productColumns });
    return row ? toPurchasedProduct(row) : null;
  }

  /** Null when the product disappeared since it was checked. */
  async create(customerId: number, product: PurchasedProduct): Promise<StoredPurchase | null> {
    try {
      const row = await this.prisma.$transaction(async (tx) => {
        await lockPurchaseInserts(tx);
        const created = await tx.purchase.create({
          data: { customerId, productId: product.product_id },
          select: { id: true, purchasedAt: true },
        });
        await enqueueCustomerChange(tx, customerId);
        return created;
      });
      this.outbox.notify();
      return { id: row.id, customer_id: customerId, purchased_at: row.purchasedAt.toISOString(), ...product };
    } catch (error) {
      if (isForeignKeyViolation(error)) return null;
      throw error;
    }
  }

  async find(id: number): Promise<StoredPurchase | null> {
    const row = await this.prisma.purchase.findUnique({
      where: { id },
      select: { id: true, customerId: true, purchasedAt: true, product: productColumns },
    });
    if (!row) return null;
    const purchasedAt = row.purchasedAt.toISOString();
    return { id, customer_id: row.customerId, purchased_at: purchasedAt, ...toPurchasedProduct(row.product) };
  }

  /** Newest first; ties (same timestamp) broken by id so the order is stable. */
  async history(customerId: number, limit?: number): Promise<HistoryItem[]> {
    const rows = await this.prisma.purchase.findMany({
      where: { customerId },
      orderBy: [{ purchasedAt: 'desc' }, { id: 'desc' }],
      ...(limit === undefined ? {} : { take: limit }),
      select: { id: true, purchasedAt: true, product: productColumns },
    });
    return rows.map((row) => ({
      purchase_id: row.id,
      purchased_at: row.purchasedAt.toISOString(),
      ...toPurchasedProduct(row.product),
    }));
  }

  async feed(afterId: number, limit: number): Promise<PurchaseFeedItem[]> {
    const rows = await this.prisma.purchase.findMany({
      where: { id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take: limit,
      select: {
        id: true,
        customerId: true,
        productId: true,
        purchasedAt: true,
        product: { select: { categoryId: true } },
      },
    });
    return rows.map((row) => ({
      id: row.id,
      customer_id: row.customerId,
      product_id: row.productId,
      category_id: row.product.categoryId,
      purchased_at: row.purchasedAt.toISOString(),
    }));
  }

  async delete(id: number): Promise<boolean> {
    const deleted = await this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ customer_id: number }[]>`
        DELETE FROM catalog_schema.purchase WHERE id = ${id} RETURNING customer_id`;
      for (const row of rows) await enqueueCustomerChange(tx, row.customer_id);
      return rows.length > 0;
    });
    if (deleted) this.outbox.notify();
    return deleted;
  }
}
