import type { PrismaClient } from '../generated/prisma/client.js';

/** A purchase as the copy keeps it: catalog-service's ids and time, nothing else. */
export type CopiedPurchase = ReturnType<typeof toPurchase>;

/** What the copy says about one customer. */
interface CopyRead {
  /** Newest first. */
  purchases: CopiedPurchase[];
  /** Set when catalog-service announced a change not made right here yet: do not trust `purchases`. */
  staleMark: number | null;
  /** Every purchase with an id up to here was copied. */
  copiedUpTo: number;
}

/** Serialises the writers of `changed`, so its values become visible in increasing order. */
const CHANGE_LOCK = `SELECT pg_advisory_xact_lock(hashtext('recommendation_schema.customer_purchase_change'))::text`;
const NEXT_CHANGE = `nextval('recommendation_schema.customer_purchase_change_seq')`;

/** A purchase in catalog-service's field names (its feed and history, and our table's columns). */
interface PurchaseRow {
  customer_id: number;
  purchase_id: number;
  product_id: number;
  purchased_at: Date | string;
}

interface MarkRow {
  customer_id: number;
  marked: number;
  settled: number;
  changed: number;
}

const MARK_COLUMNS = `customer_id, marked::float8 AS marked, settled::float8 AS settled, changed::float8 AS changed`;

/**
 * Every customer's purchases, copied (issue 10: a first recommendation without the history call),
 * in the database (shared, kept over restarts) and in memory. The feed fills it (`copy`); a push
 * marks customers stale (`markStale`, durable before it is acknowledged) until their next request
 * reads catalog-service and makes the copy right (`rewrite`).
 */
export class LocalPurchases {
  private readonly byCustomer = new Map<number, CopiedPurchase[]>();
  /** Stale customers and the mark that made them stale. */
  private readonly stale = new Map<number, number>();
  /** Customers user-service deleted (`forget`): nothing of theirs is copied or kept any more. */
  private readonly forgotten = new Set<number>();
  private copiedUpTo = 0;
  private lastChange = 0;
  /**
   * Told of the customers whose marks `refresh` read (a push or a rewrite, maybe another
   * replica's) or whose new purchases it read (not all are pushed: a dataset import's are not):
   * what this replica holds of their history may be out of date.
   */
  onMarksChanged: (customerIds: number[]) => void = () => {};

  constructor(private readonly prisma: PrismaClient) {}

  async load(): Promise<void> {
    const copiedUpTo = await this.cursor();
    const rows = await this.prisma.$queryRawUnsafe<
      { customer_id: number; ids: number[]; products: number[]; times: number[] }[]
    >(
      `SELECT customer_id, array_agg(purchase_id) AS ids, array_agg(product_id) AS products,
              array_agg((extract(epoch FROM purchased_at) * 1000)::float8) AS times
       FROM recommendation_schema.customer_purchase GROUP BY customer_id`,
    );
    const marks = await this.prisma.$queryRawUnsafe<MarkRow[]>(
      `SELECT ${MARK_COLUMNS} FROM recommendation_schema.customer_purchase_stale`,
    );
    this.byCustomer.clear();
    this.stale.clear();
    for (const row of rows) {
      this.setCustomer(
        row.customer_id,
        row.ids.map((purchaseId, i) => ({
          purchaseId,
          customerId: row.customer_id,
          productId: row.products[i]!,
          purchasedAt: new Date(row.times[i]!),
        })),
      );
    }
    for (const mark of marks) this.applyMark(mark, true);
    this.copiedUpTo = copiedUpTo;
  }

  read(customerId: number): CopyRead {
    return {
      purchases: this.byCustomer.get(customerId) ?? [],
      staleMark: this.stale.get(customerId) ?? null,
      copiedUpTo: this.copiedUpTo,
    };
  }

  /** The cursor in the database (how far any replica copied the feed). */
  async cursor(): Promise<number> {
    const rows = await this.prisma.$queryRawUnsafe<{ copied: number }[]>(
      `SELECT copied_purchase_id AS copied FROM recommendation_schema.purchase_stats_cursor WHERE id = 1`,
    );
    return rows[0]?.copied ?? 0;
  }

