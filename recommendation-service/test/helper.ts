import path from 'node:path';
import { createScratchDatabase, type Database, openDatabase, scratchName } from '@ecom/db';
import { closedPort, eventually, type RunningService, startService } from '@ecom/testing';
import { afterAll, beforeAll } from 'vitest';
import { DB_SCHEMA, MIGRATIONS_DIR } from '../src/config.js';
import { PrismaClient } from '../src/generated/prisma/client.js';

export const PROJECT_DATASET = path.resolve(import.meta.dirname, '../../dataset.csv');

export interface Stack {
  users: RunningService;
  catalog: RunningService;
  recommendations: RunningService<'recommendation-service'>;
  close(): Promise<void>;
}

/**
 * The three real services in this process on ephemeral ports, each on its own scratch
 * database, seeded from the project dataset: catalog-service delivers the products to
 * recommendation-service through its outbox, as in production. The vector store is Milvus
 * when MILVUS_ADDRESS is set (a collection prefix of its own, which the run's end drops), the
 * embedded index otherwise.
 */
export async function startStack(
  recommendationEnv: Record<string, string> = {},
  /** `embedded` ignores MILVUS_ADDRESS (tests that cover both stores in one run). */
  store: 'default' | 'embedded' = 'default',
): Promise<Stack> {
  const milvus = store === 'default' ? process.env.MILVUS_ADDRESS : undefined;
  const users = await startService('user-service', { DATASET_PATH: PROJECT_DATASET });
  // Each side needs the other's address: reserve catalog-service's port first.
  const catalogPort = await closedPort();
  const recommendations = await startService('recommendation-service', {
    EMBEDDINGS_MODEL: 'hashing',
    CATALOG_SERVICE_URL: `http://127.0.0.1:${catalogPort}`,
    USER_SERVICE_URL: users.url,
    PURCHASE_SYNC_INTERVAL_MS: '100',
    MILVUS_COLLECTION_PREFIX: scratchName('test'),
    MILVUS_FLUSH_DELAY_MS: '200',
    ...(milvus ? { MILVUS_ADDRESS: milvus } : {}),
    ...recommendationEnv,
  });
  const catalog = await startService(
    'catalog-service',
    {
      DATASET_PATH: PROJECT_DATASET,
      USER_SERVICE_URL: users.url,
      RECOMMENDATION_SERVICE_URL: recommendations.url,
      OUTBOX_POLL_INTERVAL_MS: '100',
    },
    { port: catalogPort },
  );
  return {
    users,
    catalog,
    recommendations,
    async close() {
      await catalog.close();
      await recommendations.close();
      await users.close();
    },
  };
}

/** recommendation-service on its own: its peers' addresses refuse connections, nothing re-indexed at start. */
export async function startAlone(): Promise<RunningService<'recommendation-service'>> {
  const nowhere = `http://127.0.0.1:${await closedPort()}`;
  return startService('recommendation-service', {
    EMBEDDINGS_MODEL: 'hashing',
    CATALOG_SERVICE_URL: nowhere,
    USER_SERVICE_URL: nowhere,
    REINDEX_ON_EMPTY: 'false',
  });
}

/** The replica tests (two recommendation-service processes) run only where both are shared. */
export const REPLICAS_CAN_RUN = Boolean(process.env.DATABASE_URL && process.env.MILVUS_ADDRESS);
export const REPLICAS_NEED =
  'needs DATABASE_URL (Postgres) and MILVUS_ADDRESS (Milvus Lite): replicas share both';

/** A product as catalog-service answers it. */
export interface CatalogProduct {
  id: number;
  title: string;
  category_id: number;
  description: string;
  tags: string[];
}

/** Sends `body` as JSON (POST unless said) and answers the JSON reply; anything but 2xx throws. */
export function send<T>(url: string, body: unknown, method = 'POST'): Promise<T> {
  return json<T>(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A new customer through user-service; answers its id. */
export async function newCustomer(stack: Stack, title: string): Promise<number> {
  const profile = { title, gender: 'Female', age: 30, location: 'Oslo', preference: '' };
  return (await send<{ id: number }>(`${stack.users.url}/customer/`, profile)).id;
}

/** A purchase through catalog-service, whose outbox pushes it here; answers the purchase (its id). */
export function buy(stack: Stack, customerId: number, productId: number): Promise<{ id: number }> {
  return send(`${stack.catalog.url}/Purchases/`, { customer_id: customerId, product_id: productId });
}

/** A JSON answer; anything but 2xx throws with the method, URL, status and body. */
export async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Waits until the stack's recommendation-service (replica A) vectorised the whole catalog and
 * learned the seeded purchases; answers the number of products.
 */
export async function catalogSettled(stack: Stack): Promise<number> {
  const total = Number((await fetch(`${stack.catalog.url}/products/?limit=1`)).headers.get('x-total-count'));
  type Info = {
    vector_count: number | null;
    indexed_products: number;
    purchase_statistics: { purchases: number };
  };
  await eventually(
    async () => {
      const current = await json<Info>(`${stack.recommendations.url}/recommendation/info`);
      // Both: vectors are stored before the directory lists them (vector-sync.ts).
      return (
        current.vector_count === total &&
        current.indexed_products === total &&
        current.purchase_statistics.purchases > 0
      );
    },
    60_000,
    'replica A vectorised the catalog and learned the seeded purchases',
  );
  return total;
}

/**
 * A second recommendation-service on replica A's database and vector collection; it learns nothing
 * itself unless `learnPurchases` (then it follows the purchase feed too, as every replica does in production).
 */
export function startReplica(stack: Stack, env: Record<string, string> = {}, learnPurchases = false) {
  const { DATA_DIR: _ownDir, ...shared } = stack.recommendations.env;
  return startService('recommendation-service', { ...shared, ...env }, { buildOptions: { learnPurchases } });
}

/** Which database the database tests run on, for their names. */
export const DATABASE_KIND = process.env.DATABASE_URL ? 'Postgres' : 'PGlite';

/**
 * recommendation-service's migrated database for the tests of one file, on a scratch
 * Postgres database when DATABASE_URL is set and in-memory PGlite otherwise; closed after
 * the file. `prisma()` is its client once `beforeAll` ran.
 */
export function useServiceDatabase(scratchPrefix: string): { prisma(): PrismaClient } {
  let database: Database | undefined;
  let prisma: PrismaClient | undefined;
  beforeAll(async () => {
    const base = process.env.DATABASE_URL;
    database = await openDatabase({
      databaseUrl: base ? await createScratchDatabase(base, scratchPrefix) : undefined,
      dataDir: 'memory://',
      schema: DB_SCHEMA,
      migrationsDir: MIGRATIONS_DIR,
    });
    await database.migrate();
    prisma = new PrismaClient({ adapter: database.adapter });
  }, 60_000);
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.close();
  });
  return {
    prisma: () => {
      if (!prisma) throw new Error('the database opens in beforeAll');
      return prisma;
    },
  };
}
