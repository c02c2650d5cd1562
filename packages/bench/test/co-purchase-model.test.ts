import { describe, expect, it } from 'vitest';
import { CoPurchaseModel } from '../src/quality/co-purchase-model.js';

function model(...histories: number[][]): CoPurchaseModel {
  const m = new CoPurchaseModel();
  let id = 0;
  // Interleave customers so purchase ids are global, as in the catalog's feed.
  const longest = Math.max(...histories.map((h) => h.length));
  const purchases = [];
  for (let i = 0; i < longest; i++) {
    for (const [customer, history] of histories.entries()) {
      const productId = history[i];
      if (productId !== undefined) purchases.push({ id: ++id, customerId: customer + 1, productId });
    }
  }
  m.add(purchases);
  return m;
}

describe('CoPurchaseModel', () => {
  it('counts popularity, co-occurrence within a history and next-item transitions', () => {
    const m = model([1, 2, 3], [1, 2], [2, 1]);
    expect(m.popularityOf(1)).toBe(3);
    expect(m.popularityOf(2)).toBe(3);
    expect(m.maxPopularity).toBe(3);
    expect(m.coPurchased(1).get(2)).toBe(3);
    // 1 and 3 are two purchases apart in customer 1's history: the pair counts 1/2.
    expect(m.coPurchased(3).get(1)).toBe(0.5);
    expect(m.coPurchased(3).get(2)).toBe(1);
    expect(m.boughtNext(1).get(2)).toBe(2);
    expect(m.boughtNext(2).get(1)).toBe(1);
    expect(m.boughtNext(2).get(3)).toBe(1);
    expect(m.boughtNext(3).size).toBe(0);
    expect(m.size).toEqual({ purchases: 7, products: 3, customers: 3 });
  });

  it('ignores purchases it has already applied, so the feed can be re-read safely', () => {
    const m = new CoPurchaseModel();
    const page = [
      { id: 1, customerId: 1, productId: 10 },
      { id: 2, customerId: 1, productId: 11 },
    ];
    m.add(page);
    m.add(page);
    expect(m.popularityOf(10)).toBe(1);
    expect(m.coPurchased(10).get(11)).toBe(1);
    expect(m.lastPurchaseId).toBe(2);
  });

  it('ranks the most popular products, skipping excluded ones, and re-ranks after new purchases', () => {
    const m = model([1, 2, 3], [1, 2], [1]);
    expect(m.mostPopular(2)).toEqual([1, 2]);
    expect(m.mostPopular(2, new Set([1]))).toEqual([2, 3]);
    m.add([
      { id: 100, customerId: 7, productId: 3 },
      { id: 101, customerId: 8, productId: 3 },
      { id: 102, customerId: 9, productId: 3 },
    ]);
    expect(m.mostPopular(1)).toEqual([3]);
  });

  it('forgets a deleted product everywhere', () => {
    const m = model([1, 2, 3], [2, 3]);
    m.forgetProduct(3);
    expect(m.popularityOf(3)).toBe(0);
    expect(m.coPurchased(2).has(3)).toBe(false);
    expect(m.boughtNext(2).has(3)).toBe(false);
    expect(m.mostPopular(10)).not.toContain(3);
    expect(m.maxPopularity).toBe(2);
  });
});

describe('CoPurchaseModel at the documented 10x scale', () => {
  it('forgets a product among 250,000 purchased products without a RangeError', () => {
    const m = new CoPurchaseModel();
    const purchases = Array.from({ length: 250_000 }, (_, i) => ({
      id: i + 1,
      customerId: i + 1, // one purchase per customer: no pairs, just popularity entries
      productId: i + 1,
    }));
    purchases.push({ id: 250_001, customerId: 1, productId: 7 });
    m.add(purchases);
    expect(m.size.products).toBe(250_000);
    expect(() => m.forgetProduct(7)).not.toThrow();
    expect(m.popularityOf(7)).toBe(0);
    expect(m.maxPopularity).toBe(1);
  });
});
