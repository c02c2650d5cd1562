import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedPort, eventually, type RunningService, startService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';

// CATALOG_SERVICE_URL and USER_SERVICE_URL pointing at something else (a proxy without the
// route, an old deploy): its 404 says nothing about the customer, so the answer is a 502, not
// "Customer 1 not found", and the OpenAPI document lists it.
describe('catalog-service and user-service addresses that answer 404 for everything', () => {
  let elsewhere: Server;
  let reco: RunningService;

  beforeAll(async () => {
    elsewhere = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    reco = await startService('recommendation-service', {
      EMBEDDINGS_MODEL: 'hashing',
      CATALOG_SERVICE_URL: url,
      USER_SERVICE_URL: url,
      REINDEX_ON_EMPTY: 'false',
    });
  });
  afterAll(async () => {
    await reco?.close();
    await new Promise((resolve) => elsewhere?.close(resolve));
  });

  it('answers 502 for a recommendation and a dashboard customer, as documented', async () => {
    const document = (await (await fetch(`${reco.url}/docs/json`)).json()) as {
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    for (const [path, documented] of [
      ['/recommendation/1', '/recommendation/{customer_id}'],
      ['/dashboard/api/customers/1', '/dashboard/api/customers/{customer_id}'],
    ] as const) {
      const response = await fetch(`${reco.url}${path}`);
      expect(response.status, path).toBe(502);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/answered 404$/);
      expect(Object.keys(document.paths[documented]!.get.responses)).toContain('502');
    }
  });
});

describe('the configuration refuses what cannot work', () => {
  it("refuses other services' addresses without http:// or with a path, and all ranking weights 0, naming the variables", () => {
    for (const [variable, value] of [
      ['CATALOG_SERVICE_URL', 'localhost:8111'],
      ['CATALOG_SERVICE_URL', 'http://127.0.0.1:8111/api/'],
      ['USER_SERVICE_URL', 'ftp://127.0.0.1:8101'],
    ] as const) {
      expect(() => readConfig({ [variable]: value }), `${variable}=${value}`).toThrow(
        new RegExp(`${variable}: must be an http:// or https:// address without a path`),
      );
    }
    const zero = {
      RANK_WEIGHT_CONTENT: '0',
      RANK_WEIGHT_PROFILE: '0',
      RANK_WEIGHT_NEXT: '0',
      RANK_WEIGHT_TOGETHER: '0',
    };
    expect(() => readConfig({ ...zero, RANK_WEIGHT_POPULAR: '0' })).toThrow(
      /RANK_WEIGHT_\*: at least one ranking weight must be above 0/,
    );
    expect(readConfig({ ...zero, RANK_WEIGHT_POPULAR: '1' }).RANK_WEIGHT_POPULAR).toBe(1);
    expect(readConfig({ CATALOG_SERVICE_URL: 'http://catalog-service:8000/' }).CATALOG_SERVICE_URL).toBe(
      'http://catalog-service:8000/',
    );
  });
});

describe('the start-up re-index while catalog-service is not up yet', () => {
  let reco: RunningService;

  beforeAll(async () => {
    reco = await startService('recommendation-service', {
      EMBEDDINGS_MODEL: 'hashing',
      CATALOG_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
  });
  afterAll(async () => {
    await reco?.close();
  });

  it('says it is waiting, not that it failed, and a re-index asked for meanwhile says so too', async () => {
    const info = async () =>
      (
        (await (await fetch(`${reco.url}/recommendation/info`)).json()) as {
          reindex: { state: string; error?: string };
        }
      ).reindex;
    await eventually(async () => (await info()).state === 'waiting', 10_000, 'the re-index to wait');
    expect((await info()).error).toMatch(/catalog-service is unavailable/);
    const asked = await fetch(`${reco.url}/recommendation/reindex`, { method: 'POST' });
    expect(asked.status).toBe(202);
    expect(await asked.json()).toEqual({ state: 'waiting' });
  });
});
