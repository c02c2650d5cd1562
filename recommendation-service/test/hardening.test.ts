import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './helper.js';

// Issue 12: what an outside attack found in recommendation-service, over the real services.

interface Item {
  product_id: number;
  product: string;
  category_id: number;
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const post = (url: string, body: string) =>
  json<Record<string, unknown>>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('recommendation-service under hostile input (issue 12)', () => {
  let stack: Stack;
  let reco: string;
  let productCount: number;
  let sample: { id: number; category_id: number };

  const info = async () =>
    (
      await json<{ vector_count: number; reindex: { state: string; removed: number } }>(
        `${reco}/recommendation/info`,
      )
    ).body;

  beforeAll(async () => {
    stack = await startStack();
    reco = stack.recommendations.url;
    const page = await fetch(`${stack.catalog.url}/products/?limit=1`);
    productCount = Number(page.headers.get('x-total-count'));
    sample = ((await page.json()) as { id: number; category_id: number }[])[0]!;
    await eventually(
      async () => (await info()).vector_count === productCount,
      60_000,
      'every product vectorised',
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('stores a lone surrogate in vectorize_product as U+FFFD instead of a 502 (bug 2)', async () => {
    const stored = await post(
      `${reco}/recommendation/vectorize_product`,
      `{"product_id":1999998,"product_title":"Lone \\ud800 surrogate","category_id":${sample.category_id},"category_title":"C\\udc00","product_tags":["x\\ud800"]}`,
    );
    expect(stored).toEqual({ status: 200, body: { product_id: 1999998, status: 'stored' } });
    const { body } = await json<Item[]>(
      `${reco}/recommendation/products/${sample.id}/similar?limit=100&category_id=${sample.category_id}`,
    );
    expect(body.find((item) => item.product_id === 1999998)?.product).toBe('Lone \ufffd surrogate');
  });

  it('re-index removes the vectors of products the catalog no longer has (bug 6)', async () => {
    const stored = await post(
      `${reco}/recommendation/vectorize_product`,
      `{"product_id":1999999,"product_title":"Ghost product","category_id":${sample.category_id},"category_title":"Ghosts"}`,
    );
    expect(stored.status).toBe(200);
    expect((await json(`${reco}/recommendation/products/1999999/similar`)).status).toBe(200);
    expect((await post(`${reco}/recommendation/reindex`, '')).status).toBe(202);
    await eventually(async () => (await info()).reindex.state === 'done', 60_000, 're-index done');
    expect(await info()).toMatchObject({ vector_count: productCount, reindex: { removed: 2 } });
    expect((await json(`${reco}/recommendation/products/1999999/similar`)).status).toBe(404);
    const { body } = await json<Item[]>(`${reco}/recommendation/products/${sample.id}/similar?limit=100`);
    expect(body.some((item) => item.product_id >= 1999998)).toBe(false);
  });

  it('a re-index embeds again the vectors the store lost while the database lists them as embedded', async () => {
    // As Milvus restarted without its data, minus the collection: the store lacks what the database lists.
    const page = await json<{ id: number }[]>(`${stack.catalog.url}/products/?limit=5`);
    await stack.recommendations.app.deps.vectorStore.delete(page.body.map((product) => product.id));
    expect((await info()).vector_count).toBe(productCount - 5);
    expect((await post(`${reco}/recommendation/reindex`, '')).status).toBe(202);
    await eventually(async () => (await info()).reindex.state === 'done', 60_000, 're-index done');
    expect((await info()).vector_count).toBe(productCount);
    expect((await json(`${reco}/recommendation/products/${page.body[0]!.id}/similar`)).status).toBe(200);
  });

  it('answers 404 with a detail for a category filter no product has (bug 9)', async () => {
    for (const url of [
      `${reco}/recommendation/3?category_id=999`,
      `${reco}/recommendation/products/${sample.id}/similar?category_id=999`,
    ]) {
      const { status, body } = await json<{ detail: string }>(url);
      expect(status, url).toBe(404);
      expect(body.detail).toMatch(/category 999/);
    }
    const known = await json<Item[]>(`${reco}/recommendation/3?category_id=${sample.category_id}`);
    expect(known.status).toBe(200);
    // A category the catalog has, with no product vectorised yet: nothing to show, not a typo.
    const fresh = await post(`${stack.catalog.url}/category/`, '{"title":"Brand New Shelf"}');
    const empty = await json<Item[]>(`${reco}/recommendation/3?category_id=${fresh.body.id}`);
    expect(empty).toEqual({ status: 200, body: [] });
  });
});
