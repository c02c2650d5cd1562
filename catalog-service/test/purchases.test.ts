import type { App, AppWith } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { Deps } from '../src/deps.js';
import { createProduct, startApp, startUserService, TestServer, testConfig } from './helper.js';

type Json = Record<string, unknown>;

const customer = (title: string) => ({
  title,
  gender: 'Female',
  age: 30,
  location: 'Oslo',
  preference: 'Books',
});

describe('purchases against a real user-service', () => {
  let app: App;
  let users: { url: string; app: App };
  let ann: Json & { id: number };
  let ben: Json & { id: number };
  let books: { id: number; title: string };
  let music: { id: number; title: string };
  let dune: { id: number; title: string; tags: string[] };
  let emma: { id: number; title: string; tags: string[] };
  let vinyl: { id: number; title: string; tags: string[] };

  const post = async (url: string, payload: Json) => app.inject({ method: 'POST', url, payload });
  const get = async (url: string) => app.inject({ method: 'GET', url });
  const feedSize = async () => (await get('/Purchases/?limit=5000')).json().length as number;

  beforeAll(async () => {
    users = await startUserService();
    // 200 look-ups at once (the burst test below) outlast testConfig's 500 ms on a busy machine.
    app = await startApp(await testConfig({ USER_SERVICE_URL: users.url, USER_SERVICE_TIMEOUT_MS: '10000' }));
    const createCustomer = async (title: string) =>
      (await users.app.inject({ method: 'POST', url: '/customer/', payload: customer(title) })).json();
    ann = await createCustomer('Ann');
    ben = await createCustomer('Ben');
    books = (await post('/category/', { title: 'Books' })).json();
    music = (await post('/category/', { title: 'Music' })).json();
    dune = (
      await post('/products/', { title: 'Dune', category_id: books.id, tags: ['Book', 'SciFi'] })
    ).json();
    emma = (await post('/products/', { title: 'Emma', category_id: books.id, tags: ['Book'] })).json();
    vinyl = (await post('/products/', { title: 'Vinyl', category_id: music.id, tags: ['Record'] })).json();
  });
  afterAll(async () => {
    await app.close();
    await users.app.close();
  });

  it('records a purchase and answers the PurchaseDetail shape', async () => {
    const response = await post('/Purchases/', {
      product_id: dune.id,
      category_id: books.id,
      customer_id: ann.id,
    });
    expect(response.statusCode).toBe(200);
    const detail = response.json();
    expect(detail).toEqual({
      id: expect.any(Number),
      product_id: dune.id,
      category_id: books.id,
      customer_id: ann.id,
      product_title: 'Dune',
      category_title: 'Books',
      customer_title: 'Ann',
      product_tags: ['Book', 'SciFi'],
      purchased_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await get(`/Purchases/${detail.id}`)).json()).toEqual(detail);
  });

  it('takes the category from the product when category_id is omitted', async () => {
    const response = await post('/Purchases/', { product_id: vinyl.id, customer_id: ann.id });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ category_id: music.id, category_title: 'Music' });
  });

  it('answers 422 for a category_id that disagrees with the product, and writes nothing', async () => {
    const before = await feedSize();
    const response = await post('/Purchases/', {
      product_id: dune.id,
      category_id: music.id,
      customer_id: ann.id,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toMatch(/does not match product/);
    const unknownCategory = await post('/Purchases/', {
      product_id: dune.id,
      category_id: 999999,
      customer_id: ann.id,
    });
    expect(unknownCategory.statusCode).toBe(422);
    expect(await feedSize()).toBe(before);
  });

  it('answers 404 for an unknown product or customer, and writes nothing', async () => {
    const before = await feedSize();
    const noProduct = await post('/Purchases/', { product_id: 999999, customer_id: ann.id });
    expect(noProduct.statusCode).toBe(404);
    expect(noProduct.json()).toEqual({ detail: 'Product 999999 not found' });
    const noCustomer = await post('/Purchases/', { product_id: dune.id, customer_id: 999999 });
    expect(noCustomer.statusCode).toBe(404);
    expect(noCustomer.json()).toEqual({ detail: 'Customer 999999 not found' });
    expect(await feedSize()).toBe(before);
    expect((await get('/Purchases/999999')).statusCode).toBe(404);
    const invalid = await post('/Purchases/', { product_id: 'x' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().detail.map((item: { loc: string[] }) => item.loc.join('.'))).toEqual(
      expect.arrayContaining(['body.product_id', 'body.customer_id']),
    );
  });

  it('writes nothing when the product is deleted between the route checking it and the insert', async () => {
    // The race of POST /Purchases/ and DELETE /products/{id}, in the order that loses it.
    const { purchases, products, prisma } = (app as AppWith<Deps>).deps;
    const fleeting = (await post('/products/', { title: 'Fleeting', category_id: books.id })).json();
    const checked = await purchases.findProduct(fleeting.id);
    expect(checked).not.toBeNull();
    expect(await products.delete(fleeting.id)).toBe(true);
    const before = await feedSize();
    const jobs = () => prisma.customerOutbox.count({ where: { customerId: ben.id } });
    const jobsBefore = await jobs();
    // Null is the route's 404 "Product ... not found"; the customer's outbox row is rolled back too.
    expect(await purchases.create(ben.id, checked!)).toBeNull();
    expect(await feedSize()).toBe(before);
    expect(await jobs()).toBe(jobsBefore);
  });

  it('returns the whole history newest first, with the CustomerPurchases shape', async () => {
    const bought = [];
    for (const product of [dune, emma, vinyl, dune]) {
      bought.push((await post('/Purchases/', { product_id: product.id, customer_id: ben.id })).json());
    }
    const response = await get(`/Purchases/customer_purchased_products/${ben.id}`);
    expect(response.statusCode).toBe(200);
    const history = response.json();
    expect(history).toEqual({
      id: ben.id,
      age: 30,
      title: 'Ben',
      gender: 'Female',
      location: 'Oslo',
      preference: 'Books',
      purchases: expect.any(Array),
    });
    expect(history.purchases.map((p: { purchase_id: number }) => p.purchase_id)).toEqual(
      bought.map((p) => p.id).reverse(),
    );
    expect(history.purchases[0]).toEqual({
      purchase_id: bought[3].id,
      category_id: books.id,
      category_title: 'Books',
      product_id: dune.id,
      product_title: 'Dune',
      product_tags: ['Book', 'SciFi'],
      purchased_at: bought[3].purchased_at,
    });
    const limited = (await get(`/Purchases/customer_purchased_products/${ben.id}?limit=2`)).json();
    expect(limited.purchases.map((p: { purchase_id: number }) => p.purchase_id)).toEqual([
      bought[3].id,
      bought[2].id,
    ]);
  });

  it('orders a history of purchases posted at once as the feed does: newest first by time is by id', async () => {
    const eve = (
      await users.app.inject({ method: 'POST', url: '/customer/', payload: customer('Eve') })
    ).json();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        post('/Purchases/', { product_id: [dune, emma, vinyl][index % 3]!.id, customer_id: eve.id }),
      ),
    );
    const statuses = answers.map((answer) => `${answer.statusCode} ${answer.json().detail ?? ''}`);
    expect(statuses.filter((status) => status !== '200 ')).toEqual([]);
    const history = (await get(`/Purchases/customer_purchased_products/${eve.id}`)).json();
    const ids = history.purchases.map((p: { purchase_id: number }) => p.purchase_id);
    expect(ids).toEqual(answers.map((answer) => answer.json().id).sort((a, b) => b - a));
  });

  it('answers an empty list for a customer without purchases, 404 for an unknown one', async () => {
    const carl = (
      await users.app.inject({ method: 'POST', url: '/customer/', payload: customer('Carl') })
    ).json();
    const empty = await get(`/Purchases/customer_purchased_products/${carl.id}`);
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toMatchObject({ id: carl.id, title: 'Carl', purchases: [] });
    const unknown = await get('/Purchases/customer_purchased_products/999999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Customer 999999 not found' });
  });

  it('serves every purchase after an id, in id order', async () => {
    const all = (await get('/Purchases/?limit=5000')).json();
    expect(all.length).toBeGreaterThanOrEqual(6);
    const ids = all.map((p: { id: number }) => p.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
    expect(all[0]).toEqual({
      id: expect.any(Number),
      customer_id: ann.id,
      product_id: dune.id,
      category_id: books.id,
      purchased_at: expect.any(String),
    });
    const page = (await get(`/Purchases/?after_id=${ids[1]}&limit=2`)).json();
    expect(page.map((p: { id: number }) => p.id)).toEqual(ids.slice(2, 4));
    expect((await get('/Purchases/?limit=5001')).statusCode).toBe(422);
  });

  it('shows the current product and category in history and details', async () => {
    const product = (
      await post('/products/', { title: 'Moving', category_id: books.id, tags: ['a'] })
    ).json();
    const purchase = (await post('/Purchases/', { product_id: product.id, customer_id: ann.id })).json();
    await app.inject({
      method: 'PUT',
      url: '/products/',
      payload: { ...product, category_id: music.id, tags: ['b'] },
    });
    expect((await get(`/Purchases/${purchase.id}`)).json()).toMatchObject({
      category_id: music.id,
      category_title: 'Music',
      product_tags: ['b'],
    });
  });

  it('keeps a purchased product (409) until its purchases are deleted', async () => {
    const product = (await post('/products/', { title: 'Kept', category_id: books.id })).json();
    const purchase = (await post('/Purchases/', { product_id: product.id, customer_id: ann.id })).json();
    const refused = await app.inject({ method: 'DELETE', url: `/products/${product.id}` });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/has purchases/);
    expect((await app.inject({ method: 'DELETE', url: `/Purchases/${purchase.id}` })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/Purchases/${purchase.id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/products/${product.id}` })).statusCode).toBe(204);
  });

  it('shows customer_title null for a purchase whose customer was deleted in user-service', async () => {
    const dora = (
      await users.app.inject({ method: 'POST', url: '/customer/', payload: customer('Dora') })
    ).json();
    const purchase = (await post('/Purchases/', { product_id: emma.id, customer_id: dora.id })).json();
    await users.app.inject({ method: 'DELETE', url: `/customer/${dora.id}` });
    const detail = await get(`/Purchases/${purchase.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().customer_title).toBeNull();
    expect((await get(`/Purchases/customer_purchased_products/${dora.id}`)).statusCode).toBe(404);
  });
});

describe('purchases when user-service is down, hanging or failing', () => {
  let app: App;
  let users: TestServer;
  let productId: number;
  const known = { id: 1, title: 'Ann', gender: 'F', age: 30, location: 'Oslo', preference: 'Books' };

  const feedSize = async () =>
    (await app.inject({ method: 'GET', url: '/Purchases/?limit=5000' })).json().length;
  const buy = () =>
    app.inject({ method: 'POST', url: '/Purchases/', payload: { product_id: productId, customer_id: 1 } });

  beforeAll(async () => {
    users = await TestServer.start((call) =>
      call.path === '/customer/1'
        ? { status: 200, body: known }
        : { status: 404, body: { detail: `Customer ${call.path.split('/').at(-1)} not found` } },
    );
    app = await startApp(await testConfig({ USER_SERVICE_URL: users.url }));
    const category = (
      await app.inject({ method: 'POST', url: '/category/', payload: { title: 'C' } })
    ).json();
    productId = (
      await app.inject({
        method: 'POST',
        url: '/products/',
        payload: { title: 'P', category_id: category.id },
      })
    ).json().id;
  });
  afterAll(async () => {
    await app.close();
    await users.stop();
  });

  it('works while user-service answers', async () => {
    expect((await buy()).statusCode).toBe(200);
  });

  it('answers 503 with a clear detail and writes nothing when user-service is down', async () => {
    const before = await feedSize();
    await users.stop();
    try {
      const response = await buy();
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ detail: 'user-service is unavailable (connection refused)' });
      const history = await app.inject({ method: 'GET', url: '/Purchases/customer_purchased_products/1' });
      expect(history.statusCode).toBe(503);
      expect(history.json().detail).toMatch(/^user-service is unavailable/);
      expect(await feedSize()).toBe(before);
    } finally {
      await users.listen();
    }
    expect((await buy()).statusCode).toBe(200);
  });

  it('answers 503 after its timeout (with one retry) when user-service hangs, and writes nothing', async () => {
    const before = await feedSize();
    const handler = users.handler;
    users.handler = () => ({ status: -1 });
    try {
      const started = Date.now();
      const response = await buy();
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ detail: 'user-service is unavailable (timeout)' });
      // USER_SERVICE_TIMEOUT_MS=500 per attempt, USER_SERVICE_RETRIES=1.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      users.handler = handler;
    }
    expect(await feedSize()).toBe(before);
  });

  it('answers 502 when user-service fails with a 500, and writes nothing', async () => {
    const before = await feedSize();
    const handler = users.handler;
    users.handler = () => ({ status: 500, body: { detail: 'boom' } });
    try {
      const response = await buy();
      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({ detail: 'user-service answered 500' });
    } finally {
      users.handler = handler;
    }
    expect(await feedSize()).toBe(before);
  });
});

