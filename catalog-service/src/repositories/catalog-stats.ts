import type { PrismaClient } from '../generated/prisma/client.js';

/** Table sizes for /metrics and the dashboard: one round trip. */
export async function catalogCounts(prisma: PrismaClient) {
  const [row] = await prisma.$queryRaw<
    { categories: bigint; products: bigint; purchases: bigint; last_purchase_id: number | null }[]
  >`
    SELECT (SELECT count(*) FROM catalog_schema.category) AS categories,
      (SELECT count(*) FROM catalog_schema.product) AS products,
      (SELECT count(*) FROM catalog_schema.purchase) AS purchases,
      (SELECT max(id) FROM catalog_schema.purchase) AS last_purchase_id`;
  return {
    categories: Number(row?.categories ?? 0),
    products: Number(row?.products ?? 0),
    purchases: Number(row?.purchases ?? 0),
    /** Highest purchase id: how far the purchase feed goes (0 with no purchases). */
    lastPurchaseId: Number(row?.last_purchase_id ?? 0),
  };
}
