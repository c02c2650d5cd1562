import { describe, expect, it } from 'vitest';
import { PurchaseStats } from '../src/ranking/purchase-stats.js';
import { type FeedPurchase, PurchaseStatsStore } from '../src/ranking/purchase-stats-store.js';
import { DATABASE_KIND, useServiceDatabase } from './helper.js';

const options = { window: 50, nextWindow: 3, nextDecay: 0.5 };

/** Purchases with global ids, customers interleaved as in the catalog's feed. */
function feed(...histories: number[][]): FeedPurchase[] {
  const purchases: FeedPurchase[] = [];
  let id = 0;
  const longest = Math.max(...histories.map((h) => h.length));
  for (let i = 0; i < longest; i++) {
    for (const [customer, history] of histories.entries()) {
      const productId = history[i];
      if (productId !== undefined) purchases.push({ id: ++id, customerId: customer + 1, productId });
    }
  }
  return purchases;
}

function pairs(stats: PurchaseStats, kind: 'together' | 'next', productId: number): [number, number][] {
  const { ids, weights } = stats.partners(kind, productId);
  return [...ids].map((id, i) => [id, Math.round(weights[i]! * 1000) / 1000]);
}

describe(`purchase statistics in the database (${DATABASE_KIND})`, () => {
  const database = useServiceDatabase('test_stats');

  it('learns pairs once, even when replicas apply overlapping pages, and a fresh copy reads them back', async () => {
    const replicaA = new PurchaseStatsStore(database.prisma(), options);
    const replicaB = new PurchaseStatsStore(database.prisma(), options);
    const purchases = feed([1, 2, 3], [1, 2], [2, 1, 1]);
    // A applies the first five, B the whole page at the same time, A the rest again.
    const applied = await Promise.all([replicaA.apply(purchases.slice(0, 5)), replicaB.apply(purchases)]);
    expect(applied[0] + applied[1]).toBe(purchases.length);
    expect(await replicaA.apply(purchases)).toBe(0);
    expect(await replicaA.cursor()).toEqual({ lastPurchaseId: purchases.length, purchases: 7, customers: 3 });

    const stats = new PurchaseStats();
    stats.update(await replicaB.changesSince(0, 100));
    expect(stats.version).toBe(purchases.length);
    // Customer 3's second "1" is a repeat: it adds no pair and no purchase.
    expect(stats.purchasesOf(1)).toBe(3);
    expect(stats.purchasesOf(2)).toBe(3);
    // 1 and 2 adjacent in all three histories; 1 and 3 two apart (1/2).
    expect(pairs(stats, 'together', 1)).toEqual([
      [2, 3],
      [3, 0.5],
    ]);
    // Next: 1→2 twice, 1→3 at distance 2 (decay 0.5), 2→3, 2→1.
    expect(pairs(stats, 'next', 1)).toEqual([
      [2, 2],
      [3, 0.5],
    ]);
    expect(pairs(stats, 'next', 2)).toEqual([
      [1, 1],
      [3, 1],
    ]);
    expect(stats.size).toEqual({ purchases: 7, products: 3, customers: 3 });
    // Trending: each customer's newest purchase 1, the one before 0.5, ... (the repeat adds nothing).
    // 1: 0.25 + 0.5 + 1, 2: 0.5 + 1 + 0.5, 3: 1 (newest of customer 1 only).
    expect([1, 2, 3].map((id) => stats.trendingOf(id))).toEqual([1.75, 2, 1]);
    expect(stats.mostPopular(3)).toEqual([2, 1, 3]);
  });

  it('keeps only the strongest partners in memory and reads only what changed', async () => {
    const storeC = new PurchaseStatsStore(database.prisma(), options);
    const stats = new PurchaseStats();
    stats.update(await storeC.changesSince(0, 2));
    const before = stats.version;
    // Customer 9 buys 1, then 4, 5, 6: product 1 gains partners beyond the bound of 2.
    await storeC.apply([
      { id: before + 1, customerId: 9, productId: 1 },
      { id: before + 2, customerId: 9, productId: 4 },
      { id: before + 3, customerId: 9, productId: 5 },
      { id: before + 4, customerId: 9, productId: 6 },
    ]);
    const change = await storeC.changesSince(before, 2);
    expect(change.popularity).toEqual(
      new Map([
        [1, 4],
        [4, 1],
        [5, 1],
        [6, 1],
      ]),
    );
    expect(change.partners.together.has(3)).toBe(false); // untouched product: not re-read
    stats.update(change);
    expect(pairs(stats, 'together', 1)).toEqual([
      [2, 3],
      [4, 1],
    ]);
    stats.forgetProduct(4);
    expect(pairs(stats, 'together', 1)).toEqual([[2, 3]]);
    expect(stats.mostPopular(10)).not.toContain(4);
  });

  it("takes a deleted product out of its customers' recent products: their next purchase is not paired with it", async () => {
    const store = new PurchaseStatsStore(database.prisma(), options);
    const from = (await store.cursor()).lastPurchaseId;
    // Customer 30 buys 101 then 102, customer 31 buys 101; then 101 leaves the catalog.
    await store.apply([
      { id: from + 1, customerId: 30, productId: 101 },
      { id: from + 2, customerId: 30, productId: 102 },
      { id: from + 3, customerId: 31, productId: 101 },
    ]);
    await store.forgetProducts([101]);
    // Both buy 103 afterwards: only customer 30's 102 is a partner.
    await store.apply([
      { id: from + 4, customerId: 30, productId: 103 },
      { id: from + 5, customerId: 31, productId: 103 },
    ]);
    const stats = new PurchaseStats();
    const change = await store.changesSince(0, 100);
    stats.update(change);
    expect(pairs(stats, 'together', 103)).toEqual([[102, 1]]);
    expect(pairs(stats, 'together', 102)).toEqual([[103, 1]]);
    expect(pairs(stats, 'next', 102)).toEqual([[103, 1]]);
    expect(stats.partners('together', 101).ids).toHaveLength(0);
    // Nor does 103's purchase move 101 back in time: 101 has no popularity row to trend from.
    expect(change.popularity.has(101)).toBe(false);
    expect(stats.mostPopular(100)).not.toContain(101);
  });
});