  /** Copies a page of the feed (ascending ids) past the cursor; memory follows at the next `refresh`. */
  async copy(page: readonly CopiedPurchase[]): Promise<number> {
    if (page.length === 0) return 0;
    return this.prisma.$transaction(async (tx) => {
      const [cursor] = await tx.$queryRawUnsafe<{ copied: number }[]>(
        `SELECT copied_purchase_id AS copied FROM recommendation_schema.purchase_stats_cursor WHERE id = 1 FOR UPDATE`,
      );
      const fresh = page.filter((purchase) => purchase.purchaseId > (cursor?.copied ?? 0));
      if (fresh.length === 0) return 0;
      await insertPurchases(
        tx,
        fresh.filter((purchase) => !this.forgotten.has(purchase.customerId)),
      );
      await tx.$executeRawUnsafe(
        `UPDATE recommendation_schema.purchase_stats_cursor SET copied_purchase_id = $1 WHERE id = 1`,
        fresh[fresh.length - 1]!.purchaseId,
      );
      return fresh.length;
    });
  }

  /** Reads the rows copied since (`copy` writes them with the cursor) and the marks changed since. */
  async refresh(): Promise<number> {
    const copiedUpTo = await this.cursor();
    if (copiedUpTo > this.copiedUpTo) {
      const rows = await this.prisma.$queryRawUnsafe<PurchaseRow[]>(
        `SELECT customer_id, purchase_id, product_id, purchased_at FROM recommendation_schema.customer_purchase
         WHERE purchase_id > $1 AND purchase_id <= $2`,
        this.copiedUpTo,
        copiedUpTo,
      );
      const added = new Map<number, CopiedPurchase[]>();
      for (const row of rows) {
        // Copied by a replica that has not heard of the deletion yet; its own `forget` deletes the row.
        if (this.forgotten.has(row.customer_id)) continue;
        const list = added.get(row.customer_id) ?? [];
        list.push(toPurchase(row));
        added.set(row.customer_id, list);
      }
      for (const [customerId, list] of added) {
        const known = this.byCustomer.get(customerId) ?? [];
        const ids = new Set(known.map((purchase) => purchase.purchaseId));
        this.setCustomer(customerId, [...known, ...list.filter((purchase) => !ids.has(purchase.purchaseId))]);
      }
      this.copiedUpTo = copiedUpTo;
      if (added.size > 0) this.onMarksChanged([...added.keys()]);
    }
    const marks = await this.prisma.$queryRawUnsafe<MarkRow[]>(
      `SELECT ${MARK_COLUMNS} FROM recommendation_schema.customer_purchase_stale WHERE changed > $1::bigint ORDER BY changed`,
      this.lastChange,
    );
    for (const mark of marks) {
      // Settled: a rewrite (another replica's, or ours) changed the rows.
      if (mark.settled >= mark.marked) await this.reloadCustomer(mark.customer_id);
      this.applyMark(mark, true);
    }
    if (marks.length > 0) this.onMarksChanged(marks.map((mark) => mark.customer_id));
    return copiedUpTo;
  }

  /** catalog-service says these customers' purchases changed: trust the copy again only after a rewrite. */
  async markStale(changed: readonly number[]): Promise<void> {
    const customerIds = changed.filter((id) => !this.forgotten.has(id));
    if (customerIds.length === 0) return;
    const marks = await this.prisma.$transaction(async (tx) => {
      await tx.$queryRawUnsafe(CHANGE_LOCK);
      return tx.$queryRawUnsafe<MarkRow[]>(
        `INSERT INTO recommendation_schema.customer_purchase_stale (customer_id, marked, settled, changed)
         SELECT id, v, 0, v FROM (SELECT id, ${NEXT_CHANGE} AS v FROM unnest($1::int[]) AS t(id)) AS marks
         ON CONFLICT (customer_id) DO UPDATE SET marked = EXCLUDED.marked, changed = EXCLUDED.changed
         RETURNING ${MARK_COLUMNS}`,
        [...new Set(customerIds)],
      );
    });
    for (const mark of marks) this.applyMark(mark, false);
  }

