import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson as call } from '../src/http.js';
import { restart, SMALL_DATASET, type Stack, startStack } from '../src/stack.js';

interface Product {
  id: number;
  title: string;
  category_id: number;
  tags: string[];
}

// user-service being down is covered by catalog-service/test/purchases.test.ts (503, nothing
// written). Here the real recommendation-service goes away and comes back on its own data.
describe('recommendation-service down while the catalog takes writes', () => {
  let stack: Stack;
  const outbox = async () => (await call(`${stack.catalog.url}/outbox/status`)).body;

  beforeAll(async () => {
    stack = await startStack({ dataset: SMALL_DATASET, recommendations: { REINDEX_ON_EMPTY: 'false' } });
    await eventually(async () => (await outbox()).pending_jobs === 0, 60_000, 'the catalog to be vectorised');
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('accepts every product write, keeps them in the outbox, and delivers all of them when it is back', async () => {
    const { catalog } = stack;
    await stack.recommendations.close();

    const category = await call(`${catalog.url}/category/`, 'POST', { title: 'Written While Down' });
    expect(category.status).toBe(200);
    const created: Product[] = [];
    for (let index = 1; index <= 5; index++) {
      const answer = await call(`${catalog.url}/products/`, 'POST', {
        title: `Offline Product ${index}`,
        category_id: category.body.id,
        tags: ['offline', `n${index}`],
      });
      expect(answer.status).toBe(200);
      created.push(answer.body);
    }
    const renamed = await call(`${catalog.url}/products/`, 'PUT', {
      ...created[0],
      title: 'Offline Product 1 (renamed)',
    });
    expect(renamed.status).toBe(200);
    const removed = await call(`${catalog.url}/products/${created[4]!.id}`, 'DELETE');
    expect(removed.status).toBe(204);
    const renamedCategory = await call(`${catalog.url}/category/`, 'PUT', {
      id: category.body.id,
      title: 'Written Offline',
    });
    expect(renamedCategory.status).toBe(200);
    // Reads of the catalog do not need the recommendation service either.
    expect((await call(`${catalog.url}/Purchases/customer_purchased_products/1`)).status).toBe(200);

    const waiting = await eventually(
      async () => {
        const status = await outbox();
        return status.consecutive_failures > 0 ? status : null;
      },
      10_000,
      'a failed delivery',
    );
    expect(waiting.pending_products).toBeGreaterThanOrEqual(5);
    expect(waiting.last_error).toMatch(/^recommendation-service is unavailable/);

    stack.recommendations = await restart(stack.recommendations, 'recommendation-service');

    await eventually(async () => (await outbox()).pending_jobs === 0, 30_000, 'the outbox to drain');
    const store = stack.recommendations.app.deps.vectorStore;
    const vectors = new Map((await store.get(created.map((p) => p.id))).map((v) => [v.productId, v]));
    expect(vectors.get(created[0]!.id)?.productTitle).toBe('Offline Product 1 (renamed)');
    for (const product of created.slice(1, 4)) {
      expect(vectors.get(product.id)).toMatchObject({
        productTitle: product.title,
        categoryTitle: 'Written Offline',
      });
    }
    expect(vectors.has(created[4]!.id)).toBe(false);
    // Nothing lost, nothing extra: one vector per catalog product.
    const total = Number((await fetch(`${catalog.url}/products/?limit=1`)).headers.get('x-total-count'));
    expect(await store.count()).toBe(total);
    const info = await call(`${stack.recommendations.url}/recommendation/info`);
    expect(info.body.vector_count).toBe(total);
  });
});
