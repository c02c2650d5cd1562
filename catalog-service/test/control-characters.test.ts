import { vectorizeProductSchema } from '@ecom/contracts';
import type { App, AppWith } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { startApp, testConfig } from './helper.js';

// Security finding C: "Shoe \u202egnp.exe" (RLO) was stored and shown reversed, "Shoe exe.png".
const CONTROL = /^Must not contain control characters .* or bidi embedding\/override characters/;

describe('control characters in categories and products', () => {
  let app: App;
  const send = (method: 'POST' | 'PUT', url: string, payload: object) => app.inject({ method, url, payload });
  const totals = async () =>
    Promise.all(
      ['/category/', '/products/'].map(async (url) => (await app.inject(url)).headers['x-total-count']),
    );

  beforeAll(async () => {
    app = await startApp(await testConfig());
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 422 naming the field for one inside a title, a tag or a description, and stores nothing', async () => {
    const category = (await send('POST', '/category/', { title: 'Shoes' })).json();
    const product = { title: 'Runner', category_id: category.id, description: '', tags: ['Sport'] };
    const before = await totals();
    for (const [method, url, payload, loc] of [
      ['POST', '/category/', { title: 'Bell\u0007s' }, ['body', 'title']],
      ['PUT', '/category/', { id: category.id, title: 'Bell\u0007s' }, ['body', 'title']],
      ['POST', '/products/', { ...product, title: 'Shoe \u202egnp.exe' }, ['body', 'title']],
      ['POST', '/products/', { ...product, tags: ['ok', 'Evil\u001b[2J'] }, ['body', 'tags', 1]],
      ['POST', '/products/', { ...product, description: 'Clear\u001b[2J' }, ['body', 'description']],
    ] as const) {
      const response = await send(method, url, payload);
      expect(response.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(422);
      expect(response.json()).toEqual({
        detail: [{ loc, msg: expect.stringMatching(CONTROL), type: 'string_control' }],
      });
    }
    expect(await totals()).toEqual(before);
    expect((await app.inject(`/category/${category.id}`)).json().title).toBe('Shoes');
  });

  it('keeps tab, line feed and carriage return inside a description', async () => {
    const category = (await send('POST', '/category/', { title: 'Lines' })).json();
    const description = 'First line\r\n\tSecond line\nThird';
    const created = await send('POST', '/products/', {
      title: 'Multi',
      category_id: category.id,
      description,
    });
    expect([created.statusCode, created.json().description]).toEqual([200, description]);
  });

  it('still answers and delivers categories and products stored before the rule, as stored', async () => {
    const { prisma } = (app as AppWith<Deps>).deps;
    const category = await prisma.category.create({ data: { title: 'Old\u001b[2JCategory' } });
    const data = {
      title: 'Shoe \u202egnp.exe',
      categoryId: category.id,
      description: 'Bell\u0007',
      tags: ['Evil\u001b[31m'],
    };
    const product = await prisma.product.create({ data });
    const readCategory = await app.inject(`/category/${category.id}`);
    expect([readCategory.statusCode, readCategory.json()]).toEqual([
      200,
      { id: category.id, title: category.title },
    ]);
    const readProduct = await app.inject(`/products/${product.id}`);
    expect([readProduct.statusCode, readProduct.json()]).toEqual([
      200,
      {
        id: product.id,
        title: data.title,
        category_id: category.id,
        description: data.description,
        tags: data.tags,
      },
    ]);
    for (const url of ['/category/?limit=100', '/products/?limit=100']) {
      expect((await app.inject(url)).statusCode, url).toBe(200);
    }
    // recommendation-service still takes it from the outbox and gives it a vector.
    const payload = {
      product_id: product.id,
      product_title: data.title,
      category_id: category.id,
      category_title: category.title,
      product_tags: data.tags,
      product_description: data.description,
    };
    expect(vectorizeProductSchema.parse(payload)).toEqual(payload);
  });
});
