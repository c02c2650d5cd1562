import { eventually } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, call, send } from '../src/http.js';
import { PrivatePostgres, postgresBinDir } from '../src/private-postgres.js';
import { findLeak } from '../src/response-checks.js';
import { SMALL_DATASET, type Stack, startStack } from '../src/stack.js';

// Stopping a database needs one of our own: the Postgres on DATABASE_URL is shared with every
// other test run. Skipped without DATABASE_URL (the embedded PGlite database lives in the
// process and cannot go away) or without the Postgres binaries to start a private cluster.
const skipReason = !process.env.DATABASE_URL
  ? 'DATABASE_URL is not set: embedded PGlite cannot lose its database'
  : !postgresBinDir()
    ? 'no Postgres binaries under /usr/lib/postgresql to start a private cluster'
    : null;

describe.skipIf(skipReason !== null)(
  `Postgres stops and comes back while the services run${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let postgres: PrivatePostgres;
    let stack: Stack;

    beforeAll(async () => {
      postgres = await PrivatePostgres.start();
      const database = { DATABASE_URL: postgres.url };
      stack = await startStack({
        dataset: SMALL_DATASET,
        users: database,
        catalog: database,
        recommendations: { ...database, REINDEX_ON_EMPTY: 'false' },
      });
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
      await postgres?.destroy();
    });

    it('answers within the query timeout while Postgres is frozen (accepts, never answers), and recovers', async () => {
      const { users, catalog } = stack;
      expect((await call(`${users.url}/customer/1`)).status).toBeLessThan(500);
      await postgres.freeze(true);
      try {
        const asked = [
          { base: users.url, path: '/customer/{id}', method: 'get', url: `${users.url}/customer/1` },
          { base: catalog.url, path: '/products/', method: 'get', url: `${catalog.url}/products/` },
          { base: catalog.url, path: '/category/', method: 'post', url: `${catalog.url}/category/` },
        ];
        const answers = await Promise.all([
          call(asked[0]!.url),
          call(asked[1]!.url),
          call(asked[2]!.url, send('POST', { title: 'Frozen' })),
        ]);
        for (const [i, answer] of answers.entries()) {
          // The OpenAPI document lists the status (its document is served without the database).
          const { base, path, method } = asked[i]!;
          const document = JSON.parse((await call(`${base}/docs/json`)).body);
          expect(Object.keys(document.paths[path][method].responses), path).toContain(String(answer.status));
          // 504 when a query was sent and not answered (a write may still be applied when the
          // server wakes up), 503 when none could be sent (no connection, no transaction): "busy"
          // when the frozen server holds every connection the request waited for.
          expect([503, 504], answer.body).toContain(answer.status);
          expect(JSON.parse(answer.body).detail).toMatch(
            /^Database (unavailable|did not answer in time|busy)/,
          );
          expect(findLeak(answer.body), answer.body).toBeNull();
          // The pool's query timeout (10 s), well before the HTTP server's 30 s socket timeout.
          expect(answer.ms).toBeLessThan(20_000);
        }
        expect((await call(`${users.url}/readyz`)).status).toBe(503);
      } finally {
        await postgres.freeze(false);
      }
      for (const service of [users, catalog]) {
        await eventually(
          async () => (await call(`${service.url}/readyz`)).status === 200,
          20_000,
          `${service.url} ready again`,
        );
      }
      expect((await call(`${catalog.url}/products/`)).status).toBe(200);
      expect(
        (await call(`${catalog.url}/category/`, send('POST', { title: 'After The Freeze' }))).status,
      ).toBe(200);
    }, 120_000);

    for (const mode of ['fast', 'immediate'] as const) {
      it(`answers 503 without leaking anything while it is down (${mode} stop), and recovers without a restart`, async () => {
        const { users, catalog, recommendations } = stack;
        const before = await call(
          `${users.url}/customer/`,
          send('POST', {
            title: `Before ${mode}`,
            gender: 'F',
            age: 30,
            location: 'Oslo',
            preference: 'Books',
          }),
        );
        expect(before.status).toBe(200);

        await postgres.stop(mode);

        for (const service of [users, catalog, recommendations]) {
          const ready = await call(`${service.url}/readyz`);
          expect(ready.status, `${service.url}/readyz`).toBe(503);
          expect(JSON.parse(ready.body)).toMatchObject({
            detail: 'Not ready: database unavailable',
            checks: { database: 'unavailable' },
          });
          expect((await call(`${service.url}/healthz`)).status).toBe(200);
        }
        const during: [string, Promise<Answer>][] = [
          ['GET /customer/1', call(`${users.url}/customer/1`)],
          ['GET /customer/', call(`${users.url}/customer/`)],
          [
            'POST /customer/',
            call(
              `${users.url}/customer/`,
              send('POST', {
                title: `During ${mode}`,
                gender: 'M',
                age: 40,
                location: 'Rome',
                preference: 'Art',
              }),
            ),
          ],
          ['GET /products/', call(`${catalog.url}/products/`)],
          ['GET /category/1', call(`${catalog.url}/category/1`)],
          ['POST /category/', call(`${catalog.url}/category/`, send('POST', { title: `During ${mode}` }))],
          [
            'POST /Purchases/',
            call(`${catalog.url}/Purchases/`, send('POST', { product_id: 1, customer_id: 1 })),
          ],
          ['GET /Purchases/?after_id=0', call(`${catalog.url}/Purchases/?after_id=0`)],
          ['GET /outbox/status', call(`${catalog.url}/outbox/status`)],
          [
            'POST /recommendation/vectorize_product',
            call(
              `${recommendations.url}/recommendation/vectorize_product`,
              send('POST', {
                product_id: 777_001,
                product_title: 'Outage Lamp',
                category_id: 1,
                category_title: 'Lamps',
                product_tags: [],
              }),
            ),
          ],
        ];
        for (const [route, pending] of during) {
          const answer = await pending;
          expect(answer.status, `${route}: ${answer.body}`).toBe(503);
          expect(JSON.parse(answer.body).detail, route).toMatch(/unavailable|answered 503/);
          expect(findLeak(answer.body), `${route}: ${answer.body}`).toBeNull();
          // Bounded by the pool's connect timeout (3 s) and the callers' retries.
          expect(answer.ms, route).toBeLessThan(15_000);
        }
        // A customer's first recommendation ranks from recommendation-service's copies of the
        // customers and purchases (README, "Freshness"): nothing can change while the database
        // is down, so it may still answer until the customer copy's next poll fails
        // (CUSTOMER_SYNC_INTERVAL_MS), then 503. Each try asks a customer not asked before.
        let customerId = 0;
        const firstRequest = (await eventually(
          async () => {
            customerId++;
            const answer = await call(`${recommendations.url}/recommendation/${customerId}`);
            expect([200, 503], `GET /recommendation/${customerId}: ${answer.body}`).toContain(answer.status);
            return answer.status === 503 ? answer : null;
          },
          5_000,
          'first recommendations answered 503',
        )) as Answer;
        expect(JSON.parse(firstRequest.body).detail).toMatch(/unavailable|answered 503/);
        expect(findLeak(firstRequest.body), firstRequest.body).toBeNull();

        await postgres.startServer();

        for (const service of [users, catalog, recommendations]) {
          await eventually(
            async () => (await call(`${service.url}/readyz`)).status === 200,
            20_000,
            `${service.url} ready again`,
          );
        }
        const customers = JSON.parse((await call(`${users.url}/customer/?limit=100`)).body) as {
          title: string;
        }[];
        const titles = customers.map((customer) => customer.title);
        expect(titles).toContain(`Before ${mode}`);
        // A write that answered 503 left nothing behind.
        expect(titles).not.toContain(`During ${mode}`);

        // Writes work again and the outbox delivers them: the product reaches the vector store.
        const category = JSON.parse(
          (await call(`${catalog.url}/category/`, send('POST', { title: `After ${mode}` }))).body,
        );
        const product = await call(
          `${catalog.url}/products/`,
          send('POST', { title: `After ${mode} Lamp`, category_id: category.id }),
        );
        expect(product.status).toBe(200);
        const productId = JSON.parse(product.body).id;
        await eventually(
          async () =>
            (await call(`${recommendations.url}/recommendation/products/${productId}/similar`)).status ===
            200,
          30_000,
          'the new product to be vectorised',
        );
        const outbox = await call(`${catalog.url}/outbox/status`);
        expect(outbox.status).toBe(200);
        expect(findLeak(outbox.body), outbox.body).toBeNull();
      }, 120_000);
    }
  },
);

describe.skipIf(skipReason !== null)(
  `catalog-service alone loses its database: the dashboard says so${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let postgres: PrivatePostgres;
    let stack: Stack;

    beforeAll(async () => {
      postgres = await PrivatePostgres.start();
      stack = await startStack({
        dataset: SMALL_DATASET,
        catalog: { DATABASE_URL: postgres.url },
        recommendations: { REINDEX_ON_EMPTY: 'false' },
      });
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
      await postgres?.destroy();
    });

    it('shows catalog-service unavailable while it answers without its database, and ok again after', async () => {
      const dependencies = async () => {
        const overview = await call(`${stack.recommendations.url}/dashboard/api/overview`);
        expect(overview.status).toBe(200);
        return JSON.parse(overview.body).dependencies as Record<string, string>;
      };
      const stateIs = (state: string) => async () => (await dependencies()).catalog_service === state;
      await eventually(stateIs('ok'), 30_000, 'the dashboard to see catalog-service');
      await postgres.stop('fast');
      // catalog-service still answers (its /healthz and /metrics), but serves nothing useful.
      expect((await call(`${stack.catalog.url}/healthz`)).status).toBe(200);
      await eventually(stateIs('unavailable'), 30_000, "catalog-service's database outage on the dashboard");
      expect(await dependencies()).toMatchObject({ database: 'ok', user_service: 'ok' });
      await postgres.startServer();
      await eventually(stateIs('ok'), 60_000, 'catalog-service to be ok again on the dashboard');
    }, 180_000);
  },
);
