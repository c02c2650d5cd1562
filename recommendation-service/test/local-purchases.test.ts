import { describe, expect, it } from 'vitest';
import { type CopiedPurchase, LocalPurchases } from '../src/history/local-purchases.js';
import { DATABASE_KIND, useServiceDatabase } from './helper.js';

function purchase(purchaseId: number, customerId: number, productId: number, minute: number): CopiedPurchase {
  return { purchaseId, customerId, productId, purchasedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)) };
}

const products = (copy: LocalPurchases, customerId: number) =>
  copy.read(customerId).purchases.map((p) => p.productId);

describe(`the customers' purchase copy (${DATABASE_KIND})`, () => {
  const database = useServiceDatabase('test_copy');

  it('copies feed pages once, newest first per customer, and a second replica loads the same', async () => {
    const replicaA = new LocalPurchases(database.prisma());
    await replicaA.load();
    const page = [purchase(1, 1, 10, 1), purchase(2, 2, 20, 2), purchase(3, 1, 11, 3), purchase(4, 1, 12, 3)];
    expect(await replicaA.copy(page.slice(0, 2))).toBe(2);
    expect(await replicaA.copy(page)).toBe(2); // ids 1–2 were copied already
    expect(await replicaA.cursor()).toBe(4);
    await replicaA.refresh();
    // Newest first; the same minute: the higher id first (catalog-service's order).
    expect(products(replicaA, 1)).toEqual([12, 11, 10]);
    expect(products(replicaA, 2)).toEqual([20]);
    expect(replicaA.read(3)).toEqual({ purchases: [], staleMark: null, copiedUpTo: 4 });

    const replicaB = new LocalPurchases(database.prisma());
    await replicaB.load();
    expect(products(replicaB, 1)).toEqual([12, 11, 10]);
    expect(replicaB.read(1).copiedUpTo).toBe(4);
  });

  it("a push marks a customer stale until a rewrite with catalog-service's answer, on every replica", async () => {
    const replicaA = new LocalPurchases(database.prisma());
    const replicaB = new LocalPurchases(database.prisma());
    await Promise.all([replicaA.load(), replicaB.load()]);
    // What replica B is told to drop of the histories it holds.
    const told: number[][] = [];
    replicaB.onMarksChanged = (customerIds) => told.push(customerIds);
    // Purchase 3 of customer 1 is deleted in catalog-service; the push reaches replica A.
    await replicaA.markStale([1]);
    const seen = replicaA.read(1);
    expect(seen.staleMark).not.toBeNull();
    // Replica B learns of the mark at its next refresh (notified, or after a feed tick).
    expect(replicaB.read(1).staleMark).toBeNull();
    await replicaB.refresh();
    expect(replicaB.read(1).staleMark).toBe(seen.staleMark);
    expect(told).toEqual([[1]]);

    // Replica A reads catalog-service and makes the copy right; purchase 5 arrived after that
    // answer was read (the feed copied it), so the rewrite leaves it.
    await replicaA.copy([purchase(5, 1, 13, 9)]);
    await replicaA.rewrite(1, [purchase(1, 1, 10, 1), purchase(4, 1, 12, 3)], seen);
    expect(replicaA.read(1).staleMark).toBeNull();
    expect(products(replicaA, 1)).toEqual([13, 12, 10]);
    await replicaB.refresh();
    expect(replicaB.read(1).staleMark).toBeNull();
    expect(products(replicaB, 1)).toEqual([13, 12, 10]);
    // The purchase it copied (not every purchase is pushed), then the settled mark.
    expect(told).toEqual([[1], [1], [1]]);
  });

  it('keeps a customer stale when a change is announced while the rewrite was being read', async () => {
    const copy = new LocalPurchases(database.prisma());
    await copy.load();
    await copy.markStale([2]);
    const seen = copy.read(2);
    await copy.markStale([2]); // another purchase, pushed while catalog-service was answering
    await copy.rewrite(2, [purchase(2, 2, 20, 2)], seen);
    expect(copy.read(2).staleMark).toBeGreaterThan(seen.staleMark!);
    const restarted = new LocalPurchases(database.prisma());
    await restarted.load();
    expect(restarted.read(2).staleMark).toBe(copy.read(2).staleMark);
  });

  it("forgets a deleted customer's purchases on every replica, and what a lagging replica copies of them", async () => {
    const replicaA = new LocalPurchases(database.prisma());
    const replicaB = new LocalPurchases(database.prisma());
    await Promise.all([replicaA.load(), replicaB.load()]);
    expect(products(replicaA, 1)).toEqual([13, 12, 10]);
    // Replica A hears from user-service's customer feed that customer 1 was deleted.
    await replicaA.forget([1]);
    expect(replicaA.read(1).purchases).toEqual([]);
    // Replica B has not heard yet and copies a purchase of customer 1 made before the deletion.
    await replicaB.copy([purchase(6, 1, 14, 10), purchase(7, 2, 21, 10)]);
    await replicaA.refresh();
    expect(replicaA.read(1).purchases).toEqual([]);
    expect(products(replicaA, 2)).toEqual([21, 20]);
    await replicaB.forget([1]);
    await replicaA.markStale([1]); // a purchase of the deleted customer deleted in catalog-service
    const restarted = new LocalPurchases(database.prisma());
    await restarted.load();
    expect(restarted.read(1)).toEqual({ purchases: [], staleMark: null, copiedUpTo: 7 });
    expect(products(restarted, 2)).toEqual([21, 20]);
  });
});
