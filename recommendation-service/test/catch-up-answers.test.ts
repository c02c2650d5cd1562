import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buy as buyThrough, catalogSettled, json, newCustomer, type Stack, startStack } from './helper.js';

type Answer = { product_id: number; score: number }[];
const PAGE = 5;

/**
 * The answer cache lets an answer lag other customers' purchases (README, "Answer cache"), which
 * is a few purchases in steady state. An answer ranked while the statistics catch up on many (an
 * import, a restart after purchases) is not kept once they moved: it is ranked again.
 */
describe('an answer ranked while the purchase statistics catch up', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      RECOMMENDATION_CACHE_STATS_LAG_MS: '600000',
      HISTORY_CACHE_TTL_MS: '600000',
      PURCHASE_FEED_PAGE_SIZE: String(PAGE),
    });
    await catalogSettled(stack);
    await stack.recommendations.app.deps.neighbours!.idle();
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is ranked again once the catch-up is done, not held', async () => {
    const reco = stack.recommendations.url;
    const { catalog: client, coPurchases } = stack.recommendations.app.deps;
    const reader = 11; // seeded, never asked before
    const top = (await json<Answer>(`${reco}/recommendation/${reader}?limit=10&strategy=original`))[0]!;
    // The feed reads nothing while the purchases are booked (so they make a catch-up of several
    // pages however slowly the machine books them), then stops before its second page until released.
    let booked = () => {};
    const bookings = new Promise<void>((resolve) => (booked = resolve));
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let fullPages = 0;
    let waiting = false;
    const purchasesAfter = client.purchasesAfter;
    client.purchasesAfter = async (...args) => {
      await bookings;
      if (fullPages > 0) {
        waiting = true;
        await gate;
      }
      const page = await purchasesAfter.apply(client, args);
      if (page.length === PAGE) fullPages++;
      return page;
    };
    try {
      // Customers who bought the reader's newest purchase bought this next: a strong signal for it.
      const history = await json<{ purchases: { product_id: number }[] }>(
        `${stack.catalog.url}/Purchases/customer_purchased_products/${reader}`,
      );
      let last = { id: 0 };
      for (let i = 0; i < 10; i++) {
        const buyer = await newCustomer(stack, `Catch-up buyer ${i}`);
        await buyThrough(stack, buyer, history.purchases[0]!.product_id);
        last = await buyThrough(stack, buyer, top.product_id);
      }
      booked();
      await eventually(() => waiting, 20_000, 'the feed halfway through its catch-up');
      const during = await json<Answer>(`${reco}/recommendation/${reader}?limit=10`);
      release();
      await eventually(() => coPurchases.version >= last.id, 20_000, 'the catch-up done');
      const after = await json<Answer>(`${reco}/recommendation/${reader}?limit=10`);
      // What a customer never asked before gets from these statistics, and it moved.
      const settled = await stack.recommendations.app.deps.recommender.recommend(
        { ...(await stack.recommendations.app.deps.histories.get(reader)), id: 2_000_000 },
        { limit: 10, exclude_purchased: true, strategy: 'hybrid' },
      );
      expect(settled).not.toEqual(during);
      expect(after).toEqual(settled);
    } finally {
      booked();
      release();
      client.purchasesAfter = purchasesAfter;
    }
  }, 120_000);
});
