import path from 'node:path';
import type { App } from '@ecom/service-kit';
import { startedUpOrClosed, withScratchDatabase } from '@ecom/testing';
import { buildApp } from '../src/app.js';
import { type Config, readConfig } from '../src/config.js';

export const ORIGINAL_DATASET = path.resolve(
  import.meta.dirname,
  '../../../shared/data/original-dataset.csv',
);

/** Each test file gets its own database (a Postgres scratch database or an empty PGlite folder). */
export async function testConfig(overrides: Record<string, string> = {}): Promise<Config> {
  return readConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...(await withScratchDatabase('user-service', overrides)),
  });
}

/** The app once its start-up work (the dataset import) has finished; rejects if that fails. */
export async function startApp(config: Config): Promise<App> {
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return startedUpOrClosed(app);
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);
