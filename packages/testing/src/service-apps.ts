import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '@ecom/db';
import { vi } from 'vitest';
import { emptyPgliteInto } from './pglite-template.js';

/**
 * The service apps, typed (each app carries its route plugins' dependencies as `app.deps`).
 * Loaded on first use: recommendation-service alone takes ~1.6 s to import (its embedder and
 * Milvus client), which a user-service test file should not pay.
 */
const services = {
  'user-service': () => import('../../../user-service/src/app.js'),
  'catalog-service': () => import('../../../catalog-service/src/app.js'),
  'recommendation-service': () => import('../../../recommendation-service/src/app.js'),
};

export type ServiceName = keyof typeof services;

/** The app `buildApp` answers for that service. */
export type ServiceApp<Name extends ServiceName> = Awaited<
  ReturnType<Awaited<ReturnType<(typeof services)[Name]>>['buildApp']>
>;

export interface RunningService<Name extends ServiceName = ServiceName> {
  app: ServiceApp<Name>;
  url: string;
  port: number;
  /**
   * The environment it was started with, its DATA_DIR and database included: start it again
   * with `startService(name, service.env, { port: service.port })` to restart it on its data.
   */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts a real service app in this process on an ephemeral port (or `port`), on its own
 * scratch database: a new Postgres database when DATABASE_URL is set, an empty PGlite copy
 * otherwise. Resolves once its start-up work (seed, dataset import) has finished, unless
 * `waitForStartUp` is false: then as soon as it listens.
 */
export async function startService<Name extends ServiceName>(
  service: Name,
  env: Record<string, string> = {},
  options: { port?: number; buildOptions?: Record<string, unknown>; waitForStartUp?: boolean } = {},
): Promise<RunningService<Name>> {
  const { buildApp, readConfig } = await services[service]();
  const resolvedEnv = await withScratchDatabase(service, env);
  // biome-ignore lint/suspicious/noExplicitAny: the union of the three configs; `service` picks one.
  const config: any = readConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...resolvedEnv });
  const app = (await buildApp(config, { logger: false, ...options.buildOptions })) as ServiceApp<Name>;
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  if (options.waitForStartUp !== false) await startedUpOrClosed(app);
  const port = (app.server.address() as AddressInfo).port;
  return { app, port, url: `http://127.0.0.1:${port}`, env: resolvedEnv, close: () => app.close() };
}

/**
 * `env` plus a DATA_DIR and a database of the service's own: a new Postgres database when
 * DATABASE_URL is set, an empty PGlite copy otherwise (kept when DATA_DIR already holds one,
 * so a restart on the same DATA_DIR finds its data).
 */
export async function withScratchDatabase(
  service: ServiceName,
  env: Record<string, string> = {},
): Promise<Record<string, string>> {
  const dataDir = env.DATA_DIR ?? (await mkdtemp(path.join(tmpdir(), `${service}-test-`)));
  const base = process.env.DATABASE_URL;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl && base) databaseUrl = await createScratchDatabase(base, `test_${service.split('-')[0]}`);
  const pgliteDir = path.join(dataDir, service);
  if (!databaseUrl && !existsSync(pgliteDir)) await emptyPgliteInto(pgliteDir);
  return { ...env, DATA_DIR: dataDir, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
}

/** A port nothing listens on (it was free a moment ago): "the service is down". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls (vitest's `vi.waitFor`) until `check` returns a truthy value or the deadline passes. */
export function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  message = 'condition',
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (!value) throw new Error(`timed out waiting for ${message}`);
      return value;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}

/** Waits for the app's start-up work (a dataset import, a seed); closes the app if it fails. */
export async function startedUpOrClosed<
  App extends { startedUp(): Promise<void>; close(): PromiseLike<unknown> },
>(app: App): Promise<App> {
  await app.startedUp().catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  return app;
}
