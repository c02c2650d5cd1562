import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseConfigShape, databaseUrl, flag, loadConfig } from '@ecom/service-kit';
import { z } from 'zod';

const serviceRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(serviceRoot, '..');

// Exported for packages/e2e's compose test: it checks these keys against .env.example and compose.
export const configSchema = z.object({
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8101),
  DATABASE_URL: databaseUrl,
  /** Embedded database folder, used when DATABASE_URL is not set. */
  DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  DATASET_PATH: z.string().default(path.join(repoRoot, 'dataset.csv')),
  /** Seed customers from the dataset at start-up (idempotent). */
  SEED_ON_START: flag(true),
});

export type Config = z.infer<typeof configSchema>;

export const MIGRATIONS_DIR = path.join(serviceRoot, 'prisma', 'migrations');
export const DB_SCHEMA = 'user_schema';

export const readConfig = (env: Record<string, string | undefined> = process.env): Config =>
  loadConfig(configSchema, env);
