import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { scratchName } from '@ecom/db';
import {
  closedPort,
  eventually,
  type RunningService,
  startService,
  withScratchDatabase,
} from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, PROJECT_DATASET } from './helper.js';

interface Info {
  reindex: { state: string; indexed: number; interrupted_run_started_at?: string };
}

/**
 * recommendation-service as its own process (`src/server.ts`), so it can be killed with
 * SIGKILL mid re-index; catalog-service and user-service real, in this process. The
 * re-index reads catalog-service through a gate that can hold its second page of products.
 */
describe('a re-index cut short by kill -9', () => {
  let users: RunningService;
  let catalog: RunningService;
  let gate: Server;
  let holding = true;
  let held = 0;
  let env: Record<string, string>;
  let child: ChildProcess | undefined;
  let url: string;
  let total: number;

  const start = async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const server = path.resolve(import.meta.dirname, '../src/server.ts');
    child = spawn(process.execPath, ['--import', tsx, server], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    await eventually(async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok, 60_000, 'ready');
  };
  const info = () => json<Info>(`${url}/recommendation/info`);

  beforeAll(async () => {
    users = await startService('user-service', { DATASET_PATH: PROJECT_DATASET });
    catalog = await startService('catalog-service', {
      DATASET_PATH: PROJECT_DATASET,
      USER_SERVICE_URL: users.url,
      OUTBOX_ENABLED: 'false', // the vectors come from the re-index alone
    });
    total = Number((await fetch(`${catalog.url}/products/?limit=1`)).headers.get('x-total-count'));
    gate = createServer(async (request, response) => {
      if (holding && request.url?.startsWith('/products/?skip=100')) {
        held++;
        return; // never answered: the process is killed while it waits
      }
      try {
        const answer = await fetch(`${catalog.url}${request.url}`, {
          headers: { accept: 'application/json' },
        });
        response.writeHead(answer.status, Object.fromEntries(answer.headers));
        response.end(Buffer.from(await answer.arrayBuffer()));
      } catch {
        // catalog-service closing under a poll (afterAll): an unhandled rejection would fail the run.
        response.destroy();
      }
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    const port = await closedPort();
    url = `http://127.0.0.1:${port}`;
    env = await withScratchDatabase('recommendation-service', {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      EMBEDDINGS_MODEL: 'hashing',
      CATALOG_SERVICE_URL: `http://127.0.0.1:${(gate.address() as AddressInfo).port}`,
      USER_SERVICE_URL: users.url,
      REINDEX_ON_EMPTY: 'false', // only the re-index asked for below
      MILVUS_COLLECTION_PREFIX: scratchName('test'),
    });
  }, 120_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    gate?.closeAllConnections();
    gate?.close();
    await catalog?.close();
    await users?.close();
  });

  it('says so after the restart and finishes the job', async () => {
    await start();
    const asked = await fetch(`${url}/recommendation/reindex`, { method: 'POST' });
    expect(asked.status).toBe(202);
    await eventually(() => held > 0, 30_000, 'the re-index to read the second page');
    expect((await info()).reindex.state).toBe('running');
    child?.kill('SIGKILL');
    await once(child as ChildProcess, 'exit');

    holding = false;
    await start();
    await eventually(
      async () => (await info()).reindex.state === 'done',
      60_000,
      'the re-index to run again',
    );
    const { reindex } = await info();
    expect(reindex.indexed).toBe(total);
    expect(Date.parse(reindex.interrupted_run_started_at ?? '')).toBeGreaterThan(0);
  }, 180_000);
});
