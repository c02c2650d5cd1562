import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type App, baseConfigShape, createServer, loadConfig } from '../src/index.js';

// A shop's storefront JavaScript reads the public routes from its own origin (CORS_ORIGINS);
// pages of other sites cannot frame Swagger UI or have a JSON answer sniffed as a page.

const SHOP = 'https://shop.example';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumMissing = existsSync(CHROMIUM) ? null : `no browser at ${CHROMIUM} (apt-get install chromium)`;

const apps: App[] = [];
let reindexed = 0;
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  reindexed = 0;
});

async function testApp(corsOrigins?: string[]): Promise<App> {
  const app = await createServer({
    name: 'test-service',
    description: 'test',
    logger: false,
    config: { CORS_ORIGINS: corsOrigins },
  });
  // Every route with a schema, as in the services (the OpenAPI transform reads it).
  const list = { schema: { summary: 'A public list' } };
  app.get('/items/', list, async (_request, reply) =>
    reply.header('x-total-count', '2').send([{ id: 1 }, { id: 2 }]),
  );
  app.post('/items/', { schema: { summary: 'A public write' } }, async () => ({ id: 3 }));
  app.get('/dashboard/api/overview', { schema: { summary: 'Staff only' } }, async () => ({ staff: true }));
  app.post('/internal/reindex', { schema: { security: [{ serviceToken: [] }] } }, async () => {
    reindexed++;
    return {};
  });
  apps.push(app);
  return app;
}

const preflight = (app: App, url: string, method: string, origin = SHOP) =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'x-request-id',
    },
  });