describe('a 404 that is not user-service saying "no such customer"', () => {
  it('is a 502 (a wrong USER_SERVICE_URL, a proxy, an old deploy), not "Customer 1 not found"', async () => {
    // What a reverse proxy or another framework answers for a path it does not have.
    const notUserService = await TestServer.start(() => ({ status: 404, body: { detail: 'Not Found' } }));
    const app = await startApp(await testConfig({ USER_SERVICE_URL: notUserService.url }));
    try {
      const product = await createProduct(app, 'Dune', 'Books');
      const purchase = await app.inject({
        method: 'POST',
        url: '/Purchases/',
        payload: { product_id: product.id, customer_id: 1 },
      });
      const history = await app.inject({ method: 'GET', url: '/Purchases/customer_purchased_products/1' });
      expect([purchase.statusCode, history.statusCode]).toEqual([502, 502]);
      expect(history.json()).toEqual({ detail: 'user-service answered 404' });
    } finally {
      await app.close();
      await notUserService.stop();
    }
  });
});

describe("a caller's own x-request-timeout-ms", () => {
  it("is answered as the caller's deadline, not as user-service being down, and logged at info", async () => {
    const ann = { id: 1, title: 'Ann', gender: 'F', age: 30, location: 'Oslo', preference: 'Books' };
    const users = await TestServer.start(() => ({ status: 200, body: ann }));
    const lines: { level: number; msg: string }[] = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line)) };
    const config = await testConfig({ USER_SERVICE_URL: users.url });
    const app = await buildApp(config, { logger: { level: 'info', stream } });
    const history = (ms: string) =>
      app.inject({
        method: 'GET',
        url: '/Purchases/customer_purchased_products/1',
        headers: { 'x-request-timeout-ms': ms },
      });
    const detail = "user-service did not answer within the caller's deadline (x-request-timeout-ms)";
    try {
      await app.ready();
      expect((await history('5000')).statusCode).toBe(200);
      // 1 ms leaves no time to ask user-service at all.
      const none = await history('1');
      expect([none.statusCode, none.json()]).toEqual([503, { detail }]);
      // user-service slower than the client waits (USER_SERVICE_TIMEOUT_MS is 500 here).
      users.handler = () => ({ status: -1 });
      const cut = await history('100');
      expect([cut.statusCode, cut.json()]).toEqual([503, { detail }]);
      expect(lines.filter((line) => line.msg === detail).map((line) => line.level)).toEqual([30, 30]);
      expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    } finally {
      await app.close();
      await users.stop();
    }
  });
});

