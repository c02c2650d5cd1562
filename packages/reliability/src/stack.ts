import path from 'node:path';
import { closedPort, type RunningService, type ServiceName, startService } from '@ecom/testing';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const PROJECT_DATASET = path.join(REPO_ROOT, 'dataset.csv');
/** The first 60 rows of the project dataset (51 products, 6 customers): for tests that pay per product. */
export const SMALL_DATASET = path.join(REPO_ROOT, 'packages/reliability/test/fixtures/small-dataset.csv');
export const TOKEN = 'reliability-internal-token-0123456789';

export interface Stack {
  users: RunningService<'user-service'>;
  catalog: RunningService<'catalog-service'>;
  recommendations: RunningService<'recommendation-service'>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Dataset both user-service and catalog-service import; the project dataset by default. */
  dataset?: string;
  /** Extra environment per service, over the defaults below. */
  users?: Record<string, string>;
  catalog?: Record<string, string>;
  recommendations?: Record<string, string>;
}

/**
 * The three real services in this process on ephemeral ports, each on its own scratch
 * database (Postgres when DATABASE_URL is set, PGlite otherwise), seeded from the project
 * dataset, internal routes behind TOKEN. The vector store is the embedded index and the
 * embedder the hashing one unless the caller says otherwise.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataset = options.dataset ?? PROJECT_DATASET;
  const users = await startService('user-service', {
    DATASET_PATH: dataset,
    INTERNAL_API_TOKEN: TOKEN,
    ...options.users,
  });
  // Each side needs the other's address: reserve catalog-service's port first.
  const catalogPort = await closedPort();
  const recommendations = await startService('recommendation-service', {
    EMBEDDINGS_MODEL: 'hashing',
    CATALOG_SERVICE_URL: `http://127.0.0.1:${catalogPort}`,
    USER_SERVICE_URL: users.url,
    PURCHASE_SYNC_INTERVAL_MS: '200',
    CUSTOMER_SYNC_INTERVAL_MS: '200',
    INTERNAL_API_TOKEN: TOKEN,
    ...options.recommendations,
  });
  const catalog = await startService(
    'catalog-service',
    {
      DATASET_PATH: dataset,
      USER_SERVICE_URL: users.url,
      RECOMMENDATION_SERVICE_URL: recommendations.url,
      OUTBOX_POLL_INTERVAL_MS: '100',
      OUTBOX_MIN_BACKOFF_MS: '100',
      OUTBOX_MAX_BACKOFF_MS: '1000',
      INTERNAL_API_TOKEN: TOKEN,
      ...options.catalog,
    },
    { port: catalogPort },
  );
  const stack: Stack = {
    users,
    catalog,
    recommendations,
    // Whatever runs now: a test may have restarted a service in place.
    async close() {
      for (const service of [stack.catalog, stack.recommendations, stack.users]) {
        await service.close().catch(() => {});
      }
    },
  };
  return stack;
}

/** Starts a stopped service again on its port, data and environment. */
export async function restart<Name extends ServiceName>(
  service: RunningService<Name>,
  name: Name,
): Promise<RunningService<Name>> {
  return startService(name, service.env, { port: service.port });
}

export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
