import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '@ecom/db';
import type { AppWith } from '@ecom/service-kit';
import { startService, withScratchDatabase } from '@ecom/testing';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../src/deps.js';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { startApp, testConfig } from './helper.js';

// The migration that brings titles stored before the NFC rule to NFC, in both services.
const NFC_MIGRATION = '20261128000000_nfc_titles';

/**
 * A service's database as the version before NFC left it: every migration but NFC_MIGRATION
 * applied (by the same migrator the service runs), then `statements`.
 */
async function previousVersionDatabase(
  service: 'user-service' | 'catalog-service',
  env: Record<string, string>,
  statements: string[],
): Promise<void> {
  const migrations = path.resolve(import.meta.dirname, `../../${service}/prisma/migrations`);
  const previous = await mkdtemp(path.join(tmpdir(), 'previous-migrations-'));
  await cp(migrations, previous, { recursive: true, filter: (source) => !source.endsWith(NFC_MIGRATION) });
  const database = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    dataDir: path.join(env.DATA_DIR ?? '', service),
    schema: `${service.split('-')[0]}_schema`,
    migrationsDir: previous,
  });
  // Raw SQL only: this client serves either service's schema.
  const prisma = new PrismaClient({ adapter: database.adapter });
  try {
    await database.migrate();
    for (const statement of statements) await prisma.$executeRawUnsafe(statement);
  } finally {
    await prisma.$disconnect();
    await database.close();
    await rm(previous, { recursive: true });
  }
}

// As the previous version stored them from a CSV: decomposed (NFD, as macOS and some exports
// write them), or with an invisible character at an edge.
const JOSE = 'Jose\u0301';
const BEANS = 'Cafe\u0301 Cre\u0300me Beans';
const GROCERY = 'E\u0301picerie';
const KITCHEN = 'Kitchen\u2060';
const MUG = 'Plain Mug\u200b';
const HEADER =
  'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n';
const FIRST_FILE =
  `${HEADER}1,Bob,30,Male,Oslo,Grocery,1,${GROCERY},${BEANS},Coffee beans,"Coffee, Beans"\n` +
  `2,Zoe,40,Female,Paris,Kitchen,2,${KITCHEN},${MUG},A mug,"Mug, Kitchen"\n` +
  `3,${JOSE},50,Male,Lima,Kitchen,2,${KITCHEN},${MUG},A mug,"Mug, Kitchen"\n`;

describe('upgrading a shop whose titles were stored decomposed', () => {
  it('brings them to NFC, so a changed dataset books no duplicate and rejects no customer', async () => {
    const userEnv = await withScratchDatabase('user-service');
    const catalogEnv = await withScratchDatabase('catalog-service');
    // What the previous version stored for FIRST_FILE, and what the migration must leave alone:
    // pairs typed composed once and decomposed once (NFC would make them one), and a category
    // of only an invisible character (trimmed, it would be empty).
    await previousVersionDatabase('user-service', userEnv, [
      `INSERT INTO user_schema.customer (id, title, gender, age, location, preference) VALUES
        (1, 'Bob', 'Male', 30, 'Oslo', 'Grocery'), (2, 'Zoe', 'Female', 40, 'Paris', 'Kitchen'),
        (3, '${JOSE}', 'Male', 50, 'Lima', 'Kitchen'),
        (4, 'Zo\u00eb', 'Female', 20, 'Rome', 'Books'), (5, 'Zoe\u0308', 'Female', 21, 'Rome', 'Books')`,
    ]);
    await previousVersionDatabase('catalog-service', catalogEnv, [
      `INSERT INTO catalog_schema.category (title) VALUES ('${GROCERY}'), ('${KITCHEN}'), ('\u2063')`,
      `INSERT INTO catalog_schema.product (title, category_id, description, tags) VALUES
        ('${BEANS}', 1, 'Coffee beans', '{Coffee,Beans}'), ('${MUG}', 2, 'A mug', '{Mug,Kitchen}'),
        ('Cre\u0300me Tea', 3, 'Tea', '{Tea}'), ('Cr\u00e8me Tea', 3, 'Tea', '{Tea}')`,
      `INSERT INTO catalog_schema.purchase (customer_id, product_id, purchased_at, source_key) VALUES
        (1, 1, '2026-01-01T00:00:00Z', '1:${BEANS.toLowerCase()}#1'),
        (2, 2, '2026-01-02T00:00:00Z', '2:${MUG.toLowerCase()}#1'), (3, 2, '2026-01-03T00:00:00Z', '3:${MUG.toLowerCase()}#1')`,
    ]);

    // The shop appends a row (José buys the beans too) and starts the new version.
    const dir = await mkdtemp(path.join(tmpdir(), 'nfc-upgrade-'));
    const file = path.join(dir, 'dataset.csv');
    await writeFile(
      file,
      `${FIRST_FILE}3,${JOSE},50,Male,Lima,Kitchen,1,${GROCERY},${BEANS},Coffee beans,Coffee\n`,
    );
    const users = await startService('user-service', {
      ...userEnv,
      SEED_ON_START: 'true',
      DATASET_PATH: file,
    });
    const app = await startApp(
      await testConfig({
        ...catalogEnv,
        DATASET_PATH: file,
        IMPORT_ON_START: 'true',
        USER_SERVICE_URL: users.url,
      }),
    );
    try {
      const [summary] = (await app.inject('/dataset/imports'))
        .json()
        .map((i: { summary: unknown }) => i.summary);
      expect(summary).toMatchObject({ imported: 1, skipped: 3, rejected: 0, products_created: 0 });
      const products = (await app.inject('/products/')).json().map((p: { title: string }) => p.title);
      expect(products).toEqual([BEANS.normalize('NFC'), 'Plain Mug', 'Cre\u0300me Tea', 'Cr\u00e8me Tea']);
      const purchased = async (customer: number) =>
        (await app.inject(`/Purchases/customer_purchased_products/${customer}`))
          .json()
          .purchases.map((p: { product_id: number }) => p.product_id);
      expect(await purchased(1)).toEqual([1]);
      expect((await purchased(3)).sort()).toEqual([1, 2]);
      const categories = (await app.inject('/category/')).json().map((c: { title: string }) => c.title);
      expect(categories).toEqual([GROCERY.normalize('NFC'), 'Kitchen', '\u2063']);

      const customers = (await users.app.inject('/customer/?limit=100'))
        .json()
        .map((c: { title: string }) => c.title);
      expect(customers).toEqual(['Bob', 'Zoe', 'Jos\u00e9', 'Zo\u00eb', 'Zoe\u0308']);

      // recommendation-service hears of the renamed products (their titles and their categories').
      const { prisma } = (app as AppWith<Deps>).deps;
      const queued = await prisma.$queryRaw<{ product_id: number }[]>`
        SELECT DISTINCT product_id FROM catalog_schema.outbox ORDER BY product_id`;
      expect(queued.map((row) => row.product_id)).toEqual([1, 2]);
    } finally {
      await app.close();
      await users.close();
      await rm(dir, { recursive: true });
    }
  });
});
