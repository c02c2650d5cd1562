import { scratchName } from '@ecom/db';
import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, send } from '../src/http.js';
import { PrivateMilvus, privateMilvusSkipReason } from '../src/private-milvus.js';
import { findLeak } from '../src/response-checks.js';
import { SMALL_DATASET, type Stack, startStack } from '../src/stack.js';

// A Milvus Lite of our own: this test stops it.
const skipReason = privateMilvusSkipReason();

describe.skipIf(skipReason !== null)(
  `Milvus Lite stops and comes back while the services run${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let milvus: PrivateMilvus;
    let stack: Stack;

    const outboxStatus = async () => JSON.parse((await call(`${stack.catalog.url}/outbox/status`)).body);

    beforeAll(async () => {
      milvus = await PrivateMilvus.start();
      stack = await startStack({
        dataset: SMALL_DATASET,
        recommendations: {
          MILVUS_ADDRESS: milvus.address,
          MILVUS_COLLECTION_PREFIX: scratchName('outage'),
          MILVUS_TIMEOUT_MS: '3000',
          MILVUS_FLUSH_DELAY_MS: '200',
          REINDEX_ON_EMPTY: 'false',
        },
      });
      await eventually(
        async () => (await outboxStatus()).pending_jobs === 0,
        90_000,
        'the catalog to be vectorised',
      );
    }, 240_000);

    afterAll(async () => {
      await stack?.close();
      await milvus?.destroy();
    });

    it('answers 503 "Vector store is unavailable" while Milvus is down, keeps catalog writes, and catches up when it is back', async () => {
      const { catalog, recommendations } = stack;
      expect((await call(`${recommendations.url}/recommendation/3`)).status).toBe(200);
      // Customer 4 was never asked for: no cached answer (see docs/reliability.md) can hide the outage.
      const products = JSON.parse((await call(`${catalog.url}/products/?limit=2`)).body) as {
        id: number;
        title: string;
        category_id: number;
      }[];
      const [changed] = products;

      await milvus.stop();

      const ready = await call(`${recommendations.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({ checks: { vector_store: 'unavailable' } });
      for (const [route, pending] of [
        ['GET /recommendation/4', call(`${recommendations.url}/recommendation/4`)],
        ['GET similar', call(`${recommendations.url}/recommendation/products/${changed!.id}/similar`)],
        [
          'POST vectorize_product',
          call(
            `${recommendations.url}/recommendation/vectorize_product`,
            send('POST', {
              product_id: 880_001,
              product_title: 'Dark Lamp',
              category_id: 1,
              category_title: 'Lamps',
            }),
          ),
        ],
      ] as const) {
        const answer = await pending;
        expect(answer.status, `${route}: ${answer.body}`).toBe(503);
        expect(JSON.parse(answer.body), route).toEqual({ detail: 'Vector store is unavailable' });
        expect(findLeak(answer.body)).toBeNull();
        expect(answer.ms, route).toBeLessThan(10_000);
      }
      expect((await call(`${recommendations.url}/healthz`)).status).toBe(200);

      // The catalog keeps taking writes; the outbox holds them.
      const category = JSON.parse(
        (await call(`${catalog.url}/category/`, send('POST', { title: 'Written In The Dark' }))).body,
      );
      const created = await call(
        `${catalog.url}/products/`,
        send('POST', { title: 'Dark Mode Lamp', category_id: category.id, tags: ['lamp'] }),
      );
      expect(created.status).toBe(200);
      const updated = await call(
        `${catalog.url}/products/`,
        send('PUT', {
          id: changed!.id,
          title: `${changed!.title} (renamed in the dark)`,
          category_id: changed!.category_id,
        }),
      );
      expect(updated.status).toBe(200);
      await eventually(
        async () => {
          const status = await outboxStatus();
          return status.pending_jobs >= 2 && /answered 503/.test(status.last_error ?? '');
        },
        20_000,
        'the outbox to hold the writes',
      );

      await milvus.startServer();

      await eventually(
        async () => (await call(`${recommendations.url}/readyz`)).status === 200,
        60_000,
        'ready again',
      );
      await eventually(async () => (await outboxStatus()).pending_jobs === 0, 60_000, 'the outbox to drain');
      const store = recommendations.app.deps.vectorStore;
      const createdId = JSON.parse(created.body).id as number;
      const vectors = await store.get([createdId, changed!.id]);
      expect(new Map(vectors.map((vector) => [vector.productId, vector.productTitle]))).toEqual(
        new Map([
          [createdId, 'Dark Mode Lamp'],
          [changed!.id, `${changed!.title} (renamed in the dark)`],
        ]),
      );
      const after = await call(`${recommendations.url}/recommendation/3`);
      expect(after.status, after.body).toBe(200);
    }, 240_000);
  },
);
