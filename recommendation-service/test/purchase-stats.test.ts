import { describe, expect, it } from 'vitest';
import { PurchaseStats, partnerList } from '../src/ranking/purchase-stats.js';

// Issue 12, bug 8: a product delete at the documented 10x scale must not throw (a spread of
// ~200k values into Math.max overflowed the stack, and the outbox retried the delete forever).
describe('PurchaseStats at the documented 10x scale', () => {
  it('forgets a product among 250,000 purchased products, everywhere, without a RangeError', () => {
    const stats = new PurchaseStats();
    const popularity = new Map(
      Array.from({ length: 250_000 }, (_, i) => [i + 1, (i % 7) + 1] as [number, number]),
    );
    stats.update({
      version: 250_000,
      purchases: 1_000_000,
      customers: 100_000,
      popularity,
      trending: popularity,
      partners: {
        together: new Map([
          [
            1,
            partnerList([
              [7, 3],
              [2, 1],
            ]),
          ],
        ]),
        next: new Map([[7, partnerList([[1, 2]])]]),
      },
    });
    expect(() => stats.forgetProduct(7)).not.toThrow();
    expect(stats.purchasesOf(7)).toBe(0);
    expect(stats.trendingOf(7)).toBe(0);
    expect([...stats.partners('together', 1).ids]).toEqual([2]);
    expect(stats.partners('next', 7).ids).toHaveLength(0);
    expect(stats.mostPopular(3)).not.toContain(7);
  });
});
