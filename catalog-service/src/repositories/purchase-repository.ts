import { createHash } from 'node:crypto';
import type { PurchaseFeedItem } from '@ecom/contracts';
import { isForeignKeyViolation } from '@ecom/db';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { HistoryItem, PurchaseDetail } from '../schemas/purchase.js';
import { enqueueCustomerChange, type OutboxSignal } from './outbox-writes.js';

// A stable key of our own, so no other user of pg advisory locks on this database collides.
const PURCHASE_INSERT_LOCK = createHash('sha256')
  .update('catalog_schema.purchase:insert')
  .digest()
  .readInt32BE(0);

/**
 * Serialises purchase inserts until commit, so ids become visible in increasing order: a reader
 * of the `after_id` feed could otherwise see 11 commit before 10 and, past 11, never see 10.
 */
export async function lockPurchaseInserts(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PURCHASE_INSERT_LOCK}::int)`;
}

/** A purchase as the API shows it, but for the customer's name (user-service has it). */
type StoredPurchase = Omit<PurchaseDetail, 'customer_title'>;

/** A product as a purchase shows it (with its current category), in the API's field names. */
type PurchasedProduct = Omit<HistoryItem, 'purchase_id' | 'purchased_at'>;

// The reads answer in the API's field names straight from SQL; timestamps as toISOString writes them.
const PRODUCT = Prisma.sql`p.id AS product_id, p.title AS product_title, coalesce(p.tags, '{}') AS product_tags,
  p.category_id, c.title AS category_title`;
const PURCHASED_AT = Prisma.sql`to_char(pu.purchased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS purchased_at`;
const PURCHASES = Prisma.sql`catalog_schema.purchase pu JOIN catalog_schema.product p ON p.id = pu.product_id`;
const CATEGORY = Prisma.sql`JOIN catalog_schema.category c ON c.id = p.category_id`;

/**
 * Purchases reference customers by id only (user-service owns them) and take their
 * category from the product, so a purchase and its product can never disagree.
 */
export class PurchaseRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: OutboxSignal,
  ) {}

  async findProduct(productId: number): Promise<PurchasedProduct | null> {
    const [product] = await this.prisma.$queryRaw<PurchasedProduct[]>`
      SELECT ${PRODUCT} FROM catalog_schema.product p ${CATEGORY} WHERE p.id = ${productId}`;
    return product ?? null;
  }

  /** Null when the product disappeared since it was checked. */
  async create(customerId: number, product: PurchasedProduct): Promise<StoredPurchase | null> {
    try {
      const row = await this.prisma.$transaction(async (tx) => {
        // Every other purchase waits for the lock until this one commits, each holding a pooled
        // connection meanwhile: so the outbox row comes first, and the lock and the insert are one
        // statement (the id is drawn after the lock is held). Taken over three round trips, 500
        // purchases posted at once left waiters past Prisma's 2 s to start a transaction: 503s.
        // The time is read under the lock too (not now(), the transaction's start): a purchase
        // that waited longer would otherwise be older than one given a lower id before it, and
        // the history (by time) and the feed (by id) would disagree on the order.
        await enqueueCustomerChange(tx, customerId);
        const [created] = await tx.$queryRaw<{ id: number; purchased_at: Date }[]>`
          WITH insert_lock AS MATERIALIZED (
            SELECT pg_advisory_xact_lock(${PURCHASE_INSERT_LOCK}::int)
          )
          INSERT INTO catalog_schema.purchase (customer_id, product_id, purchased_at)
          SELECT ${customerId}, ${product.product_id}, clock_timestamp() FROM insert_lock
          RETURNING id, purchased_at`;
        return created!;
      });
      this.outbox.notify();
      return {
        id: row.id,
        customer_id: customerId,
        purchased_at: row.purchased_at.toISOString(),
        ...product,
      };
    } catch (error) {
      if (isForeignKeyViolation(error)) return null;
      throw error;
    }
  }

  async find(id: number): Promise<StoredPurchase | null> {
    const [purchase] = await this.prisma.$queryRaw<StoredPurchase[]>`
      SELECT pu.id, pu.customer_id, ${PURCHASED_AT}, ${PRODUCT}
      FROM ${PURCHASES} ${CATEGORY} WHERE pu.id = ${id}`;
    return purchase ?? null;
  }

  /** Newest first; ties (same timestamp) broken by id so the order is stable. */
  history(customerId: number, limit?: number): Promise<HistoryItem[]> {
    return this.prisma.$queryRaw<HistoryItem[]>`
      SELECT pu.id AS purchase_id, ${PURCHASED_AT}, ${PRODUCT}
      FROM ${PURCHASES} ${CATEGORY}
      WHERE pu.customer_id = ${customerId}
      ORDER BY pu.purchased_at DESC, pu.id DESC LIMIT ${limit ?? null}`;
  }

  feed(afterId: number, limit: number): Promise<PurchaseFeedItem[]> {
    return this.prisma.$queryRaw<PurchaseFeedItem[]>`
      SELECT pu.id, pu.customer_id, pu.product_id, p.category_id, ${PURCHASED_AT}
      FROM ${PURCHASES} WHERE pu.id > ${afterId} ORDER BY pu.id LIMIT ${limit}`;
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
