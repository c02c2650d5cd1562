import type { App } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, testConfig } from './helper.js';

type Json = Record<string, unknown>;

describe('categories and products', () => {
  let app: App;

  const post = async (url: string, payload: Json) => app.inject({ method: 'POST', url, payload });
  const put = async (url: string, payload: Json) => app.inject({ method: 'PUT', url, payload });
  const get = async (url: string) => app.inject({ method: 'GET', url });
  const del = async (url: string) => app.inject({ method: 'DELETE', url });
  const pendingJobs = async () => (await get('/outbox/status')).json().pending_jobs as number;

  beforeAll(async () => {
    app = await startApp(await testConfig());
  });
  afterAll(async () => {
    await app.close();
  });

  it('creates, reads, renames and deletes a category', async () => {
    const created = await post('/category/', { title: '  Garden  ' });
    expect(created.statusCode).toBe(200);
    const category = created.json();
    expect(category).toEqual({ id: expect.any(Number), title: 'Garden' });
    expect((await get(`/category/${category.id}`)).json()).toEqual(category);

    const renamed = await put('/category/', { id: category.id, title: 'Garden & Patio' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toEqual({ id: category.id, title: 'Garden & Patio' });

    const deleted = await del(`/category/${category.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const gone = await get(`/category/${category.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ detail: `Category ${category.id} not found` });
  });

  it('answers 409 for a duplicate category title, ignoring case, on create and rename', async () => {
    const first = await post('/category/', { title: 'Toys' });
    expect(first.statusCode).toBe(200);
    const again = await post('/category/', { title: 'TOYS' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: 'A category titled "TOYS" already exists' });
    const other = (await post('/category/', { title: 'Games' })).json();
    const rename = await put('/category/', { id: other.id, title: 'toys' });
    expect(rename.statusCode).toBe(409);
    expect((await get(`/category/${other.id}`)).json().title).toBe('Games');
    // Changing only the case of its own title is allowed.
    expect((await put('/category/', { id: other.id, title: 'GAMES' })).statusCode).toBe(200);
  });

  it('answers 404 for unknown category ids and 422 for invalid input', async () => {
    expect((await get('/category/999999')).statusCode).toBe(404);
    expect((await put('/category/', { id: 999999, title: 'Nope' })).statusCode).toBe(404);
    expect((await del('/category/999999')).statusCode).toBe(404);
    for (const url of ['/category/abc', '/category/0', '/category/99999999999']) {
      const response = await get(url);
      expect(response.statusCode).toBe(422);
      expect(response.json().detail[0].loc).toEqual(['params', 'id']);
    }
    const empty = await post('/category/', { title: '   ' });
    expect(empty.statusCode).toBe(422);
    const long = await post('/category/', { title: 'x'.repeat(151) });
    expect(long.statusCode).toBe(422);
    expect(long.json().detail[0].loc).toEqual(['body', 'title']);
  });

  it('pages categories and products with skip/limit and X-Total-Count', async () => {
    const category = (await post('/category/', { title: 'Paging' })).json();
    for (let i = 0; i < 12; i++) {
      const response = await post('/products/', { title: `Pager ${i}`, category_id: category.id });
      expect(response.statusCode).toBe(200);
    }
    const firstPage = await get(`/products/?category_id=${category.id}`);
    expect(firstPage.json()).toHaveLength(10);
    expect(firstPage.headers['x-total-count']).toBe('12');
    const all = (await get(`/products/?category_id=${category.id}&limit=100`)).json();
    const ids = all.map((product: { id: number }) => product.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
    const second = await get(`/products/?category_id=${category.id}&skip=10&limit=5`);
    expect(second.json().map((product: { id: number }) => product.id)).toEqual(ids.slice(10));
    expect((await get('/products/?limit=101')).statusCode).toBe(422);
    expect((await get('/products/?category_id=999999')).json()).toEqual([]);

    const categories = await get('/category/?limit=2');
    expect(categories.json()).toHaveLength(2);
    expect(Number(categories.headers['x-total-count'])).toBeGreaterThanOrEqual(3);
  });

  it('creates, reads, updates and deletes a product, with tags as a string array', async () => {
    const category = (await post('/category/', { title: 'Electronics' })).json();
    const created = await post('/products/', {
      title: 'Phone X',
      category_id: category.id,
      description: 'A phone.',
      tags: [' Phone ', 'Camera', 'phone', '5G'],
    });
    expect(created.statusCode).toBe(200);
    const product = created.json();
    // Trimmed, duplicates (ignoring case) dropped, order kept.
    expect(product).toEqual({
      id: expect.any(Number),
      title: 'Phone X',
      category_id: category.id,
      description: 'A phone.',
      tags: ['Phone', 'Camera', '5G'],
    });
    expect((await get(`/products/${product.id}`)).json()).toEqual(product);

    const minimal = await post('/products/', { title: 'Cable', category_id: category.id });
    expect(minimal.json()).toMatchObject({ description: '', tags: [] });
    // `tags: null` is "no tags", as the original's Optional[List[str]] took it (Go and Java send nil lists so).
    const nullTags = await post('/products/', { title: 'Charger', category_id: category.id, tags: null });
    expect([nullTags.statusCode, nullTags.json().tags]).toEqual([200, []]);
    const cleared = await put('/products/', { ...nullTags.json(), tags: null });
    expect([cleared.statusCode, cleared.json().tags]).toEqual([200, []]);

    const updated = await put('/products/', { ...product, title: 'Phone X2', tags: ['Phone'] });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toEqual({ ...product, title: 'Phone X2', tags: ['Phone'] });

    expect((await del(`/products/${product.id}`)).statusCode).toBe(204);
    expect((await get(`/products/${product.id}`)).statusCode).toBe(404);
    expect((await del(`/products/${product.id}`)).statusCode).toBe(404);
  });

  it('answers 409 for a duplicate product title (ignoring case) and keeps the stored row', async () => {
    const category = (await post('/category/', { title: 'Books' })).json();
    const dune = (await post('/products/', { title: 'Dune', category_id: category.id })).json();
    const emma = (await post('/products/', { title: 'Emma', category_id: category.id })).json();
    const again = await post('/products/', { title: 'DUNE', category_id: category.id });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: 'A product titled "DUNE" already exists' });
    const rename = await put('/products/', { ...emma, title: 'dune' });
    expect(rename.statusCode).toBe(409);
    expect((await get(`/products/${emma.id}`)).json().title).toBe('Emma');
    expect(dune.id).toBeGreaterThan(0);
  });

  it('answers 404 for a product in an unknown category, and for unknown product ids', async () => {
    const create = await post('/products/', { title: 'Orphan', category_id: 999999 });
    expect(create.statusCode).toBe(404);
    expect(create.json()).toEqual({ detail: 'Category 999999 not found' });
    const category = (await post('/category/', { title: 'Tools' })).json();
    const product = (await post('/products/', { title: 'Hammer', category_id: category.id })).json();
    const move = await put('/products/', { ...product, category_id: 999999 });
    expect(move.statusCode).toBe(404);
    expect((await get(`/products/${product.id}`)).json().category_id).toBe(category.id);
    const unknown = await put('/products/', { ...product, id: 999999, title: 'Ghost' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Product 999999 not found' });
    expect((await get('/products/999999')).statusCode).toBe(404);
  });

  it('validates descriptions and tags with 422, never 500', async () => {
    const category = (await post('/category/', { title: 'Validation' })).json();
    const cases: [Json, string][] = [
      [{ description: 'x'.repeat(1501) }, 'body.description'],
      [{ tags: 'a,b' }, 'body.tags'],
      [{ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'body.tags'],
      [{ tags: ['x'.repeat(101)] }, 'body.tags.0'],
      [{ tags: ['ok', ''] }, 'body.tags.1'],
      [{ tags: ['a,b'] }, 'body.tags.0'],
      [{ category_id: 'one' }, 'body.category_id'],
    ];
    for (const [change, loc] of cases) {
      const response = await post('/products/', { title: 'Invalid', category_id: category.id, ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(422);
      expect(response.json().detail.map((item: { loc: unknown[] }) => item.loc.join('.'))).toContain(loc);
    }
    const ok = await post('/products/', {
      title: 'Valid',
      category_id: category.id,
      description: 'x'.repeat(1500),
      tags: Array.from({ length: 50 }, (_, i) => `t${i}`.padEnd(100, 'x')),
    });
    expect(ok.statusCode).toBe(200);
  });

  it('stores a lone UTF-16 surrogate in a tag or title as U+FFFD on create and update, never a 500 (issue 12 bug 1)', async () => {
    const category = (await post('/category/', { title: 'Surrogates' })).json();
    const send = (method: 'POST' | 'PUT', body: string) =>
      app.inject({
        method,
        url: '/products/',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
    const created = await send(
      'POST',
      `{"title":"t\\ud800 one","category_id":${category.id},"tags":["a\\ud800b"]}`,
    );
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ title: 't\ufffd one', tags: ['a\ufffdb'] });
    const id = created.json().id;
    const updated = await send(
      'PUT',
      `{"id":${id},"title":"t\\udc00 two","category_id":${category.id},"tags":["\\udfff","ok"]}`,
    );
    expect(updated.statusCode).toBe(200);
    expect((await get(`/products/${id}`)).json()).toMatchObject({
      title: 't\ufffd two',
      tags: ['\ufffd', 'ok'],
    });
  });

  it('reads ids in paths and queries as decimal digits only (issue 12 bug 3)', async () => {
    const category = (await post('/category/', { title: 'Sixteen' })).json();
    for (const form of [
      `0x${category.id.toString(16)}`,
      `0b${category.id.toString(2)}`,
      `${category.id}e0`,
    ]) {
      expect((await get(`/category/${form}`)).statusCode, form).toBe(422);
      expect((await del(`/category/${form}`)).statusCode, form).toBe(422);
    }
    expect((await get(`/category/${category.id}`)).statusCode).toBe(200);
    expect((await get('/products/?limit=0x10')).statusCode).toBe(422);
    expect((await get('/products/?limit=1e2')).statusCode).toBe(422);
  });

  it('refuses to delete a category that still has products (409), and deletes it once empty', async () => {
    const category = (await post('/category/', { title: 'Kitchen' })).json();
    const product = (await post('/products/', { title: 'Pan', category_id: category.id })).json();
    const refused = await del(`/category/${category.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/still has products/);
    expect((await get(`/category/${category.id}`)).statusCode).toBe(200);
    expect((await del(`/products/${product.id}`)).statusCode).toBe(204);
    expect((await del(`/category/${category.id}`)).statusCode).toBe(204);
  });

  it('writes an outbox job with every product change and a category rename', async () => {
    const category = (await post('/category/', { title: 'Outboxed' })).json();
    const before = await pendingJobs();
    const a = (await post('/products/', { title: 'Job A', category_id: category.id })).json();
    await post('/products/', { title: 'Job B', category_id: category.id });
    expect(await pendingJobs()).toBe(before + 2);
    await put('/products/', { ...a, description: 'changed' });
    expect(await pendingJobs()).toBe(before + 3);
    await put('/category/', { id: category.id, title: 'Outboxed renamed' });
    expect(await pendingJobs()).toBe(before + 5);
    // A no-op rename re-sends nothing.
    await put('/category/', { id: category.id, title: 'Outboxed renamed' });
    expect(await pendingJobs()).toBe(before + 5);
    await del(`/products/${a.id}`);
    expect(await pendingJobs()).toBe(before + 6);
    // Failed writes queue nothing.
    await post('/products/', { title: 'Job B', category_id: category.id });
    await post('/products/', { title: 'Job C', category_id: 999999 });
    expect(await pendingJobs()).toBe(before + 6);
    const status = (await get('/outbox/status')).json();
    expect(status).toMatchObject({ enabled: false, pending_products: expect.any(Number) });
    expect(status.oldest_pending_age_seconds).toBeGreaterThanOrEqual(0);
  });

  it('serves health, readiness, Swagger UI and the OpenAPI document', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok', service: 'catalog-service' });
    expect((await get('/readyz')).json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
    expect([200, 302]).toContain((await get('/docs')).statusCode);
    const doc = (await get('/docs/json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/category/',
        '/category/{id}',
        '/products/',
        '/products/{id}',
        '/Purchases/',
        '/Purchases/{purchase_id}',
        '/Purchases/customer_purchased_products/{customer_id}',
        '/outbox/status',
      ]),
    );
  });
});
