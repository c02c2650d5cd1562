import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { type Stack, startStack } from './helper.js';

// Issue 10, goal 2: a customer's first recommendation ranks from recommendation-service's own
// copies (purchases from the purchase feed, customers from user-service's customer feed)
// instead of asking catalog-service (which asks user-service). The owners still decide:
// unknown and deleted customers are 404, a purchase is out at once (freshness.test.ts).

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Requests a service answered on one route, from its /metrics. */
async function answered(baseUrl: string, route: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('http_request_duration_seconds_count{') && line.includes(`route="${route}"`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

const HISTORY_ROUTE = '/Purchases/customer_purchased_products/:customer_id';
const CUSTOMER_ROUTE = '/customer/:id';

describe('the first recommendation for a customer', () => {
  let stack: Stack;
  let reco: string;
  let catalog: string;
  let users: string;
  let customerIds: number[];
  const recoDeps = () => stack.recommendations.app.deps as Deps;

  beforeAll(async () => {
    stack = await startStack({ CUSTOMER_SYNC_INTERVAL_MS: '500' }, 'embedded');
    reco = stack.recommendations.url;
    catalog = stack.catalog.url;
    users = stack.users.url;
    const products = Number((await fetch(`${catalog}/products/?limit=1`)).headers.get('x-total-count'));
    const purchases = (await json<{ id: number }[]>(`${catalog}/Purchases/?after_id=0&limit=1000`)).body;
    // Settled: every product vectorised and every purchase copied.
    await eventually(
      async () => {
        const info = (await json<{ vector_count: number }>(`${reco}/recommendation/info`)).body;
        const copied = recoDeps().localPurchases.stats.copiedUpTo;
        // The directory is written after the vectors: a product not in it yet is read from catalog-service.
        const listed = recoDeps().productDirectory.size;
        return info.vector_count === products && listed === products && copied >= purchases.at(-1)!.id;
      },
      60_000,
      'the products vectorised and the purchases copied',
    );
    customerIds = (await json<{ id: number }[]>(`${users}/customer/?limit=100`)).body.map((c) => c.id);
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('asks neither catalog-service nor user-service, and ranks what the history hop would', async () => {
    const [first, second] = customerIds.slice(-2) as [number, number];
    const before = [await answered(catalog, HISTORY_ROUTE), await answered(users, CUSTOMER_ROUTE)];
    const answer = await json<{ product_id: number }[]>(`${reco}/recommendation/${first}?limit=20`);
    expect(answer.status).toBe(200);
    expect(answer.body).toHaveLength(20);
    await json(`${reco}/recommendation/${second}`);
    expect([await answered(catalog, HISTORY_ROUTE), await answered(users, CUSTOMER_ROUTE)]).toEqual(before);

    // The same answer as from catalog-service's history: `strategy=original` still reads it
    // there (it needs the tags), and a customer marked stale is read there too.
    const bought = (
      await json<{ purchases: { product_id: number }[] }>(
        `${catalog}/Purchases/customer_purchased_products/${first}`,
      )
    ).body.purchases.map((p) => p.product_id);
    expect(bought.length).toBeGreaterThan(0);
    for (const item of answer.body) expect(bought).not.toContain(item.product_id);
    recoDeps().histories.invalidate([first]);
    await recoDeps().localPurchases.markStale([first]);
    const fromCatalog = await json<{ product_id: number }[]>(`${reco}/recommendation/${first}?limit=20`);
    expect(await answered(catalog, HISTORY_ROUTE)).toBe(before[0]! + 2); // the check above, and this
    expect(fromCatalog.body).toEqual(answer.body);
    expect(recoDeps().localPurchases.read(first).staleMark).toBeNull();
  });

  it('asks the vector store nothing once the products it needs have their neighbour lists', async () => {
    const deps = recoDeps();
    await deps.neighbours!.idle(); // built in the background after the start
    expect(deps.neighbours!.count).toBe(deps.productDirectory.size);
    const store = deps.vectorStore;
    const calls: string[] = [];
    const { search, get } = store;
    store.search = (...args) => {
      calls.push('search');
      return search.apply(store, args);
    };
    store.get = (...args) => {
      calls.push('get');
      return get.apply(store, args);
    };
    try {
      for (const customerId of customerIds.slice(0, 10)) {
        const answer = await json<{ reason: { kind: string } }[]>(
          `${reco}/recommendation/${customerId}?limit=20`,
        );
        expect(answer.status).toBe(200);
        expect(answer.body.some((item) => item.reason.kind === 'similar_to')).toBe(true);
      }
      expect(calls).toEqual([]);
      // A category filter still searches the store (the lists may hold few of its products).
      const category = (await json<{ category_id: number }[]>(`${reco}/recommendation/${customerIds[0]}`))
        .body[0]!;
      await json(`${reco}/recommendation/${customerIds[0]}?category_id=${category.category_id}`);
      expect(calls).toContain('search');
    } finally {
      store.search = search;
      store.get = get;
    }
  });

  it('answers 404 for an unknown customer, and for a deleted one once the directory heard of it', async () => {
    expect((await json(`${reco}/recommendation/999999`)).status).toBe(404);
    const created = await json<{ id: number }>(`${users}/customer/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Brand New', gender: 'M', age: 50, location: 'Lima', preference: 'Tea' }),
    });
    // Created a moment ago (maybe not in the directory yet): answered all the same.
    expect((await json(`${reco}/recommendation/${created.body.id}`)).status).toBe(200);
    const victim = customerIds[0]!;
    expect((await json(`${reco}/recommendation/${victim}`)).status).toBe(200);
    expect(recoDeps().localPurchases.read(victim).purchases.length).toBeGreaterThan(0);
    expect((await fetch(`${users}/customer/${victim}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(
      async () => {
        // Not held (a held history answers up to HISTORY_CACHE_TTL_MS): a first request again.
        recoDeps().histories.invalidate([victim]);
        return (await json(`${reco}/recommendation/${victim}`)).status === 404;
      },
      5_000,
      'the deleted customer answered 404',
    );
    // Their purchases copied from catalog-service's feed go too (catalog-service keeps them).
    await eventually(
      async () => recoDeps().localPurchases.read(victim).purchases.length === 0,
      5_000,
      "the deleted customer's copied purchases forgotten",
    );
  });
});
