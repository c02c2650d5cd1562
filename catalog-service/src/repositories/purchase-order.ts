import { createHash } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';

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