describe('the customer cache (CUSTOMER_CACHE_TTL_MS)', () => {
  let app: App;
  let users: TestServer;
  const known = { id: 1, title: 'Ann', gender: 'F', age: 30, location: 'Oslo', preference: 'Books' };

  beforeAll(async () => {
    users = await TestServer.start((call) =>
      call.path === '/customer/1'
        ? { status: 200, body: known }
        : { status: 404, body: { detail: `Customer ${call.path.split('/').at(-1)} not found` } },
    );
    app = await startApp(await testConfig({ USER_SERVICE_URL: users.url, CUSTOMER_CACHE_TTL_MS: '60000' }));
  });
  afterAll(async () => {
    await app.close();
    await users.stop();
  });

  it('asks user-service once for a found customer, every time for an unknown one', async () => {
    const history = (id: number) =>
      app.inject({ method: 'GET', url: `/Purchases/customer_purchased_products/${id}` });
    const asked = (path: string) => users.calls.filter((call) => call.path === path).length;
    expect((await history(1)).statusCode).toBe(200);
    expect((await history(1)).statusCode).toBe(200);
    expect(asked('/customer/1')).toBe(1);
    expect((await history(2)).statusCode).toBe(404);
    expect((await history(2)).statusCode).toBe(404);
    expect(asked('/customer/2')).toBe(2);
  });
});

