import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerPurchases } from '../src/clients/catalog-client.js';
import { catalogSettled, type Stack, startStack } from './helper.js';

// The recommender keeps a state per customer (their vector or neighbour lists, their last answers)
// and reuses it while what it was made from is unchanged. These tests give it a history as
// HistoryCache would after a reload and compare with a customer seen for the first time ("twin":
// the same history under an id never asked before): both must get the same answer.

type Query = Parameters<Stack['recommendations']['app']['deps']['recommender']['recommend']>[1];
type Answer = Awaited<ReturnType<Stack['recommendations']['app']['deps']['recommender']['recommend']>>;

const store = process.env.MILVUS_ADDRESS ? 'Milvus' : 'embedded store';

describe(`a customer's prepared state (${store})`, () => {
  let stack: Stack;
  const deps = () => stack.recommendations.app.deps;
  let nextTwin = 1_000_000;

  beforeAll(async () => {
    stack = await startStack();
    await catalogSettled(stack);
    await deps().neighbours!.idle();
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  const rank = (history: CustomerPurchases, query: Partial<Query> = {}): Promise<Answer> =>
    deps().recommender.recommend(history, {
      limit: 10,
      exclude_purchased: true,
      strategy: 'hybrid',
      ...query,
    });
  /** The answer for a customer never asked before with this history. */
  const fresh = (history: CustomerPurchases, query: Partial<Query> = {}) =>
    rank({ ...history, id: nextTwin++ }, query);

  /** A history of these products, newest first, as catalog-service would answer it. */
  const historyOf = (id: number, productIds: number[]): CustomerPurchases => ({
    id,
    title: `Customer ${id}`,
    age: 40,
    gender: 'Female',
    location: 'Oslo',
    preference: 'Books',
    purchases: productIds.map((productId, i) => {
      const product = deps().productDirectory.get(productId)!;
      return {
        purchase_id: 100_000 + i,
        product_id: productId,
        product_title: product.productTitle,
        product_tags: [],
        category_id: product.categoryId,
        category_title: product.categoryTitle,
        purchased_at: new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString(),
      };
    }),
  });

  it('ranks from a history loaded again after a purchased product was renamed and moved', async () => {
    const held = await deps().histories.get(3, undefined, true);
    const renamedId = held.purchases[0]!.product_id;
    const moved = deps()
      .productDirectory.ids()
      .map((id) => deps().productDirectory.get(id)!)
      .find((product) => product.categoryId !== held.purchases[0]!.category_id)!;
    // What the history says once HistoryCache loads it again (its TTL passed, or a push).
    const reloaded: CustomerPurchases = {
      ...held,
      purchases: held.purchases.map((item) =>
        item.product_id === renamedId
          ? {
              ...item,
              product_title: 'Brass Reading Lamp',
              product_tags: ['reading', 'brass'],
              category_id: moved.categoryId,
              category_title: moved.categoryTitle,
            }
          : item,
      ),
    };
    const queries: Partial<Query>[] = [{}, { strategy: 'original' }, { category_id: moved.categoryId }];
    let changed = 0;
    for (const query of queries) {
      await rank(held, query); // the state and the answer are held
      const answer = await rank(reloaded, query);
      expect(answer, JSON.stringify(query)).toEqual(await fresh(reloaded, query));
      if (JSON.stringify(answer) !== JSON.stringify(await fresh(held, query))) changed++;
    }
    expect(changed, 'the rename changes some answer').toBeGreaterThan(0);
  });

  it('no longer excludes a purchase older than the latest RANK_HISTORY_LIMIT (100) once it is deleted', async () => {
    const ids = deps().productDirectory.ids();
    expect(ids.length).toBeGreaterThan(101);
    const bought = ids.slice(0, 101);
    const oldest = bought[100]!;
    const customerId = 900_001;
    const before = await rank(historyOf(customerId, bought), { limit: 100 });
    expect(before.map((item) => item.product_id)).not.toContain(oldest);

    const afterDelete = historyOf(customerId, bought.slice(0, 100));
    const answer = await rank(afterDelete, { limit: 100 });
    expect(answer).toEqual(await fresh(afterDelete, { limit: 100 }));
    expect(answer.map((item) => item.product_id)).toContain(oldest);
  });

  it('ranks again from the neighbour lists a state made while they were being built', async () => {
    const neighbours = deps().neighbours!;
    // As after an import: every list dropped, built again once the changes are quiet for a second.
    neighbours.productsChanged(deps().productDirectory.ids());
    const histories = await Promise.all([1, 2, 4, 5, 6, 7, 8, 9].map((id) => deps().histories.get(id)));
    await Promise.all(histories.map((history) => rank(history, { limit: 20 })));
    expect(neighbours.count, 'ranked before any list was built again').toBe(0);
    await neighbours.idle();

    for (const history of histories) {
      expect(await rank(history, { limit: 20 }), `customer ${history.id}`).toEqual(
        await fresh(history, { limit: 20 }),
      );
    }
  });

  it("keeps the answers of a customer's latest few queries only, however many a client varies", async () => {
    const history = await deps().histories.get(10);
    const { answerCache } = deps().recommender;
    for (let limit = 1; limit <= 20; limit++) await rank(history, { limit });
    const hits = answerCache.hits;
    await rank(history, { limit: 20 });
    expect(answerCache.hits, 'the latest query is answered from the cache').toBe(hits + 1);
    await rank(history, { limit: 1 });
    expect(answerCache.hits, 'the first of 20 queries was let go').toBe(hits + 1);
  });

  it('never gives the recommended item itself as the reason', async () => {
    const [bought] = deps().productDirectory.ids();
    const { categoryId } = deps().productDirectory.get(bought!)!;
    const history = historyOf(900_002, [bought!]);
    for (const query of [
      { exclude_purchased: false },
      { exclude_purchased: false, category_id: categoryId },
    ]) {
      const answer = await rank(history, query);
      expect(answer.map((item) => item.product_id)).toContain(bought);
      for (const item of answer) {
        expect(item.reason.product_id, JSON.stringify(item)).not.toBe(item.product_id);
        expect(item.reason.text, JSON.stringify(item)).not.toContain('something you bought');
      }
    }
  });
});
