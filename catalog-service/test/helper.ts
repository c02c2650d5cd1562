import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { App } from '@ecom/service-kit';
import {
  closedPort,
  type RunningService,
  startedUpOrClosed,
  startService,
  withScratchDatabase,
} from '@ecom/testing';
import { buildApp } from '../src/app.js';
import { type Config, readConfig } from '../src/config.js';

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
  const env = {
    PORT: '0',
    LOG_LEVEL: 'silent',
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
    ...overrides,
  };
  return readConfig(await withScratchDatabase('catalog-service', env));
}

/** A new category and a product in it, created through the API. */
export async function createProduct(
  app: App,
  title: string,
  categoryTitle: string,
): Promise<{ id: number; title: string; category_id: number }> {
  const category = (
    await app.inject({ method: 'POST', url: '/category/', payload: { title: categoryTitle } })
  ).json();
  const payload = { title, category_id: category.id };
  return (await app.inject({ method: 'POST', url: '/products/', payload })).json();
}

/** The app once its start-up work (the dataset import) has finished; rejects if that fails. */
export async function startApp(config: Config): Promise<App> {
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return startedUpOrClosed(app);
}

/**
 * A real user-service on an ephemeral port, on its own database, seeded from `datasetPath` (the
 * dataset import checks the file's customers there). Restart it on its data and port with
 * `startService('user-service', users.env, { port: users.port })` to seed a changed file.
 */
export function startUserService(datasetPath?: string): Promise<RunningService<'user-service'>> {
  return startService('user-service', {
    SEED_ON_START: datasetPath ? 'true' : 'false',
    ...(datasetPath ? { DATASET_PATH: datasetPath } : {}),
  });
}

export interface ReceivedCall {
  path: string;
  body: unknown;
  authorization: string | undefined;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
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
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(JSON.stringify(answer.body ?? {}));
    });
  }
}

export { closedPort, eventually } from '@ecom/testing';
