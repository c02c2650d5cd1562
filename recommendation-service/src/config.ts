import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseConfigShape, databaseUrl, durationMs, flag, loadConfig, serviceUrl } from '@ecom/service-kit';
import { z } from 'zod';
import { embeddingsConfigShape } from './embedders/config.js';
import { blendParams, rankingConfigShape } from './ranking/config.js';
import { vectorStoreConfigShape } from './vector-store/config.js';

const serviceRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(serviceRoot, '..');

// Exported for packages/e2e's compose test: it checks these keys against .env.example and compose.
export const configSchema = z.object({
  ...baseConfigShape,
  ...embeddingsConfigShape,
  ...vectorStoreConfigShape,
  ...rankingConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8121),
  DATABASE_URL: databaseUrl,
  /** Embedded database and vector index folder, used when DATABASE_URL / MILVUS_ADDRESS are not set. */
  DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  /** Unset: port 8111 where HOST is reached (readConfig). */
  CATALOG_SERVICE_URL: serviceUrl,
  /** Per-attempt deadline for calls to catalog-service. */
  CATALOG_TIMEOUT_MS: durationMs(50, 60_000).default(2_000),
  CATALOG_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  /** How long a loaded history is reused (pushed purchase changes drop it at once); 0: never. */
  HISTORY_CACHE_TTL_MS: durationMs(0, 3_600_000).default(10_000),
  /** Customers whose history is kept in memory. */
  HISTORY_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
  /** Unset: port 8101 where HOST is reached (readConfig). */
  USER_SERVICE_URL: serviceUrl,
  USER_SERVICE_TIMEOUT_MS: durationMs(50, 60_000).default(2_000),
  /** How often the dashboard's latency chart samples the request histogram of GET /recommendation/{id}. */
  DASHBOARD_SAMPLE_INTERVAL_MS: durationMs(200, 300_000).default(5_000),
  /** How often user-service's customer feed is polled: a customer's changes show within about this. */
  CUSTOMER_SYNC_INTERVAL_MS: durationMs(100, 60_000).default(1_000),
  /** How often catalog-service's purchase feed is polled; each tick also takes in other replicas' product changes. */
  PURCHASE_SYNC_INTERVAL_MS: durationMs(100, 3_600_000).default(2_000),
  /**
   * When the vector collection is empty at start, pull every product from catalog-service and
   * embed it; when it is behind another embedder's (docs/embedders.md), what changed.
   */
  REINDEX_ON_EMPTY: flag(true),
});

export type Config = z.infer<typeof configSchema>;

export const MIGRATIONS_DIR = path.join(serviceRoot, 'prisma', 'migrations');
export const DB_SCHEMA = 'recommendation_schema';
/** The channel the database notifies replicas on (migration 20261130000000_replica_notifications). */
export const CHANGES_CHANNEL = 'recommendation_changes';

// All weights 0 would score every product 0: a ranking by id, not a recommendation.
const checkedConfigSchema = configSchema.refine(
  (config) => Object.values(blendParams(config).weights).some((weight) => weight > 0),
  { path: ['RANK_WEIGHT_*'], message: 'at least one ranking weight must be above 0' },
);

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(checkedConfigSchema, env, { CATALOG_SERVICE_URL: 8111, USER_SERVICE_URL: 8101 });
}