const noTimeZones = process.env.DATABASE_URL
  ? ''
  : ' (skipped: DATABASE_URL is not set; PGlite always runs in UTC)';
describe.skipIf(noTimeZones !== '')(`purchase times on a database in another time zone${noTimeZones}`, () => {
  let app: App;
  let users: { url: string; app: App };

  beforeAll(async () => {
    users = await startUserService();
    const config = await testConfig({ USER_SERVICE_URL: users.url });
    // The database's default for new sessions; the app's own sessions come after it.
    const setUp = await startApp(config);
    await (setUp as AppWith<Deps>).deps.prisma.$executeRawUnsafe(
      `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'Pacific/Chatham'); END $$`,
    );
    await setUp.close();
    app = await startApp(config);
  });
  afterAll(async () => {
    await app?.close();
    await users?.app.close();
  });

  it('stores the true instant and shows it the same way in every read', async () => {
    const post = async (url: string, payload: Record<string, unknown>) =>
      (await app.inject({ method: 'POST', url, payload })).json();
    const customer = (
      await users.app.inject({
        method: 'POST',
        url: '/customer/',
        payload: {
          title: 'Tui',
          gender: 'Female',
          age: 40,
          location: 'Chatham Islands',
          preference: 'Books',
        },
      })
    ).json();
    const category = await post('/category/', { title: 'Maps' });
    const product = await post('/products/', { title: 'Chart', category_id: category.id });
    const before = Date.now();
    const bought = await post('/Purchases/', { product_id: product.id, customer_id: customer.id });
    // +12:45 or +13:45 away from UTC: a shifted time would be hours off.
    expect(Math.abs(Date.parse(bought.purchased_at) - before)).toBeLessThan(60_000);
    const read = async (url: string) => (await app.inject({ method: 'GET', url })).json();
    expect((await read(`/Purchases/${bought.id}`)).purchased_at).toBe(bought.purchased_at);
    const history = await read(`/Purchases/customer_purchased_products/${customer.id}`);
    expect(history.purchases[0].purchased_at).toBe(bought.purchased_at);
    const feed = await read(`/Purchases/?after_id=${bought.id - 1}`);
    expect(feed[0].purchased_at).toBe(bought.purchased_at);
  });
});
