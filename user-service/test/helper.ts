import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '@ecom/db';
import type { App } from '@ecom/service-kit';
import { emptyPgliteInto } from '@ecom/testing';
import { buildApp } from '../src/app.js';
import { type Config, readConfig } from '../src/config.js';

export const ORIGINAL_DATASET = path.resolve(
  import.meta.dirname,
  '../../../shared/data/original-dataset.csv',
);

/**
 * Each test file gets its own database: a fresh Postgres database cloned from nothing when
 * TEST_DATABASE_URL (or DATABASE_URL) is set, an embedded PGlite folder otherwise.
 */
export async function testConfig(overrides: Record<string, string> = {}): Promise<Config> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'user-service-test-'));
  const databaseUrl = await freshDatabaseUrl();
  if (!databaseUrl) await emptyPgliteInto(path.join(dataDir, 'user-service'));
  return readConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...overrides,
  });
}

export async function startApp(config: Config): Promise<App> {
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return app;
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);

async function freshDatabaseUrl(): Promise<string | undefined> {
  const base = process.env.DATABASE_URL;
  return base ? createScratchDatabase(base, 'test_user') : undefined;
}
