import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseConfigShape, databaseUrl, durationMs, flag, loadConfig, serviceUrl } from '@ecom/service-kit';
import { z } from 'zod';

const serviceRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(serviceRoot, '..');

const millis = (fallback: number) => durationMs(1, 600_000).default(fallback);

// Exported for packages/e2e's compose test: it checks these keys against .env.example and compose.
export const configSchema = z.object({
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8111),
  DATABASE_URL: databaseUrl,
  /** Embedded database folder, used when DATABASE_URL is not set. */
  DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  DATASET_PATH: z.string().default(path.join(repoRoot, 'dataset.csv')),
  /** Import categories, products and purchases from the dataset at start-up (idempotent). */
  IMPORT_ON_START: flag(true),
  /** Purchase rows written per transaction by the dataset import. */
  IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(20_000).default(5_000),

  /** Unset: port 8101 where HOST is reached (readConfig). */
  USER_SERVICE_URL: serviceUrl,
  /** Per-attempt deadline of a customer look-up. */
  // The range recommendation-service takes for the same variable: `npm start` gives both one value.
  USER_SERVICE_TIMEOUT_MS: durationMs(50, 60_000).default(2_000),
  /** Extra attempts for a customer look-up after a network error or a 5xx. */
  USER_SERVICE_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /**
   * How long a customer found in user-service is answered from memory (0: always ask). A change
   * there is then seen up to this late, and a held customer's purchase is recorded while
   * user-service is down. Off by default: recommendation-service holds histories itself, so this
   * saves nothing on its warm path.
   */
  CUSTOMER_CACHE_TTL_MS: durationMs(0, 600_000).default(0),

  /** Unset: port 8121 where HOST is reached (readConfig). */
  RECOMMENDATION_SERVICE_URL: serviceUrl,
  /** Deadline of one delivery call (a batch may be embedded by a real model: be generous). */
  RECOMMENDATION_SERVICE_TIMEOUT_MS: millis(30_000),
  /** Deliver product changes to recommendation-service (the outbox is written either way). */
  OUTBOX_ENABLED: flag(true),
  /**
   * How often the dispatcher looks for work when nothing woke it, and probes a receiver that is
   * down (connection refused) during a backoff.
   */
  OUTBOX_POLL_INTERVAL_MS: millis(1_000),
  /** Products per batch upsert call. */
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(256),
  /**
   * First and largest delay between failed deliveries (exponential in between); cut short when
   * a receiver that was down answers its readiness probe (dispatcher.ts, backOff).
   */
  OUTBOX_MIN_BACKOFF_MS: millis(500),
  OUTBOX_MAX_BACKOFF_MS: millis(30_000),
});

export type Config = z.infer<typeof configSchema>;

export const MIGRATIONS_DIR = path.join(serviceRoot, 'prisma', 'migrations');
export const DB_SCHEMA = 'catalog_schema';

// A first delay above the largest would be capped to it without a word (dispatcher.ts, outageDelay).
const checkedConfigSchema = configSchema.refine(
  (config) => config.OUTBOX_MIN_BACKOFF_MS <= config.OUTBOX_MAX_BACKOFF_MS,
  {
    path: ['OUTBOX_MIN_BACKOFF_MS'],
    message:
      'must not be above OUTBOX_MAX_BACKOFF_MS (the first delay between failed deliveries, then the largest)',
  },
);

export const readConfig = (env: Record<string, string | undefined> = process.env): Config =>
  loadConfig(checkedConfigSchema, env, { USER_SERVICE_URL: 8101, RECOMMENDATION_SERVICE_URL: 8121 });
