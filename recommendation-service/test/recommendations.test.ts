import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSettled, type Stack, startStack } from './helper.js';

interface Item {
  product_id: number;
  product: string;
  category_id: number;
  category: string;
  score: number;
}

const store = process.env.MILVUS_ADDRESS ? 'Milvus' : 'embedded store';

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

describe(`recommendations over real services (${store})`, () => {
  let stack: Stack;
  let reco: string;
  let catalog: string;
  let productCount: number;

  const purchasedBy = async (customerId: number): Promise<number[]> => {
    const { body } = await json<{ purchases: { product_id: number }[] }>(
      `${catalog}/Purchases/customer_purchased_products/${customerId}`,
    );
    return body.purchases.map((p) => p.product_id);
  };

  beforeAll(async () => {
    stack = await startStack();
    reco = stack.recommendations.url;
    catalog = stack.catalog.url;
    productCount = await catalogSettled(stack);
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('answers 10 products for a seeded customer, none already bought, no duplicates, best first', async () => {
    const { status, body } = await json<Item[]>(`${reco}/recommendation/3`);
    expect(status).toBe(200);
    expect(body).toHaveLength(10);
    const bought = new Set(await purchasedBy(3));
    expect(bought.size).toBeGreaterThan(0);
    for (const item of body) {
      expect(bought.has(item.product_id)).toBe(false);
      expect(item.product.length).toBeGreaterThan(0);
      expect(item.category.length).toBeGreaterThan(0);
    }
    expect(new Set(body.map((i) => i.product_id)).size).toBe(10);
    const scores = body.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('gives every item a score in [0, 1] and a reason naming a purchase where there is one', async () => {
    const bought = new Set(await purchasedBy(3));
    const { body } = await json<(Item & { reason: { kind: string; product_id?: number; text: string } })[]>(
      `${reco}/recommendation/3?limit=20`,
    );
    for (const item of body) {
      expect(item.score).toBeGreaterThanOrEqual(0);
      expect(item.score).toBeLessThanOrEqual(1);
      expect(item.reason.text.length).toBeGreaterThan(0);
      if (['bought_together', 'bought_next', 'similar_to'].includes(item.reason.kind)) {
        expect(bought.has(item.reason.product_id!)).toBe(true);
      }
    }
    expect(body.some((item) => item.reason.product_id !== undefined)).toBe(true);
  });

  it('never recommends a purchase, for every seeded customer, even at the largest limit', async () => {
    for (let customerId = 1; customerId <= 12; customerId++) {
      const bought = new Set(await purchasedBy(customerId));
      const { body } = await json<Item[]>(`${reco}/recommendation/${customerId}?limit=100`);
      expect(body).toHaveLength(Math.min(100, productCount - bought.size));
      expect(body.filter((item) => bought.has(item.product_id))).toEqual([]);
    }
  });

  it('honours limit and rejects limits out of range', async () => {
    expect((await json<Item[]>(`${reco}/recommendation/3?limit=25`)).body).toHaveLength(25);
    for (const limit of [0, 101, -1, 'x']) {
      const { status, body } = await json<{ detail: unknown[] }>(`${reco}/recommendation/3?limit=${limit}`);
      expect(status).toBe(422);
      expect(Array.isArray(body.detail)).toBe(true);
    }
  });

  it('filters by category', async () => {
    const { body: some } = await json<Item[]>(`${reco}/recommendation/3`);
    const categoryId = some[0]!.category_id;
    const { body } = await json<Item[]>(`${reco}/recommendation/3?category_id=${categoryId}&limit=5`);
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((item) => item.category_id === categoryId)).toBe(true);
  });

  it('recommends from the profile for a customer without purchases', async () => {
    const created = await json<{ id: number }>(`${stack.users.url}/customer/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Cold Start',
        gender: 'Female',
        age: 29,
        location: 'Oslo',
        preference: 'Books',
      }),
    });
    const { status, body } = await json<Item[]>(`${reco}/recommendation/${created.body.id}`);
    expect(status).toBe(200);
    expect(body).toHaveLength(10);
  });

  it('documents the items of /similar as answered: five fields, all sent, the score a similarity in [-1, 1]', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: reading one schema out of the OpenAPI document
    const document = (await json<any>(`${reco}/docs/json`)).body;
    const item =
      document.paths['/recommendation/products/{product_id}/similar'].get.responses['200'].content[
        'application/json'
      ].schema.items;
    const documented = Object.keys(item.properties).sort();
    expect(item.required.sort()).toEqual(documented);
    expect(item.properties.score.description).toContain('[-1, 1]');
    const { body } = await json<Item[]>(`${reco}/recommendation/products/1/similar?limit=100`);
    expect(body.length).toBeGreaterThan(10);
    for (const answered of body) expect(Object.keys(answered).sort()).toEqual(documented);
  });

  it('types product and category ids as integers in every product list, as catalog-service does', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: reading schemas out of the OpenAPI document
    const { paths } = (await json<any>(`${reco}/docs/json`)).body;
    const types: Record<string, string> = {};
    for (const path of [
      '/recommendation/{customer_id}',
      '/recommendation/products/{product_id}/similar',
      '/recommendation/products/{product_id}/bought-together',
    ]) {
      const { properties } = paths[path].get.responses['200'].content['application/json'].schema.items;
      types[`${path} product_id`] = properties.product_id.type;
      types[`${path} category_id`] = properties.category_id.type;
      if (properties.reason)
        types[`${path} reason.product_id`] = properties.reason.properties.product_id.type;
    }
    expect(new Set(Object.values(types))).toEqual(new Set(['integer']));
    expect(Object.keys(types)).toHaveLength(7);
  });

  it('answers 404 for an unknown customer and 422 for a malformed id', async () => {
    const unknown = await json<{ detail: string }>(`${reco}/recommendation/999999`);
    expect(unknown).toEqual({ status: 404, body: { detail: 'Customer 999999 not found' } });
    expect((await json(`${reco}/recommendation/abc`)).status).toBe(422);
  });

  it('keeps the original algorithm available as a baseline; exclude_purchased applies to it too', async () => {
    const purchased = await purchasedBy(3);
    const original = await json<Item[]>(
      `${reco}/recommendation/3?strategy=original&exclude_purchased=false&limit=20`,
    );
    expect(original.status).toBe(200);
    expect(original.body).toHaveLength(20);
    const excluding = await json<Item[]>(`${reco}/recommendation/3?strategy=original&limit=20`);
    expect(excluding.body).toHaveLength(20);
    expect(excluding.body.filter((item) => purchased.includes(item.product_id))).toEqual([]);
  });

  it('reflects a product update and a product delete made through catalog-service', async () => {
    const categories = (await json<{ id: number; title: string }[]>(`${catalog}/category/`)).body;
    const category = categories[0]!;
    const created = await json<{ id: number }>(`${catalog}/products/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Quantum Widget',
        category_id: category.id,
        description: 'A widget',
        tags: ['widget'],
      }),
    });
    expect(created.status).toBe(200);
    const productId = created.body.id;
    await eventually(
      async () => (await json(`${reco}/recommendation/products/${productId}/similar`)).status === 200,
      20_000,
      'the new product vectorised',
    );

    await json(`${catalog}/products/`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: productId,
        title: 'Quantum Widget Pro',
        category_id: category.id,
        description: 'A better widget',
        tags: ['widget', 'pro'],
      }),
    });
    await eventually(
      async () => {
        const { body } = await json<Item[]>(`${reco}/recommendation/3?limit=100&category_id=${category.id}`);
        return body.some((item) => item.product_id === productId && item.product === 'Quantum Widget Pro');
      },
      20_000,
      'the renamed product in recommendations',
    );

    expect((await fetch(`${catalog}/products/${productId}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(
      async () => (await json(`${reco}/recommendation/products/${productId}/similar`)).status === 404,
      20_000,
      'the deleted product gone from the vector store',
    );
    // The store drops the vector a moment before the delivery ends and the cached answers are
    // renewed (VectorSync.delete), so /similar can say 404 while an older answer still lists it.
    await eventually(
      async () => {
        const { body } = await json<Item[]>(`${reco}/recommendation/3?limit=100`);
        return !body.some((item) => item.product_id === productId);
      },
      20_000,
      'the deleted product gone from recommendations',
    );
  });

  it('shows what it runs on', async () => {
    const { body } = await json<Record<string, unknown>>(`${reco}/recommendation/info`);
    expect(body).toMatchObject({
      embedder: expect.stringMatching(/^hashing/),
      store: process.env.MILVUS_ADDRESS ? 'milvus' : 'embedded',
      vector_count: productCount,
    });
  });

  it('answers from the purchase copy while catalog-service is down, and 503 when user-service is down too', async () => {
    const asked = await json<Item[]>(`${reco}/recommendation/3`);
    const create = (title: string) =>
      json<{ id: number }>(`${stack.users.url}/customer/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title, gender: 'F', age: 40, location: 'Oslo', preference: 'Tea' }),
      });
    const fresh = await create('Never Asked');
    expect(fresh.status).toBe(200);
    await stack.catalog.close();
    // A customer never asked for: the copy of the purchases is current (no purchase can be
    // recorded while catalog-service is down) and the customer directory (or user-service)
    // says who they are.
    const answered = await json<Item[]>(`${reco}/recommendation/${fresh.body.id}`);
    expect(answered.status).toBe(200);
    expect(answered.body).toHaveLength(10);
    // Customer 3's history is held and current (purchase changes come from the catalog, now down).
    expect(await json<Item[]>(`${reco}/recommendation/3`)).toEqual(asked);
    // A customer the directory does not list, with user-service down: nothing current can
    // say whether they exist, so 503, not a guess.
    await stack.users.close();
    const { status, body } = await json<{ detail: string }>(`${reco}/recommendation/999999`);
    expect(status).toBe(503);
    expect(body.detail).toMatch(/^user-service is unavailable/);
  });
});
