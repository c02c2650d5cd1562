import os from 'node:os';
import type { RunningService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogSettled,
  REPLICAS_CAN_RUN,
  REPLICAS_NEED,
  type Stack,
  startReplica,
  startStack,
} from './helper.js';

// The freshness promise (README, "Freshness"): a purchase stops being recommended, and a
// deleted product disappears from recommendations, within 200 ms of the write's 2xx. Warm
// caches are the point: the customer's history and answers are cached before each write.
const PROMISE_MS = 200;
/** Polls this often; a check costs one recommendation request. */
const POLL_MS = 5;

interface Item {
  product_id: number;
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * The bound checked: the promise on a machine that is not oversubscribed, stretched by the
 * run-queue per core when it is (the whole suite on 2 cores reaches a load of 15). A broken
 * push is still caught: without it a held history changes only after HISTORY_CACHE_TTL_MS (10 s).
 */
function allowedMs(): number {
  return PROMISE_MS * Math.max(1, os.loadavg()[0]! / os.cpus().length);
}

/** Milliseconds from now until `gone()` is true, polling; gives up at 10× the promise. */
async function msUntil(gone: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await gone()) return performance.now() - started;
    const elapsed = performance.now() - started;
    if (elapsed > Math.max(PROMISE_MS * 10, allowedMs() * 2)) return elapsed;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Buys the top recommendation of `reco` (its answer warm and settled) and times until `reco` drops it. */
async function purchaseGone(reco: string, catalog: string, name: string): Promise<void> {
  const customerId = 5;
  const url = `${reco}/recommendation/${customerId}?limit=5`;
  // Warm and settled: the history and the answer are cached, and the purchase statistics
  // (followed from the feed) no longer change the answer.
  let top = -1;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await json<Item[]>(url);
    expect(answer.status).toBe(200);
    if (answer.body[0]!.product_id === top) break;
    top = answer.body[0]!.product_id;
    if (Date.now() > deadline) throw new Error('recommendations for the customer never settled');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  const bought = await json<{ id: number }>(`${catalog}/Purchases/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer_id: customerId, product_id: top }),
  });
  expect(bought.status).toBe(200);
  const ms = await msUntil(async () => !(await json<Item[]>(url)).body.some((i) => i.product_id === top));
  console.info(`freshness (${name}): purchase gone from recommendations ${ms.toFixed(0)} ms after its 2xx`);
  expect(ms, `purchase still recommended ${ms.toFixed(0)} ms after its 2xx`).toBeLessThanOrEqual(allowedMs());
  // And for good: later answers agree.
  expect((await json<Item[]>(url)).body.some((i) => i.product_id === top)).toBe(false);
}

/** Creates a product, waits until `reco` recommends it, deletes it and times until `reco` drops it. */
async function deletedProductGone(reco: string, catalog: string, name: string): Promise<void> {
  const category = (await json<{ id: number }[]>(`${catalog}/category/`)).body[0]!;
  const created = await json<{ id: number }>(`${catalog}/products/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      title: 'Fleeting Gadget',
      category_id: category.id,
      description: 'x',
      tags: ['gadget'],
    }),
  });
  expect(created.status).toBe(200);
  const productId = created.body.id;
  const url = `${reco}/recommendation/3?limit=100&category_id=${category.id}`;
  const listed = async () => (await json<Item[]>(url)).body.some((i) => i.product_id === productId);
  const deadline = Date.now() + 20_000;
  while (!(await listed())) {
    if (Date.now() > deadline) throw new Error('the new product never reached recommendations');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  expect((await fetch(`${catalog}/products/${productId}`, { method: 'DELETE' })).status).toBe(204);
  const ms = await msUntil(async () => !(await listed()));
  console.info(`freshness (${name}): deleted product gone ${ms.toFixed(0)} ms after its 2xx`);
  expect(ms, `deleted product still recommended ${ms.toFixed(0)} ms after its 2xx`).toBeLessThanOrEqual(
    allowedMs(),
  );
  expect(await listed()).toBe(false);
}

const stores = [
  { name: 'embedded store', store: 'embedded' as const, skip: undefined },
  {
    name: 'Milvus',
    store: 'default' as const,
    skip: process.env.MILVUS_ADDRESS
      ? undefined
      : 'MILVUS_ADDRESS is not set (bash .ci/start-milvus-lite.sh)',
  },
];

for (const { name, store, skip } of stores) {
  if (skip) console.warn(`skipping the freshness promise on ${name}: ${skip}`);
  describe.skipIf(skip !== undefined)(`freshness promise (${name})`, () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack({}, store);
      const total = Number(
        (await fetch(`${stack.catalog.url}/products/?limit=1`)).headers.get('x-total-count'),
      );
      const deadline = Date.now() + 60_000;
      for (;;) {
        const info = (
          await json<{ vector_count: number }>(`${stack.recommendations.url}/recommendation/info`)
        ).body;
        if (info.vector_count === total) break;
        if (Date.now() > deadline) throw new Error('products not vectorised in 60 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }, 180_000);

    afterAll(async () => {
      await stack?.close();
    });

    it(`a purchase stops being recommended within ${PROMISE_MS} ms of its 2xx`, () =>
      purchaseGone(stack.recommendations.url, stack.catalog.url, name));

    it(`a deleted product disappears from recommendations within ${PROMISE_MS} ms of its 2xx`, () =>
      deletedProductGone(stack.recommendations.url, stack.catalog.url, name));
  });
}

if (!REPLICAS_CAN_RUN) console.warn(`skipping the freshness promise on a second replica: ${REPLICAS_NEED}`);
/**
 * Two replicas on one Postgres database and one Milvus collection, both following the purchase
 * feed at its default tick (2 s): catalog-service's push reaches replica A only, as a load
 * balancer would send it, and replica B must keep the promise too.
 */
describe.skipIf(!REPLICAS_CAN_RUN)(
  `freshness promise on a replica the push did not reach (${REPLICAS_NEED})`,
  () => {
    let stack: Stack;
    let replicaB: RunningService;

    beforeAll(async () => {
      const tick = { PURCHASE_SYNC_INTERVAL_MS: '2000' }; // its default
      stack = await startStack(tick);
      await catalogSettled(stack);
      replicaB = await startReplica(stack, tick, true);
    }, 180_000);

    afterAll(async () => {
      await replicaB?.close();
      await stack?.close();
    });

    it(`a purchase stops being recommended by replica B within ${PROMISE_MS} ms of its 2xx`, () =>
      purchaseGone(replicaB.url, stack.catalog.url, 'replica B'));

    it(`a deleted product disappears from replica B's recommendations within ${PROMISE_MS} ms of its 2xx`, () =>
      deletedProductGone(replicaB.url, stack.catalog.url, 'replica B'));

    it('shows on /metrics that each replica hears the others', async () => {
      for (const url of [stack.recommendations.url, replicaB.url]) {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(metrics).toMatch(/^recommendation_replica_notifications_listening\{[^}]*\} 1$/m);
      }
    });
  },
);
