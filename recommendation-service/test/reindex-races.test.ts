import { eventually, type RunningService, startService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogProduct,
  catalogSettled,
  json,
  REPLICAS_CAN_RUN,
  REPLICAS_NEED,
  type Stack,
  send,
  startReplica,
  startStack,
} from './helper.js';

type Recommendations = RunningService<'recommendation-service'>;

const reindexDone = (service: Recommendations) =>
  eventually(
    async () =>
      (await json<{ reindex: { state: string } }>(`${service.url}/recommendation/info`)).reindex.state ===
      'done',
    60_000,
    're-index done',
  );

/** What replica `service` holds of a product: its directory row's title and its stored vector's. */
async function heldTitles(service: Recommendations, productId: number) {
  const { productDirectory, vectorStore } = service.app.deps;
  const [stored] = await vectorStore.get([productId]);
  return { directory: productDirectory.get(productId)?.productTitle, store: stored?.productTitle };
}

/**
 * A re-index reads the catalog's pages, then embeds and writes them. A product change delivered
 * in between is newer than what the run read: the run must not write its older copy over it.
 */
describe('a re-index while products change', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    await catalogSettled(stack);
  }, 180_000);

  afterAll(() => stack?.close());

  it('keeps a product deleted and a product renamed after it read their page', async () => {
    const catalog = stack.catalog.url;
    const service = stack.recommendations;
    const [category] = await json<{ id: number }[]>(`${catalog}/category/?limit=1`);
    // Never bought, so the catalog lets it be deleted.
    const doomed = await send<CatalogProduct>(`${catalog}/products/`, {
      title: 'Doomed Desk Lamp',
      category_id: category!.id,
      description: 'A lamp about to be deleted',
      tags: ['lamp'],
    });
    const [renamed] = await json<CatalogProduct[]>(`${catalog}/products/?limit=1&skip=5`);
    await eventually(
      () => service.app.deps.productDirectory.get(doomed.id) !== undefined,
      10_000,
      'lamp indexed',
    );

    // The run's read of the page with the lamp is held until both changes are delivered.
    const { catalog: client } = service.app.deps;
    const products = client.products.bind(client);
    let pageRead!: () => void;
    const pageWasRead = new Promise<void>((resolve) => {
      pageRead = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    client.products = async (skip, limit) => {
      const page = await products(skip, limit);
      if (page.some((product) => product.id === doomed.id)) {
        pageRead();
        await released;
      }
      return page;
    };
    try {
      expect((await fetch(`${service.url}/recommendation/reindex`, { method: 'POST' })).status).toBe(202);
      await pageWasRead;
      const newTitle = `${renamed!.title} (new edition)`;
      expect((await fetch(`${catalog}/products/${doomed.id}`, { method: 'DELETE' })).status).toBe(204);
      await send(`${catalog}/products/`, { ...renamed, title: newTitle }, 'PUT');
      await eventually(
        () =>
          service.app.deps.productDirectory.get(doomed.id) === undefined &&
          service.app.deps.productDirectory.get(renamed!.id)?.productTitle === newTitle,
        10_000,
        'the outbox delivered the delete and the rename',
      );
      release();
      await reindexDone(service);

      expect(await heldTitles(service, doomed.id)).toEqual({ directory: undefined, store: undefined });
      expect((await fetch(`${service.url}/recommendation/products/${doomed.id}/similar`)).status).toBe(404);
      expect(await heldTitles(service, renamed!.id)).toEqual({ directory: newTitle, store: newTitle });
    } finally {
      release();
      client.products = products;
    }
  }, 120_000);
});

describe.skipIf(!REPLICAS_CAN_RUN)(
  `a re-index on one replica while another stores a change (${REPLICAS_NEED})`,
  () => {
    let stack: Stack;
    let replicaB: Recommendations;
    let catalogToB: RunningService<'catalog-service'>;

    beforeAll(async () => {
      stack = await startStack();
      await catalogSettled(stack);
      replicaB = await startReplica(stack);
      // catalog-service's outbox delivers to replica B now (a load balancer's pick); A re-indexes.
      const { port, env } = stack.catalog;
      await stack.catalog.close();
      catalogToB = await startService(
        'catalog-service',
        { ...env, RECOMMENDATION_SERVICE_URL: replicaB.url, IMPORT_ON_START: 'false' },
        { port },
      );
    }, 180_000);

    afterAll(async () => {
      await catalogToB?.close();
      await replicaB?.close();
      await stack?.recommendations.close();
      await stack?.users.close();
    });

    it('keeps the rename B stored while A was embedding its batch', async () => {
      const catalog = catalogToB.url;
      const a = stack.recommendations;
      const [product] = await json<CatalogProduct[]>(`${catalog}/products/?limit=1&skip=30`);
      // Milvus lost a vector: the run embeds every product again (the slow case: seconds per batch).
      const [lost] = await json<CatalogProduct[]>(`${catalog}/products/?limit=1&skip=90`);
      await a.app.deps.vectorStore.delete([lost!.id]);
      const { embedder } = a.app.deps;
      const embed = embedder.embed.bind(embedder);
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let batchEmbedding!: () => void;
      const embedding = new Promise<void>((resolve) => {
        batchEmbedding = resolve;
      });
      embedder.embed = async (texts) => {
        if (texts.length > 1) {
          batchEmbedding();
          await released;
        }
        return embed(texts);
      };
      try {
        expect((await fetch(`${a.url}/recommendation/reindex`, { method: 'POST' })).status).toBe(202);
        await embedding;
        const newTitle = `${product!.title} (new edition)`;
        await send(`${catalog}/products/`, { ...product, title: newTitle }, 'PUT');
        await eventually(
          () => replicaB.app.deps.productDirectory.get(product!.id)?.productTitle === newTitle,
          10_000,
          'the outbox delivered the rename to B',
        );
        release();
        await reindexDone(a);

        expect(await heldTitles(a, product!.id)).toEqual({ directory: newTitle, store: newTitle });
        await replicaB.app.deps.vectorSync.refresh();
        expect(await heldTitles(replicaB, product!.id)).toEqual({ directory: newTitle, store: newTitle });
        expect((await heldTitles(a, lost!.id)).store, 'the lost vector is back').toBe(lost!.title);
      } finally {
        release();
        embedder.embed = embed;
      }
    }, 120_000);
  },
);
