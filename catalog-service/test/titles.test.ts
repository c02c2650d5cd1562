import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App, AppWith } from '@ecom/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { startApp, startUserService, testConfig } from './helper.js';

// "Café" as macOS and some CSV exports write it (e + combining acute) and as most keyboards do.
const NFD = 'Cafe\u0301 Beans';
const NFC = 'Caf\u00e9 Beans';
const INVISIBLE = ['\u200b', '\ufeff\u200d', ' \u2060\u200b ', '\u00ad', ''];

describe('category and product titles: one title, one thing', () => {
  let app: App;
  const send = (method: 'POST' | 'PUT', url: string, payload: object) => app.inject({ method, url, payload });
  const total = async (url: string) => (await app.inject(url)).headers['x-total-count'];

  beforeAll(async () => {
    app = await startApp(await testConfig());
  });
  afterAll(async () => {
    await app.close();
  });

  it('stores titles in NFC, so the same title typed decomposed is a 409 on create and update', async () => {
    const category = await send('POST', '/category/', { title: NFD });
    expect(category.statusCode).toBe(200);
    expect(category.json().title).toBe(NFC);
    expect((await send('POST', '/category/', { title: NFC.toUpperCase() })).statusCode).toBe(409);
    const other = (await send('POST', '/category/', { title: 'Tea' })).json();
    expect((await send('PUT', '/category/', { id: other.id, title: NFD })).statusCode).toBe(409);

    const product = await send('POST', '/products/', { title: NFC, category_id: other.id });
    expect(product.statusCode).toBe(200);
    expect((await send('POST', '/products/', { title: NFD, category_id: other.id })).statusCode).toBe(409);
    const second = (await send('POST', '/products/', { title: 'Green Tea', category_id: other.id })).json();
    const renamed = await send('PUT', '/products/', { ...second, title: NFD.toLowerCase() });
    expect(renamed.statusCode).toBe(409);
    expect((await app.inject(`/products/${second.id}`)).json().title).toBe('Green Tea');
  });

  it('trims invisible characters from both ends of a title, so "Café" with one at an edge is a 409', async () => {
    const category = await send('POST', '/category/', { title: '\u200bEdges\u00ad ' });
    expect(category.json().title).toBe('Edges');
    const { id } = category.json();
    expect((await send('POST', '/products/', { title: 'Caf\u00e9', category_id: id })).statusCode).toBe(200);
    for (const title of ['\u200bCaf\u00e9', 'Caf\u00e9\u200b', '\u2060Caf\u00e9\u2060', 'Cafe\u0301\u00ad']) {
      const response = await send('POST', '/products/', { title, category_id: id });
      expect(response.statusCode, JSON.stringify(title)).toBe(409);
    }
    // Between visible characters they are kept, and a variation selector stays with its emoji.
    for (const title of ['Caf\u200b\u00e9', 'Caf\u00e9 \u2764\ufe0f']) {
      const response = await send('POST', '/products/', { title, category_id: id });
      expect(response.json().title).toBe(title);
    }
  });

  it('answers 422 for a title of only invisible characters, as for a blank one, and stores nothing', async () => {
    const category = (await send('POST', '/category/', { title: 'Visible' })).json();
    const [categories, products] = [await total('/category/'), await total('/products/')];
    for (const title of INVISIBLE) {
      for (const [method, url, payload] of [
        ['POST', '/category/', { title }],
        ['PUT', '/category/', { id: category.id, title }],
        ['POST', '/products/', { title, category_id: category.id }],
      ] as const) {
        const response = await send(method, url, payload);
        expect(response.statusCode, `${method} ${url} ${JSON.stringify(title)}`).toBe(422);
        expect(response.json().detail).toEqual([
          { loc: ['body', 'title'], msg: expect.stringMatching(/blank or only invisible/), type: 'custom' },
        ]);
      }
    }
    expect([await total('/category/'), await total('/products/')]).toEqual([categories, products]);
    expect((await app.inject(`/category/${category.id}`)).json().title).toBe('Visible');
  });

  it('still answers categories stored before the rules (NFD, or invisible titles)', async () => {
    const { prisma } = (app as AppWith<Deps>).deps;
    const old = await prisma.category.create({ data: { title: '\u2063' } });
    expect((await app.inject(`/category/${old.id}`)).json()).toEqual({ id: old.id, title: '\u2063' });
    expect((await app.inject('/category/?limit=100')).statusCode).toBe(200);
    expect((await send('PUT', '/category/', { id: old.id, title: 'Fixed' })).statusCode).toBe(200);
  });

  it('says so in the OpenAPI document', async () => {
    const doc = (await app.inject('/docs/json')).json();
    for (const url of ['/category/', '/products/']) {
      const body = doc.paths[url].post.requestBody.content['application/json'].schema;
      const title = (body.properties ?? doc.components.schemas[body.$ref.split('/').pop()].properties).title;
      expect(title.description, url).toMatch(/NFC/);
      expect(title.description, url).toMatch(/invisible/);
    }
  });
});

describe('importing titles as the API stores them', () => {
  it('imports a title typed composed and decomposed as one category and one product, and rejects invisible ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'catalog-titles-'));
    const file = path.join(dir, 'dataset.csv');
    const header =
      'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';
    await writeFile(
      file,
      `${header}1,Ann,30,Female,Oslo,Food,1,Cafe\u0301,${NFD},Beans,Coffee\n` +
        `2,Ben,41,Male,Rome,Food,1,Caf\u00e9,${NFC},Beans,Coffee\n` +
        `3,Cy,30,Male,Rome,Food,2,\u200b,Tea,Leaves,Tea\n` +
        `4,Di,30,Female,Rome,Food,3,Caf\u00e9,\u2060\u200d,Leaves,Tea\n`,
    );
    // The import books rows only for customers user-service holds: a real one, seeded from the file.
    const users = await startUserService(file);
    const app = await startApp(
      await testConfig({ DATASET_PATH: file, IMPORT_ON_START: 'true', USER_SERVICE_URL: users.url }),
    );
    try {
      expect((await app.inject('/category/')).json().map((c: { title: string }) => c.title)).toEqual([
        'Caf\u00e9',
      ]);
      expect((await app.inject('/products/')).json().map((p: { title: string }) => p.title)).toEqual([NFC]);
      const [summary] = (await app.inject('/dataset/imports'))
        .json()
        .map((i: { summary: unknown }) => i.summary);
      expect(summary).toMatchObject({ imported: 2, rejected: 2 });
      expect(summary.issues.map((issue: { reason: string }) => issue.reason)).toEqual([
        'category is empty or only invisible characters',
        'product_name is empty or only invisible characters',
      ]);
    } finally {
      await app.close();
      await users.close();
    }
  });
});
