import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '@ecom/db';
import type { App } from '@ecom/service-kit';
import { buildApp } from '../src/app.js';
import { type Config, readConfig } from '../src/config.js';
import { emptyPgliteInto } from './pglite-template.js';

export const ORIGINAL_DATASET = path.resolve(
  import.meta.dirname,
  '../../../shared/data/original-dataset.csv',
);
export const PROJECT_DATASET = path.resolve(import.meta.dirname, '../../dataset.csv');
export const usingPostgres = Boolean(process.env.DATABASE_URL);

/**
 * Each test file gets its own database: a fresh Postgres database when DATABASE_URL is set,
 * an embedded PGlite folder otherwise. Nothing is imported or delivered unless asked, and
 * nothing listens on the default ports of the other services.
 */
export async function testConfig(overrides: Record<string, string> = {}): Promise<Config> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'catalog-service-test-'));
  const base = process.env.DATABASE_URL;
  const databaseUrl = base ? await createScratchDatabase(base, 'test_catalog') : undefined;
  if (!databaseUrl) await emptyPgliteInto(path.join(dataDir, 'catalog-service'));
  return readConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    IMPORT_ON_START: 'false',
    OUTBOX_ENABLED: 'false',
    USER_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
    RECOMMENDATION_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
    USER_SERVICE_TIMEOUT_MS: '500',
    USER_SERVICE_RETRIES: '1',
    RECOMMENDATION_SERVICE_TIMEOUT_MS: '2000',
    OUTBOX_POLL_INTERVAL_MS: '50',
    OUTBOX_MIN_BACKOFF_MS: '50',
    OUTBOX_MAX_BACKOFF_MS: '200',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...overrides,
  });
}

export async function startApp(config: Config): Promise<App> {
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return app;
}

/** A real user-service on an ephemeral port, on its own database, seeded from `datasetPath`. */
export async function startUserService(datasetPath?: string): Promise<{ url: string; app: App }> {
  const { buildApp: buildUserService, readConfig: readUserServiceConfig } = await loadUserService();
  const base = process.env.DATABASE_URL;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'catalog-test-users-'));
  if (!base) await emptyPgliteInto(path.join(dataDir, 'user-service'));
  const config = readUserServiceConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    SEED_ON_START: datasetPath ? 'true' : 'false',
    ...(datasetPath ? { DATASET_PATH: datasetPath } : {}),
    ...(base ? { DATABASE_URL: await createScratchDatabase(base, 'test_catalog_users') } : {}),
  });
  const app = await buildUserService(config, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, app };
}

interface UserServiceModule {
  buildApp(config: unknown, options: { logger: boolean }): Promise<App>;
  readConfig(env: Record<string, string>): unknown;
}

/**
 * user-service's own modules, loaded at run time: imported statically, its `declare module
 * 'fastify'` augmentations (another `prisma` decorator type) would clash with ours in tsc.
 */
async function loadUserService(): Promise<UserServiceModule> {
  const root = path.resolve(import.meta.dirname, '../../user-service/src');
  const [app, config] = await Promise.all([
    import(path.join(root, 'app.ts')),
    import(path.join(root, 'config.ts')),
  ]);
  return { buildApp: app.buildApp, readConfig: config.readConfig };
}

/** A port nothing listens on (it was free a moment ago): "the service is down". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ReceivedCall {
  path: string;
  body: unknown;
  authorization: string | undefined;
}

export interface Answer {
  status: number;
  body?: unknown;
}

export type Handler = (call: ReceivedCall) => Answer | Promise<Answer>;

/**
 * A small real HTTP server: records every call and answers with `handler`. It can stop and
 * start again on the same port, to play a service that goes down and comes back.
 */
export class TestServer {
  readonly calls: ReceivedCall[] = [];
  handler: Handler = () => ({ status: 200, body: {} });
  private server: Server | null = null;
  port = 0;
  /** Calls received and not answered (yet). */
  inFlight = 0;

  static async start(handler?: Handler): Promise<TestServer> {
    const server = new TestServer();
    if (handler) server.handler = handler;
    await server.listen();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const call: ReceivedCall = {
        path: request.url ?? '',
        body: text ? JSON.parse(text) : undefined,
        authorization: request.headers.authorization,
      };
      this.inFlight++;
      const answer = await this.handler(call);
      this.inFlight--;
      if (answer.status < 0) return; // never answer: a hanging service
      this.calls.push(call);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body ?? {}));
    });
  }
}

/** Polls until `check` returns a truthy value or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  message = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${message}${last ? `: ${String(last)}` : ''}`);
}
