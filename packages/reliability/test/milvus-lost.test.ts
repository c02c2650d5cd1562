import { scratchName } from '@ecom/db';
import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../src/http.js';
import { PrivateMilvus, privateMilvusSkipReason } from '../src/private-milvus.js';
import { SMALL_DATASET, type Stack, startStack } from '../src/stack.js';

// A Milvus Lite of our own: this test stops it.
const skipReason = privateMilvusSkipReason();

describe.skipIf(skipReason !== null)(
  `Milvus Lite down when recommendation-service starts, later restarted without its data${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let milvus: PrivateMilvus;
    let stack: Stack;
    let productCount: number;
    let productId: number;

    const similar = () => call(`${stack.recommendations.url}/recommendation/products/${productId}/similar`);
    const vectors = () => stack.recommendations.app.deps.vectorStore.count();

    beforeAll(async () => {
      milvus = await PrivateMilvus.start();
      await milvus.stop();
      stack = await startStack({
        dataset: SMALL_DATASET,
        recommendations: {
          MILVUS_ADDRESS: milvus.address,
          MILVUS_COLLECTION_PREFIX: scratchName('lost'),
          MILVUS_TIMEOUT_MS: '3000',
          MILVUS_FLUSH_DELAY_MS: '200',
        },
      });
      const page = await fetch(`${stack.catalog.url}/products/?limit=1`);
      productCount = Number(page.headers.get('x-total-count'));
      productId = ((await page.json()) as { id: number }[])[0]!.id;
    }, 240_000);

    afterAll(async () => {
      await stack?.close();
      await milvus?.destroy();
    });

    it('starts unready, answers 503 and shows no vector count, then indexes the catalog by itself once Milvus is up', async () => {
      const { url } = stack.recommendations;
      const ready = await call(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({ checks: { vector_store: 'unavailable' } });
      const answer = await call(`${url}/recommendation/4`);
      expect(answer.status, answer.body).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({ detail: 'Vector store is unavailable' });
      const overview = await call(`${url}/dashboard/api/overview`);
      expect(overview.status, overview.body).toBe(200);
      // Not 0: staff read that as every vector lost.
      expect(JSON.parse(overview.body).vectors).toBeNull();

      await milvus.startServer();

      await eventually(async () => (await call(`${url}/readyz`)).status === 200, 60_000, 'ready');
      await eventually(async () => (await vectors()) === productCount, 60_000, 'every product embedded');
      expect((await similar()).status).toBe(200);
      // The start-up check for an empty collection ran once Milvus answered; it may still be
      // finishing when the outbox has already delivered every product.
      const reindexState = async () =>
        JSON.parse((await call(`${url}/recommendation/info`)).body).reindex.state;
      await eventually(
        async () => ['done', 'not_needed'].includes(await reindexState()),
        60_000,
        're-index settled',
      );
    }, 180_000);

    it('re-creates the collection Milvus lost and re-indexes the catalog by itself', async () => {
      await milvus.restartEmpty();

      // What a user or a readiness probe asks is enough to notice; no restart, no manual re-index.
      await eventually(async () => (await similar()).status === 200, 60_000, 'similar products again');
      await eventually(
        async () => (await vectors()) === productCount,
        60_000,
        'every product embedded again',
      );
      expect((await call(`${stack.recommendations.url}/readyz`)).status).toBe(200);
    }, 180_000);
  },
);
