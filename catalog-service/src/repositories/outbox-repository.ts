import type { ProductPayload } from '@ecom/contracts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

const LEASE_NAME = 'dispatcher';

/** A product with due jobs: its current state (null: deleted) and the jobs one delivery settles. */
export interface DueProduct {
  productId: number;
  jobIds: number[];
  payload: ProductPayload | null;
}

export class OutboxRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Takes or renews the dispatcher lease for `ttlMs` (README, "One dispatcher per database").
   * `force` takes it from anyone: only for an embedded database, which no other process opens.
   */
  async acquireLease(holder: string, ttlMs: number, force = false): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ holder: string }[]>`
      INSERT INTO catalog_schema.outbox_lease AS lease (name, holder, expires_at)
      VALUES (${LEASE_NAME}, ${holder}, now() + ${ttlMs}::int * interval '1 millisecond')
      ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE lease.holder = EXCLUDED.holder OR lease.expires_at < now() OR ${force}::boolean
      RETURNING holder`;
    return rows.length === 1;
  }

  async releaseLease(holder: string): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM catalog_schema.outbox_lease
      WHERE name = ${LEASE_NAME} AND holder = ${holder}`;
  }

  /**
   * The products whose oldest due job is among the first `limit` due ones, oldest first, each
   * with all its committed jobs (also those waiting for a retry: one delivery of the product's
   * current state settles them all) and that state (null: deleted). One statement reads both
   * from one snapshot, and every job commits with its product change, so the state is at least
   * as new as what each job announces.
   */
  async due(limit: number): Promise<DueProduct[]> {
    const rows = await this.prisma.$queryRaw<
      { product_id: number; job_ids: bigint[]; payload: ProductPayload | null }[]
    >`
      SELECT o.product_id, array_agg(o.id ORDER BY o.id) AS job_ids, (
        SELECT json_build_object('product_id', p.id, 'product_title', p.title, 'category_id', p.category_id,
          'category_title', c.title, 'product_tags', coalesce(p.tags, '{}'), 'product_description', p.description)
        FROM catalog_schema.product p JOIN catalog_schema.category c ON c.id = p.category_id
        WHERE p.id = o.product_id
      ) AS payload
      FROM catalog_schema.outbox o
      WHERE o.product_id IN (
        SELECT product_id FROM catalog_schema.outbox
        WHERE next_attempt_at <= now() ORDER BY id LIMIT ${limit}
      )
      GROUP BY o.product_id ORDER BY min(o.id)`;
    return rows.map((row) => ({
      productId: row.product_id,
      jobIds: row.job_ids.map(Number),
      payload: row.payload,
    }));
  }

  /** Removes exactly the delivered jobs: one committed after they were read stays queued. */
  async complete(jobIds: number[], queue: 'outbox' | 'customer_outbox' = 'outbox'): Promise<void> {
    await this.prisma
      .$executeRaw`DELETE FROM catalog_schema.${Prisma.raw(queue)} WHERE id = ANY(${jobIds}::bigint[])`;
  }

  /**
   * Counts a failed attempt. `parkForMs` keeps the jobs out of `due` that long (a product the
   * receiver rejects); jobs an unavailable receiver did not take stay due: the dispatcher's
   * backoff holds them back, and ends early when a receiver that was down is back.
   */
  async fail(jobIds: number[], error: string, parkForMs = 0): Promise<void> {
    if (jobIds.length === 0) return;
    await this.prisma.$executeRaw`UPDATE catalog_schema.outbox
      SET attempts = attempts + 1, last_error = ${error.slice(0, 1000)},
          next_attempt_at = now() + ${parkForMs}::int * interval '1 millisecond'
      WHERE id = ANY(${jobIds}::bigint[])`;
  }

  /** Due jobs announcing that a customer's purchases changed (enqueueCustomerChange), oldest first. */
  async dueCustomerChanges(limit: number): Promise<{ id: number; customerId: number }[]> {
    const rows = await this.prisma.$queryRaw<{ id: bigint; customer_id: number }[]>`
      SELECT id, customer_id FROM catalog_schema.customer_outbox
      WHERE next_attempt_at <= now() ORDER BY id LIMIT ${limit}`;
    return rows.map((row) => ({ id: Number(row.id), customerId: row.customer_id }));
  }

  /** Counts a failed attempt; the jobs stay due (as in `fail`: the dispatcher backs off). */
  async failCustomerChanges(jobIds: number[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.prisma.$executeRaw`UPDATE catalog_schema.customer_outbox
      SET attempts = attempts + 1
      WHERE id = ANY(${jobIds}::bigint[])`;
  }

  async backlog() {
    const [summary] = await this.prisma.$queryRaw<
      { rows: bigint; products: bigint; oldest: Date | null; last_error: string | null }[]
    >`
      SELECT count(*) AS rows, count(DISTINCT product_id) AS products, min(created_at) AS oldest,
        (SELECT last_error FROM catalog_schema.outbox WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS last_error
      FROM catalog_schema.outbox`;
    return {
      rows: Number(summary?.rows ?? 0),
      products: Number(summary?.products ?? 0),
      /** Seconds since the oldest undelivered job was written; null when there is none. */
      oldestAgeSeconds: summary?.oldest ? Math.max(0, (Date.now() - summary.oldest.getTime()) / 1000) : null,
      lastError: summary?.last_error ?? null,
    };
  }
}
