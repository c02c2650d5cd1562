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

// The freshness mechanism (README, "Freshness"): a purchase's push drops the customer's held
// history, a product DELETE's push removes it from recommendations, and a replica the push did
// not reach hears it through Postgres NOTIFY. How fast is a benchmark's claim (`pnpm
// bench:freshness`, docs/benchmarks.md); here every fallback that could also explain the change
// waits 10 minutes, so a change seen within the test's wait can only come from the push or the
// notification, however slow the machine.
const TEN_MINUTES = '600000';
const NO_FALLBACK = {
  HISTORY_CACHE_TTL_MS: TEN_MINUTES,
  PURCHASE_SYNC_INTERVAL_MS: TEN_MINUTES,
  RECOMMENDATION_CACHE_STATS_LAG_MS: TEN_MINUTES,
};
/** Far below the fallbacks' 10 minutes, far above what a loaded 2-core machine takes. */
const WAIT = { timeout: 30_000, interval: 20 };
/** A test waits up to twice (created, then gone) and warms up first. */
const TEST_TIMEOUT_MS = 90_000;

interface Item {
  product_id: number;
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Waits until `gone()` holds; prints how long it took, for people (not a bound). */
async function untilGone(what: string, gone: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  await expect.poll(gone, { ...WAIT, message: `${what}: still recommended` }).toBe(true);
  console.info(`freshness: ${what} gone ${(performance.now() - started).toFixed(0)} ms after its 2xx`);
}

/** Buys the top recommendation of `reco` (its answer warm and settled) and waits until `reco` drops it. */
async function purchaseGone(reco: string, catalog: string, name: string): Promise<void> {
  const customerId = 5;
  const url = `${reco}/recommendation/${customerId}?limit=5`;
  // Warm and settled: the history and the answer are cached, and the purchase statistics
  // no longer change the answer.
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
  await untilGone(
    `${name}: the purchase`,
    async () => !(await json<Item[]>(url)).body.some((i) => i.product_id === top),
  );
  // And for good: later answers agree.
  expect((await json<Item[]>(url)).body.some((i) => i.product_id === top)).toBe(false);
}

/** Creates a product, waits until `reco` recommends it, deletes it and waits until `reco` drops it. */
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
  await expect.poll(listed, { ...WAIT, message: 'the new product never reached recommendations' }).toBe(true);

  expect((await fetch(`${catalog}/products/${productId}`, { method: 'DELETE' })).status).toBe(204);
  await untilGone(`${name}: the deleted product`, async () => !(await listed()));
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
  if (skip) console.warn(`skipping the freshness tests on ${name}: ${skip}`);
  describe.skipIf(skip !== undefined)(`freshness (${name})`, () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack(NO_FALLBACK, store);
      const total = Number(
        (await fetch(`${stack.catalog.url}/products/?limit=1`)).headers.get('x-total-count'),
      );
      const deadline = Date.now() + 60_000;
      for (;;) {
        const info = (
          await json<{ vector_count: number; indexed_products: number }>(
            `${stack.recommendations.url}/recommendation/info`,
          )
        ).body;
        // The directory too: a product is recommended once it lists it (after its vector is stored).
        if (info.vector_count === total && info.indexed_products === total) break;
        if (Date.now() > deadline) throw new Error('products not vectorised in 60 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }, 180_000);

    afterAll(async () => {
      await stack?.close();
    });

    it(
      "a purchase stops being recommended once its push drops the customer's held history",
      () => purchaseGone(stack.recommendations.url, stack.catalog.url, name),
      TEST_TIMEOUT_MS,
    );

    it(
      'a deleted product disappears from recommendations once its push reaches the service',
      () => deletedProductGone(stack.recommendations.url, stack.catalog.url, name),
      TEST_TIMEOUT_MS,
    );
  });
}

if (!REPLICAS_CAN_RUN) console.warn(`skipping the freshness tests on a second replica: ${REPLICAS_NEED}`);
/**
 * Two replicas on one Postgres database and one Milvus collection: catalog-service's push reaches
 * replica A only, as a load balancer would send it, and replica B takes the change in from
 * Postgres NOTIFY (its feed tick, the safety net, is 10 minutes away).
 */
describe.skipIf(!REPLICAS_CAN_RUN)(`freshness on a replica the push did not reach (${REPLICAS_NEED})`, () => {
  let stack: Stack;
  let replicaB: RunningService;

  beforeAll(async () => {
    // Replica A follows the feed at the tests' tick: it must learn the purchases the import books
    // after its first poll (catalogSettled waits for them). Only B, under test, waits 10 minutes.
    const { PURCHASE_SYNC_INTERVAL_MS: _bOnly, ...replicaA } = NO_FALLBACK;
    stack = await startStack(replicaA);
    await catalogSettled(stack);
    replicaB = await startReplica(stack, NO_FALLBACK, true);
  }, 180_000);

  afterAll(async () => {
    await replicaB?.close();
    await stack?.close();
  });

  it(
    'a purchase stops being recommended by replica B once the notification reaches it',
    () => purchaseGone(replicaB.url, stack.catalog.url, 'replica B'),
    TEST_TIMEOUT_MS,
  );

  it(
    "a deleted product disappears from replica B's recommendations once the notification reaches it",
    () => deletedProductGone(replicaB.url, stack.catalog.url, 'replica B'),
    TEST_TIMEOUT_MS,
  );

  it('shows on /metrics that each replica hears the others', async () => {
    for (const url of [stack.recommendations.url, replicaB.url]) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^recommendation_replica_notifications_listening\{[^}]*\} 1$/m);
    }
  });
});