describe('CORS_ORIGINS', () => {
  it('is a comma-separated list of origins or *, and a malformed origin stops start-up naming it', () => {
    const schema = z.object({ CORS_ORIGINS: baseConfigShape.CORS_ORIGINS });
    expect(loadConfig(schema, {}).CORS_ORIGINS).toBeUndefined();
    expect(loadConfig(schema, { CORS_ORIGINS: `${SHOP}, http://localhost:3000` }).CORS_ORIGINS).toEqual([
      SHOP,
      'http://localhost:3000',
    ]);
    expect(loadConfig(schema, { CORS_ORIGINS: '*' }).CORS_ORIGINS).toEqual(['*']);
    for (const bad of [`${SHOP}/`, 'shop.example', `${SHOP}/path`, 'https://*.shop.example']) {
      expect(() => loadConfig(schema, { CORS_ORIGINS: bad })).toThrow(
        new RegExp(`CORS_ORIGINS: "${bad.replace(/[.*/]/g, '\\$&')}" is not an origin`),
      );
    }
  });

  it('unset: no CORS headers, and OPTIONS stays a 405 as before', async () => {
    const app = await testApp();
    const read = await app.inject({ method: 'GET', url: '/items/', headers: { origin: SHOP } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    const options = await preflight(app, '/items/', 'GET');
    expect(options.statusCode).toBe(405);
    expect(options.json()).toEqual({ detail: 'Method OPTIONS not allowed on /items/; use GET, HEAD, POST' });
  });

  it('lets a listed origin read the public GET/HEAD routes with their X-Total-Count and X-Request-Id', async () => {
    const app = await testApp([SHOP]);
    for (const method of ['GET', 'HEAD'] as const) {
      const read = await app.inject({ method, url: '/items/', headers: { origin: SHOP } });
      expect(read.statusCode).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBe(SHOP);
      expect(read.headers['access-control-expose-headers']).toBe('X-Total-Count, X-Request-Id');
      expect(read.headers.vary).toMatch(/Origin/);
    }
    // Another origin gets no permission; a 404 from the shop's origin is readable (its detail helps).
    const other = await app.inject({
      method: 'GET',
      url: '/items/',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const missing = await app.inject({ method: 'GET', url: '/nope', headers: { origin: SHOP } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe(SHOP);

    const allowed = await preflight(app, '/items/', 'GET');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);
    expect(allowed.headers['access-control-allow-methods']).toBe('GET, HEAD');
    expect(allowed.headers['access-control-allow-headers']).toBe('x-request-id');

    const any = await testApp(['*']);
    const star = await any.inject({
      method: 'GET',
      url: '/items/',
      headers: { origin: 'https://any.example' },
    });
    expect(star.headers['access-control-allow-origin']).toBe('*');
  });

  it('keeps writes, internal routes, the dashboard and /docs same-origin: their preflights are a 403 with a detail', async () => {
    const app = await testApp([SHOP]);
    const refused = [
      ['/items/', 'POST', SHOP],
      ['/internal/reindex', 'POST', SHOP],
      ['/items/', 'DELETE', SHOP],
      ['/dashboard/api/overview', 'GET', SHOP],
      ['/docs/json', 'GET', SHOP],
      // Percent-encoded, the router still reaches them: /%64ashboard is /dashboard.
      ['/%64ashboard/api/overview', 'GET', SHOP],
      ['/%64ocs/json', 'GET', SHOP],
      ['/items/', 'GET', 'https://evil.example'],
    ] as const;
    for (const [url, method, origin] of refused) {
      const response = await preflight(app, url, method, origin);
      expect(response.statusCode, `${method} ${url} from ${origin}`).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.json().detail).toMatch(/^Cross-origin .* not allowed/);
    }
    for (const [method, url] of [
      ['POST', '/items/'],
      ['GET', '/dashboard/api/overview'],
      ['GET', '/docs/json'],
      ['GET', '/%64ashboard/api/overview'],
      ['GET', '/%64ocs/json'],
    ] as const) {
      const response = await app.inject({ method, url, headers: { origin: SHOP } });
      expect(response.statusCode, `${method} ${url}`).toBeLessThan(400);
      expect(response.headers['access-control-allow-origin'], `${method} ${url}`).toBeUndefined();
    }
    // An OPTIONS that is no preflight is the 405 it was; the catch-all preflight route is in no Allow.
    const plain = await app.inject({ method: 'OPTIONS', url: '/items/' });
    expect(plain.statusCode).toBe(405);
    expect(plain.headers.allow).toBe('GET, HEAD, POST');
    const patch = await app.inject({ method: 'PATCH', url: '/items/' });
    expect(patch.headers.allow).toBe('GET, HEAD, POST');
    // The OpenAPI document does not list the preflight route; Swagger UI still loads.
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(document.paths)).toContain('/items/');
    expect(Object.keys(document.paths).filter((path) => path.includes('*'))).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it.skipIf(chromiumMissing !== null)(
    `in a real browser (Debian chromium): a storefront page reads the list and its headers; another site cannot run an internal route${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
    async () => {
      const shop = createHttpServer((_request, response) =>
        response.end('<!doctype html><title>shop</title>'),
      );
      await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
      const shopOrigin = `http://localhost:${(shop.address() as AddressInfo).port}`;
      const app = await testApp([shopOrigin]);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const service = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        await page.goto(shopOrigin);
        const seen = await page.evaluate(async (service) => {
          const read = async (init: RequestInit) => {
            try {
              const response = await fetch(`${service}/items/`, init);
              const total = response.headers.get('x-total-count');
              return `${response.status} total=${total} id=${response.headers.get('x-request-id')}`;
            } catch (error) {
              return `blocked: ${(error as Error).message}`;
            }
          };
          return [
            await read({}),
            // A header of its own makes the browser send a preflight first.
            await read({ headers: { 'X-Request-Id': 'shop-1' } }),
            await read({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
          ];
        }, service);
        expect(seen[0]).toMatch(/^200 total=2 id=[0-9a-f-]{36}$/);
        expect(seen[1]).toBe('200 total=2 id=shop-1');
        expect(seen[2]).toMatch(/^blocked/);

        // Without INTERNAL_API_TOKEN (npm start), a page of any other site sends a "simple"
        // POST (no preflight) to an internal route: refused before it runs.
        const refused = await page.evaluate(async (service) => {
          await fetch(`${service}/internal/reindex`, { method: 'POST', mode: 'no-cors' });
        }, service);
        expect(refused).toBeUndefined();
        expect(reindexed).toBe(0);
      } finally {
        await browser.close();
        shop.close();
      }
    },
    60_000,
  );
});

describe('security headers', () => {
  it('every answer is nosniff; Swagger UI has a same-origin policy and cannot be framed', async () => {
    const app = await testApp();
    for (const url of ['/healthz', '/nothing/<img src=x>', '/docs', '/docs/json', '/docs/static/index.css']) {
      const response = await app.inject({ method: 'GET', url });
      expect([url, response.headers['x-content-type-options']]).toEqual([url, 'nosniff']);
    }
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    expect(docs.headers['content-security-policy']).toMatch(/^default-src 'self';.*frame-ancestors 'none'/);
  });

  it.skipIf(chromiumMissing !== null)(
    `in a real browser (Debian chromium): Swagger UI works under its policy, and another site cannot frame it${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`,
    async () => {
      const app = await testApp();
      await app.listen({ host: '127.0.0.1', port: 0 });
      const docs = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/docs`;
      const site = createHttpServer((_request, response) =>
        response.end(`<!doctype html><iframe src="${docs}" width="800" height="600"></iframe>`),
      );
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
        await page.goto(docs);
        await page.locator('.opblock-summary-path').first().waitFor();
        expect(await page.locator('.opblock-summary-path').allInnerTexts()).toContain('/internal/reindex');
        expect(errors).toEqual([]);

        await page.goto(`http://localhost:${(site.address() as AddressInfo).port}/`);
        const frame = page.frames()[1];
        await expect.poll(() => frame?.url()).toMatch(/^chrome-error:/);
      } finally {
        await browser.close();
        site.close();
      }
    },
    60_000,
  );
});