  /**
   * Makes a stale customer's copy what catalog-service just answered (read after `seen`): rows up
   * to `seen.copiedUpTo` it no longer has were deleted; newer rows stay (a purchase after the
   * answer may be copied already, and brings a new mark). The mark is settled only if it is
   * still the one seen: a change announced meanwhile keeps the customer stale. Only for a
   * customer read as stale (`seen.staleMark` set).
   */
  async rewrite(customerId: number, purchases: readonly CopiedPurchase[], seen: CopyRead): Promise<void> {
    const marks = await this.prisma.$transaction(async (tx) => {
      await tx.$queryRawUnsafe(CHANGE_LOCK);
      await insertPurchases(tx, purchases);
      await tx.$executeRawUnsafe(
        `DELETE FROM recommendation_schema.customer_purchase
         WHERE customer_id = $1 AND purchase_id <= $2 AND NOT (purchase_id = ANY($3::int[]))`,
        customerId,
        seen.copiedUpTo,
        purchases.map((p) => p.purchaseId),
      );
      return tx.$queryRawUnsafe<MarkRow[]>(
        `UPDATE recommendation_schema.customer_purchase_stale SET settled = marked, changed = ${NEXT_CHANGE}
         WHERE customer_id = $1 AND marked = $2::bigint RETURNING ${MARK_COLUMNS}`,
        customerId,
        seen.staleMark,
      );
    });
    await this.reloadCustomer(customerId);
    for (const mark of marks) this.applyMark(mark, false);
  }

  /**
   * user-service deleted these customers: their copied purchases go, from memory and the
   * database (a shop deleting a customer expects their history gone from the recommender).
   * catalog-service keeps them, and the purchase statistics keep counting them (aggregates).
   * Each replica hears it from its own customer feed (which replays every deletion at start)
   * and deletes the rows again: what a replica not told yet copied goes once it is told. Ids
   * are never given out again (user-service), so a forgotten customer never comes back.
   */
  async forget(customerIds: readonly number[]): Promise<void> {
    for (const id of customerIds) this.forgotten.add(id);
    await this.prisma.$transaction([
      this.prisma.$executeRawUnsafe(
        'DELETE FROM recommendation_schema.customer_purchase WHERE customer_id = ANY($1::int[])',
        customerIds,
      ),
      this.prisma.$executeRawUnsafe(
        'DELETE FROM recommendation_schema.customer_purchase_stale WHERE customer_id = ANY($1::int[])',
        customerIds,
      ),
    ]);
    for (const id of customerIds) {
      this.byCustomer.delete(id);
      this.stale.delete(id);
    }
    this.onMarksChanged([...customerIds]);
  }

  get stats(): { customers: number; stale: number; copiedUpTo: number } {
    return { customers: this.byCustomer.size, stale: this.stale.size, copiedUpTo: this.copiedUpTo };
  }

  private async reloadCustomer(customerId: number): Promise<void> {
    const rows = await this.prisma.$queryRawUnsafe<PurchaseRow[]>(
      `SELECT customer_id, purchase_id, product_id, purchased_at FROM recommendation_schema.customer_purchase
       WHERE customer_id = $1`,
      customerId,
    );
    this.setCustomer(customerId, rows.map(toPurchase));
  }

  /** Our own writes do not move `lastChange`: another replica's smaller one may not be read yet. */
  private applyMark(mark: MarkRow, fromRefresh: boolean): void {
    const current = this.stale.get(mark.customer_id);
    // A mark already superseded in memory (a newer push applied first) stays.
    if (current !== undefined && current > mark.marked) return;
    if (mark.marked > mark.settled) this.stale.set(mark.customer_id, mark.marked);
    else this.stale.delete(mark.customer_id);
    if (fromRefresh) this.lastChange = Math.max(this.lastChange, mark.changed);
  }

  /** Newest first, ties by id: the order catalog-service's history answers in. */
  private setCustomer(customerId: number, purchases: CopiedPurchase[]): void {
    if (purchases.length === 0) {
      this.byCustomer.delete(customerId);
      return;
    }
    purchases.sort(
      (a, b) => b.purchasedAt.getTime() - a.purchasedAt.getTime() || b.purchaseId - a.purchaseId,
    );
    this.byCustomer.set(customerId, purchases);
  }
}

type Tx = Pick<PrismaClient, '$executeRawUnsafe'>;

async function insertPurchases(tx: Tx, purchases: readonly CopiedPurchase[]): Promise<void> {
  if (purchases.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO recommendation_schema.customer_purchase (purchase_id, customer_id, product_id, purchased_at)
     SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::timestamptz[])
     ON CONFLICT (purchase_id) DO NOTHING`,
    purchases.map((p) => p.purchaseId),
    purchases.map((p) => p.customerId),
    purchases.map((p) => p.productId),
    purchases.map((p) => p.purchasedAt.toISOString()),
  );
}

export function toPurchase(row: PurchaseRow) {
  return {
    purchaseId: row.purchase_id,
    customerId: row.customer_id,
    productId: row.product_id,
    purchasedAt: new Date(row.purchased_at),
  };
}
