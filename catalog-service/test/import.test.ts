import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App } from '@ecom/service-kit';
import { startService } from '@ecom/testing';
import { describe, expect, it } from 'vitest';
import {
  createProduct,
  ORIGINAL_DATASET,
  PROJECT_DATASET,
  startApp,
  startUserService,
  testConfig,
} from './helper.js';

const HEADER =
  'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';

async function csv(content: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'catalog-import-'));
  const file = path.join(dir, 'dataset.csv');
  await writeFile(file, content);
  return file;
}

async function all<T>(app: App, url: string): Promise<T[]> {
  const items: T[] = [];
  for (let skip = 0; ; skip += 100) {
    const page = (
      await app.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}skip=${skip}&limit=100` })
    ).json();
    items.push(...page);
    if (page.length < 100) return items;
  }
}

async function counts(app: App) {
  const get = async (url: string) =>
    Number((await app.inject({ method: 'GET', url })).headers['x-total-count']);
  return {
    categories: await get('/category/'),
    products: await get('/products/'),
    purchases: (await app.inject({ method: 'GET', url: '/Purchases/?limit=5000' })).json().length as number,
  };
}

async function lastImport(app: App) {
  const imports = (await app.inject({ method: 'GET', url: '/dataset/imports' })).json();
  return imports[0].summary;
}

describe('importing the original dataset', () => {
  it('imports 6 categories, 54 products and 63 purchases, repairing the 1984 row, idempotently', async () => {
    const users = await startUserService(ORIGINAL_DATASET);
    const config = await testConfig({
      DATASET_PATH: ORIGINAL_DATASET,
      IMPORT_ON_START: 'true',
      USER_SERVICE_URL: users.url,
    });
    const first = await startApp(config);
    try {
      expect(await counts(first)).toEqual({ categories: 6, products: 54, purchases: 63 });
      const summary = await lastImport(first);
      expect(summary).toMatchObject({
        already_imported: false,
        read: 63,
        imported: 63,
        skipped: 0,
        rejected: 0,
        repaired: 2,
        categories_created: 6,
        products_created: 54,
      });
      expect(
        summary.issues.map((issue: { line: number; action: string }) => [issue.line, issue.action]),
      ).toEqual([
        [42, 'repaired'],
        [61, 'repaired'],
      ]);

      const products = await all<{ title: string; description: string; tags: string[]; category_id: number }>(
        first,
        '/products/',
      );
      const book = products.find((product) => product.title === 'Book: "1984"');
      expect(book).toMatchObject({
        description:
          'A dystopian novel by George Orwell exploring surveillance, government control, and individual freedom.',
        tags: ['Book', 'Literature', 'Dystopian', 'Surveillance'],
      });
      // Nothing stored with shifted columns: no description fragment among the tags.
      for (const product of products) {
        for (const tag of product.tags)
          expect(tag.length, `${product.title}: ${tag}`).toBeLessThanOrEqual(40);
      }
      const categories = await all<{ id: number; title: string }>(first, '/category/');
      expect(categories.find((category) => category.id === book?.category_id)?.title).toBe('Books');
      // Every product is queued for vectorising.
      expect((await first.inject({ method: 'GET', url: '/outbox/status' })).json().pending_products).toBe(54);
    } finally {
      await first.close();
    }

    const second = await startApp(config);
    try {
      expect(await counts(second)).toEqual({ categories: 6, products: 54, purchases: 63 });
      expect((await second.inject({ method: 'GET', url: '/dataset/imports' })).json()).toHaveLength(1);
      expect((await second.inject({ method: 'GET', url: '/outbox/status' })).json().pending_jobs).toBe(54);
    } finally {
      await second.close();
      await users.close();
    }
  });
});

describe('importing the project dataset', () => {
  it('imports every row, with the history of a customer in reverse file order', async () => {
    const users = await startUserService(PROJECT_DATASET);
    const app = await startApp(
      await testConfig({
        DATASET_PATH: PROJECT_DATASET,
        IMPORT_ON_START: 'true',
        USER_SERVICE_URL: users.url,
      }),
    );
    try {
      const summary = await lastImport(app);
      expect(summary).toMatchObject({ read: 599, imported: 599, rejected: 0, repaired: 0 });
      expect(await counts(app)).toMatchObject({ products: 151, purchases: 599 });
      expect((await counts(app)).categories).toBeGreaterThanOrEqual(8);
      const feed = (await app.inject({ method: 'GET', url: '/Purchases/?limit=5000' })).json();
      const customerOne = feed.filter((purchase: { customer_id: number }) => purchase.customer_id === 1);
      // File order = id order = time order.
      const times = customerOne.map((purchase: { purchased_at: string }) => purchase.purchased_at);
      expect(times).toEqual([...times].sort());
      expect(new Set(times).size).toBe(times.length);
    } finally {
      await app.close();
      await users.close();
    }
  });
});

describe('importing malformed and changed files', () => {
  it('rejects malformed rows with line numbers, imports the rest, and only adds new rows of a changed file', async () => {
    const rows = [
      '1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,"Book, SciFi"',
      '2,Ben,41,Male,Rome,Books,1,Books,Dune,A novel,"Book, SciFi"',
      '2,Ben,41,Male,Rome,Books,1,Books,Dune,A novel,"Book, SciFi"',
      '3,Cy,30,M', // too few columns
      'x,Di,30,F,Rome,Books,2,Books,Emma,A novel,Book', // bad user id
      '4,Ed,30,M,Rome,Music,3,Music,DUNE,Same product name in another category,Vinyl',
      '4,Ed,30,M,Rome,Music,4,Music,Blue,An album,"Vinyl, Jazz"',
    ];
    const file = await csv(`${HEADER}${rows.join('\n')}\n`);
    let users = await startUserService(file);
    const config = await testConfig({
      DATASET_PATH: file,
      IMPORT_ON_START: 'true',
      IMPORT_BATCH_SIZE: '2',
      USER_SERVICE_URL: users.url,
    });
    const first = await startApp(config);
    try {
      const summary = await lastImport(first);
      expect(summary).toMatchObject({ read: 7, imported: 4, skipped: 0, rejected: 3, repaired: 0 });
      expect(summary.issues).toEqual([
        { line: 5, action: 'rejected', reason: 'expected 11 columns, found 4' },
        { line: 6, action: 'rejected', reason: expect.stringMatching(/user_id "x"/) },
        {
          line: 7,
          action: 'rejected',
          reason: expect.stringMatching(/product "DUNE" is in category "Books" \(line 2\)/),
        },
      ]);
      expect(await counts(first)).toEqual({ categories: 2, products: 2, purchases: 4 });
      // Ben bought Dune twice: both purchases are kept.
      const ben = (await first.inject({ method: 'GET', url: '/Purchases/?limit=5000' }))
        .json()
        .filter((purchase: { customer_id: number }) => purchase.customer_id === 2);
      expect(ben).toHaveLength(2);
      // A user's change through the API survives re-imports.
      const dune = (await all<{ id: number; title: string }>(first, '/products/')).find(
        (p) => p.title === 'Dune',
      )!;
      await first.inject({
        method: 'PUT',
        url: '/products/',
        payload: { ...dune, description: 'Edited', tags: ['Edited'] },
      });
    } finally {
      await first.close();
    }

    // The file changes: a row inserted at the top, one more purchase of Ben, a new product.
    await writeFile(
      file,
      `${HEADER}5,Fay,50,Female,Paris,Books,9,Books,Emma,A novel,Book\n${rows.join('\n')}\n` +
        '2,Ben,41,Male,Rome,Books,1,Books,Dune,A novel,"Book, SciFi"\n',
    );
    // Started again on its data, user-service seeds the new customer (Fay) first.
    await users.close();
    users = await startService('user-service', users.env, { port: users.port });
    const second = await startApp(config);
    try {
      const summary = await lastImport(second);
      expect(summary).toMatchObject({ read: 9, imported: 2, skipped: 4, rejected: 3, products_created: 1 });
      expect(await counts(second)).toEqual({ categories: 2, products: 3, purchases: 6 });
      const dune = (await all<{ title: string; description: string }>(second, '/products/')).find(
        (p) => p.title === 'Dune',
      );
      expect(dune?.description).toBe('Edited');
      expect((await second.inject({ method: 'GET', url: '/dataset/imports' })).json()).toHaveLength(2);
    } finally {
      await second.close();
      await users.close();
    }
  });

  it('rejects a changed row naming a stored product under another category, as the API would (422)', async () => {
    const file = await csv(`${HEADER}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n`);
    const users = await startUserService(file);
    const config = await testConfig({
      DATASET_PATH: file,
      IMPORT_ON_START: 'true',
      USER_SERVICE_URL: users.url,
    });
    const first = await startApp(config);
    // The shop adds a product of its own in a category of its own.
    const rocket = await createProduct(first, 'Rocket Kit', 'Toys');
    await first.close();
    await writeFile(
      file,
      `${HEADER}1,Ann,30,Female,Oslo,Books,1,Books,Dune,A novel,Book\n` +
        '1,Ann,30,Female,Oslo,Books,2,Books,rocket kit,A kit,Toy\n' +
        '1,Ann,30,Female,Oslo,Books,3,Books,Emma,A novel,Book\n',
    );
    const second = await startApp(config);
    try {
      const summary = await lastImport(second);
      expect(summary).toMatchObject({ read: 3, imported: 1, skipped: 1, rejected: 1 });
      expect(summary.issues).toEqual([
        {
          line: 3,
          action: 'rejected',
          reason: 'product "Rocket Kit" is stored in category "Toys", not in this row\'s',
        },
      ]);
      const feed = (await second.inject({ method: 'GET', url: '/Purchases/?limit=5000' })).json();
      expect(feed).toHaveLength(2);
      expect(feed.map((p: { product_id: number }) => p.product_id)).not.toContain(rocket.id);
    } finally {
      await second.close();
      await users.close();
    }
  });

  it('fails start-up with a clear message when the dataset file is missing or has no header', async () => {
    await expect(
      startApp(await testConfig({ DATASET_PATH: '/nonexistent/dataset.csv', IMPORT_ON_START: 'true' })),
    ).rejects.toThrow(/ENOENT|no such file/);
    const headerless = await csv('a,b,c\n1,2,3\n');
    const users = await startUserService();
    try {
      await expect(
        startApp(
          await testConfig({
            DATASET_PATH: headerless,
            IMPORT_ON_START: 'true',
            USER_SERVICE_URL: users.url,
          }),
        ),
      ).rejects.toThrow(/lacks column/);
    } finally {
      await users.close();
    }
  });
});
