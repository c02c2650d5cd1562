import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closedPort, startService } from '@ecom/testing';
import { describe, expect, it } from 'vitest';
import { fakeHub } from './embedders/helpers.js';

/**
 * recommendation-service whose embedder load waits on a hub that does not answer (a model
 * download that takes long): the service must listen meanwhile, as catalog-service does during
 * its import. Started without waiting for its start-up work.
 */
async function startLoading(hubUrl: string) {
  const nowhere = `http://127.0.0.1:${await closedPort()}`;
  const port = await closedPort();
  const service = startService(
    'recommendation-service',
    {
      EMBEDDINGS_MODEL: 'auto',
      EMBEDDINGS_HUB_URL: hubUrl,
      EMBEDDINGS_CACHE_DIR: await mkdtemp(path.join(tmpdir(), 'model-cache-')),
      EMBEDDINGS_DOWNLOAD_TIMEOUT_MS: '600000',
      CATALOG_SERVICE_URL: nowhere,
      USER_SERVICE_URL: nowhere,
      REINDEX_ON_EMPTY: 'false',
    },
    { port, waitForStartUp: false },
  );
  return { url: `http://127.0.0.1:${port}`, service };
}

const statusOf = (url: string) =>
  fetch(url).then(
    (response) => response.status,
    () => 0,
  );

describe('recommendation-service start-up', () => {
  it('listens while the embedder loads: /healthz and /metrics answer, /readyz and the routes 503 with the progress', async () => {
    const hub = await fakeHub('hang');
    const { url, service } = await startLoading(hub.url);
    try {
      // The load has begun: it asks the hub for the model.
      await expect.poll(() => hub.requests.length, { timeout: 30_000 }).toBeGreaterThan(0);
      await expect.poll(() => statusOf(`${url}/healthz`), { timeout: 30_000 }).toBe(200);
      const loading = 'Not ready: start-up load running: loading the embedder (EMBEDDINGS_MODEL=auto)';
      const readyz = await fetch(`${url}/readyz`);
      expect([readyz.status, ((await readyz.json()) as { detail: string }).detail]).toEqual([503, loading]);
      // Start-up work is not a dependency: `dependency_up` of it would be 0 at every start.
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect([...metrics.matchAll(/^dependency_up\{dependency="(\w+)"/gm)].map((m) => m[1])).toEqual([
        'database',
      ]);
      const recommendation = await fetch(`${url}/recommendation/1`);
      expect([recommendation.status, await recommendation.json()]).toEqual([503, { detail: loading }]);
      expect(recommendation.headers.get('retry-after')).toBe('2');
      const delivery = await fetch(`${url}/recommendation/products/delete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ product_ids: [1] }),
      });
      expect(delivery.status).toBe(503);
      const document = (await (await fetch(`${url}/docs/json`)).json()) as {
        paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
      };
      const documented = document.paths['/recommendation/{customer_id}']?.get?.responses['503']?.description;
      expect(documented).toMatch(/still loading at start-up/);

      // The hub goes away: `auto` falls back to the hashing embedder and the service is ready.
      await hub.close();
      const { app } = await service;
      await app.startedUp();
      expect(await statusOf(`${url}/readyz`)).toBe(200);
      const info = (await (await fetch(`${url}/recommendation/info`)).json()) as { embedder: string };
      expect(info.embedder).toMatch(/^hashing/);
    } finally {
      await hub.close();
      await (await service).close();
    }
  }, 60_000);

  it('stops at once when closed while the model is still downloading', async () => {
    const hub = await fakeHub('hang');
    const { service } = await startLoading(hub.url);
    try {
      await expect.poll(() => hub.requests.length, { timeout: 30_000 }).toBeGreaterThan(0);
      const { app } = await service;
      // Without the shutdown reaching the download this waits for EMBEDDINGS_DOWNLOAD_TIMEOUT_MS (10 min).
      await app.close();
      await expect(app.startedUp()).resolves.toBeUndefined();
    } finally {
      await hub.close();
    }
  }, 60_000);
});
