import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buy, catalogSettled, json, newCustomer, type Stack, startStack } from './helper.js';

type Answer = { product_id: number }[];

/**
 * A purchase recommendation-service is not told of (catalog-service's dataset import writes no
 * outbox row; here the push is lost) arrives through the purchase feed only. A customer's history
 * held from before must not hide it until HISTORY_CACHE_TTL_MS: on a first start, customers asked
 * during the import got answers without their purchases for 10 s after the feed had copied them.
 */
describe('a purchase that arrives through the purchase feed only', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ HISTORY_CACHE_TTL_MS: '600000' });
    await catalogSettled(stack);
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it("shows in the customer's answers once the feed copied it, though their history was held", async () => {
    const reco = stack.recommendations.url;
    const { localPurchases, histories, catalog } = stack.recommendations.app.deps;
    const customer = await newCustomer(stack, 'Unpushed Buyer');
    const [first] = await json<Answer>(`${reco}/recommendation/${customer}`);
    // The push is lost, and the feed waits until it was.
    const { markStale } = localPurchases;
    const { invalidate } = histories;
    const { purchasesAfter } = catalog;
    let lost = 0;
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    localPurchases.markStale = async () => {};
    histories.invalidate = () => {
      lost++;
      return 0;
    };
    catalog.purchasesAfter = async (...args) => {
      await gate;
      return purchasesAfter.apply(catalog, args);
    };
    let purchase: { id: number };
    try {
      purchase = await buy(stack, customer, first!.product_id);
      await eventually(() => lost > 0, 20_000, 'the push lost');
    } finally {
      localPurchases.markStale = markStale;
      histories.invalidate = invalidate;
      release();
      catalog.purchasesAfter = purchasesAfter;
    }
    await eventually(() => localPurchases.stats.copiedUpTo >= purchase.id, 20_000, 'the purchase copied');
    const answer = await json<Answer>(`${reco}/recommendation/${customer}`);
    expect(answer.map((item) => item.product_id)).not.toContain(first!.product_id);
  }, 60_000);
});
