import { eventually, type RunningService, startService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { type CatalogProduct, catalogSettled, json, type Stack, send, startStack } from './helper.js';

type Answer = { product_id: number; score: number; reason: { kind: string } }[];

/**
 * Each embedder has a collection of its own. Run with another one for a while (a switch, or
 * EMBEDDINGS_MODEL=auto falling back to hashing when the model cannot load) and catalog-service's
 * outbox delivers the catalog's changes to that one's collection only: back on the first, its
 * collection must catch up instead of serving the catalog as it was before the switch. A restart
 * on the same embedder and unchanged data changes nothing, not even the first answers.
 */
describe('switching the embedder and back', () => {
  let stack: Stack;
  let recommendations: RunningService<'recommendation-service'>;

  beforeAll(async () => {
    stack = await startStack();
    await catalogSettled(stack);
    recommendations = stack.recommendations;
  }, 180_000);

  afterAll(async () => {
    await recommendations?.close();
    await stack?.catalog.close();
    await stack?.users.close();
  });

  const restart = async (env: Record<string, string>) => {
    const { port } = recommendations;
    await recommendations.close();
    recommendations = await startService('recommendation-service', env, { port });
  };
  const info = () =>
    json<{ reindex: { state: string }; indexed_products: number }>(
      `${recommendations.url}/recommendation/info`,
    );

  // Issue 11: scores mean the same across restarts. The first answers used to be ranked with a
  // vector search while the product neighbour lists were still being built, then from the lists
  // (scores a few thousandths apart, a reason of another kind).
  it('answers after a restart on unchanged data, once /readyz says ready, what it answers once settled', async () => {
    const customers = [1, 2, 3, 4, 5];
    const answers = () =>
      Promise.all(
        customers.map((id) => json<Answer>(`${recommendations.url}/recommendation/${id}?limit=10`)),
      );
    await (recommendations.app.deps as Deps).neighbours!.idle();
    const settled = await answers();
    const { port, env } = recommendations;
    await recommendations.close();
    const restarting = startService('recommendation-service', env, { port, waitForStartUp: false });
    const ready = () =>
      fetch(`${recommendations.url}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
    await expect.poll(ready, { timeout: 60_000, interval: 5 }).toBe(200);
    const atReady = await answers();
    recommendations = await restarting;
    await (recommendations.app.deps as Deps).neighbours!.idle();
    expect(atReady).toEqual(settled);
    expect(await answers()).toEqual(settled);
  }, 120_000);

  it('re-indexes nothing when the catalog did not change meanwhile', async () => {
    const firstEnv = recommendations.env;
    const total = (await info()).indexed_products;
    await restart({ ...firstEnv, HASHING_DIMENSION: '512' });
    await eventually(
      async () => (await info()).indexed_products === total,
      60_000,
      'the other collection filled',
    );
    await restart(firstEnv);
    expect((await info()).reindex.state).toBe('idle');
  }, 120_000);

  it("catches up on the catalog's changes delivered to the other embedder's collection meanwhile", async () => {
    const catalog = stack.catalog.url;
    const firstEnv = recommendations.env;
    await restart({ ...firstEnv, HASHING_DIMENSION: '512' });

    const [category] = await json<{ id: number }[]>(`${catalog}/category/?limit=1`);
    const added = await send<CatalogProduct>(`${catalog}/products/`, {
      title: 'Switchback Trail Lantern',
      category_id: category!.id,
      description: 'Added while the other embedder served',
      tags: ['lantern'],
    });
    const removed = await send<CatalogProduct>(`${catalog}/products/`, {
      title: 'Short-lived Camp Stool',
      category_id: category!.id,
      description: 'Added and deleted while the other embedder served',
      tags: ['stool'],
    });
    const [renamed] = await json<CatalogProduct[]>(`${catalog}/products/?limit=1&skip=7`);
    const newTitle = `${renamed!.title} (new edition)`;
    await send(`${catalog}/products/`, { ...renamed, title: newTitle }, 'PUT');
    expect((await fetch(`${catalog}/products/${removed.id}`, { method: 'DELETE' })).status).toBe(204);
    const directory = () => recommendations.app.deps.productDirectory;
    await eventually(
      () =>
        directory().get(added.id) !== undefined &&
        directory().get(removed.id) === undefined &&
        directory().get(renamed!.id)?.productTitle === newTitle,
      10_000,
      'the outbox delivered the changes to the other embedder',
    );

    await restart(firstEnv);
    await eventually(async () => (await info()).reindex.state === 'done', 60_000, 'the catch-up re-index');
    expect(directory().get(added.id)?.productTitle).toBe(added.title);
    expect(directory().get(removed.id)).toBeUndefined();
    expect(directory().get(renamed!.id)?.productTitle).toBe(newTitle);
    const [stored] = await recommendations.app.deps.vectorStore.get([renamed!.id]);
    expect(stored?.productTitle).toBe(newTitle);
    expect((await fetch(`${recommendations.url}/recommendation/products/${added.id}/similar`)).status).toBe(
      200,
    );

    // Caught up: the next start has nothing to catch up on.
    await restart(firstEnv);
    expect((await info()).reindex.state).toBe('idle');
  }, 180_000);
});
