import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '../src/http.js';
import { SMALL_DATASET, type Stack, startStack } from '../src/stack.js';

const database = process.env.DATABASE_URL ? 'Postgres' : 'PGlite';

function statuses(answers: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

// Everything over real HTTP against listening services, all requests in flight at once.
describe(`concurrent writes over HTTP (${database})`, () => {
  let stack: Stack;
  let users: string;
  let catalog: string;

  beforeAll(async () => {
    stack = await startStack({ dataset: SMALL_DATASET, recommendations: { REINDEX_ON_EMPTY: 'false' } });
    users = stack.users.url;
    catalog = stack.catalog.url;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('50 identical customer creates: exactly one row, the other 49 answer 409', async () => {
    const customer = {
      title: 'Concurrent Carla',
      gender: 'F',
      age: 41,
      location: 'Bergen',
      preference: 'Books',
    };
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => callJson(`${users}/customer/`, 'POST', customer)),
    );
    expect(statuses(answers)).toEqual({ 200: 1, 409: 49 });
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(answer.body).toEqual({ detail: 'A customer named "Concurrent Carla" already exists' });
    }
    const total = Number((await fetch(`${users}/customer/?limit=1`)).headers.get('x-total-count'));
    const matching: unknown[] = [];
    for (let skip = 0; skip < total; skip += 100) {
      const page = (await callJson(`${users}/customer/?limit=100&skip=${skip}`, 'GET')).body as unknown as {
        title: string;
      }[];
      matching.push(...page.filter((row) => row.title === customer.title));
    }
    expect(matching).toHaveLength(1);
  });

  it('50 category creates of one title in different letter cases: one row, 49 × 409', async () => {
    const titles = Array.from({ length: 50 }, (_, index) =>
      index % 2 === 0 ? 'Parallel Gadgets' : 'PARALLEL gadgets',
    );
    const answers = await Promise.all(
      titles.map((title) => callJson(`${catalog}/category/`, 'POST', { title })),
    );
    expect(statuses(answers)).toEqual({ 200: 1, 409: 49 });
    const categories = (await callJson(`${catalog}/category/?limit=100`, 'GET')).body as unknown as {
      title: string;
    }[];
    expect(categories.filter((row) => row.title.toLowerCase() === 'parallel gadgets')).toHaveLength(1);
  });

  it('50 identical product creates: one row, one outbox delivery, the rest 409', async () => {
    const category = await callJson(`${catalog}/category/`, 'POST', { title: 'Parallel Products' });
    const product = { title: 'Parallel Lamp', category_id: category.body.id, tags: ['lamp', 'light'] };
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => callJson(`${catalog}/products/`, 'POST', product)),
    );
    expect(statuses(answers)).toEqual({ 200: 1, 409: 49 });
    const listed = (await callJson(`${catalog}/products/?category_id=${category.body.id}&limit=100`, 'GET'))
      .body;
    expect(listed).toHaveLength(1);
    await eventually(
      async () => (await callJson(`${catalog}/outbox/status`, 'GET')).body.pending_jobs === 0,
      20_000,
    );
  });

  it('100 parallel purchases: every one stored exactly once, ids in feed order', async () => {
    const products = (await callJson(`${catalog}/products/?limit=5`, 'GET')).body as unknown as {
      id: number;
    }[];
    const customers = (await callJson(`${users}/customer/?limit=10`, 'GET')).body as unknown as {
      id: number;
    }[];
    const feed = (await callJson(`${catalog}/Purchases/?after_id=0&limit=5000`, 'GET')).body as unknown as {
      id: number;
    }[];
    const lastId = feed.at(-1)?.id ?? 0;
    const orders = Array.from({ length: 100 }, (_, index) => ({
      product_id: products[index % products.length]!.id,
      customer_id: customers[index % customers.length]!.id,
    }));
    const answers = await Promise.all(
      orders.map((order) => callJson(`${catalog}/Purchases/`, 'POST', order)),
    );
    expect(statuses(answers)).toEqual({ 200: 100 });
    const ids = answers.map((answer) => answer.body.id!);
    expect(new Set(ids).size).toBe(100);
    const after = (await callJson(`${catalog}/Purchases/?after_id=${lastId}&limit=5000`, 'GET'))
      .body as unknown as {
      id: number;
      customer_id: number;
      product_id: number;
    }[];
    expect(after.map((row) => row.id)).toEqual([...ids].sort((a, b) => a - b));
    // Each stored purchase is the order that created it.
    const byId = new Map(after.map((row) => [row.id, row]));
    answers.forEach((answer, index) => {
      expect(byId.get(answer.body.id!)).toMatchObject(orders[index]!);
    });
  });

  it('concurrent updates of one product: the last committed write is the one vectorised', async () => {
    const category = await callJson(`${catalog}/category/`, 'POST', { title: 'Racing Updates' });
    const created = await callJson(`${catalog}/products/`, 'POST', {
      title: 'Racer v0',
      category_id: category.body.id,
    });
    const id = created.body.id!;
    for (let round = 1; round <= 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          callJson(`${catalog}/products/`, 'PUT', {
            id,
            title: `Racer r${round} v${index + 1}`,
            category_id: category.body.id,
            tags: [`round-${round}`, `writer-${index + 1}`],
          }),
        ),
      );
      expect(statuses(answers)).toEqual({ 200: 20 });
    }
    const final = (await callJson(`${catalog}/products/${id}`, 'GET')).body as {
      title: string;
      tags: string[];
    };
    expect(final.title).toMatch(/^Racer r3 v\d+$/);
    const store = stack.recommendations.app.deps.vectorStore;
    await eventually(
      async () => (await store.get([id]))[0]?.productTitle === final.title,
      20_000,
      `the vector of product ${id} to carry "${final.title}"`,
    );
    // And it stays so: no late delivery of an older state overwrites it.
    await eventually(
      async () => (await callJson(`${catalog}/outbox/status`, 'GET')).body.pending_jobs === 0,
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await store.get([id]))[0]?.productTitle).toBe(final.title);
  });
});
