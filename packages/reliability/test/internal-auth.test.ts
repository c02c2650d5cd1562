import { eventually, startService } from '@ecom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOperation, type Operation, operationsOf } from '../src/openapi.js';
import { SMALL_DATASET, type Stack, startStack, TOKEN } from '../src/stack.js';

const product = {
  product_id: 900_001,
  product_title: 'Token Test Lamp',
  category_id: 900_001,
  category_title: 'Token Tests',
  product_tags: ['lamp'],
};

/** A body each internal route accepts. */
const VALID_BODIES: Record<string, unknown> = {
  'POST /recommendation/vectorize_product': product,
  'POST /recommendation/products/batch': { products: [product] },
  'POST /recommendation/products/delete': { product_ids: [product.product_id] },
  'POST /recommendation/reindex': undefined,
  'POST /recommendation/customers/changed': { customer_ids: [1] },
};

const WRONG_CREDENTIALS: (string | undefined)[] = [
  undefined,
  '',
  'Bearer',
  `Bearer ${TOKEN}x`,
  `Bearer ${TOKEN.slice(0, -1)}`,
  `Bearer  ${TOKEN}`,
  `Bearer${TOKEN}`,
  TOKEN,
  `Basic ${Buffer.from(`service:${TOKEN}`).toString('base64')}`,
];

describe('internal routes require the service token when INTERNAL_API_TOKEN is set', () => {
  let stack: Stack;
  const internal: Operation[] = [];
  const publicReads: { service: keyof Omit<Stack, 'close'>; operation: Operation }[] = [];

  beforeAll(async () => {
    stack = await startStack({ dataset: SMALL_DATASET, recommendations: { REINDEX_ON_EMPTY: 'false' } });
    for (const service of ['users', 'catalog', 'recommendations'] as const) {
      const document = (await stack[service].app.inject({ method: 'GET', url: '/docs/json' })).json();
      for (const operation of operationsOf(document)) {
        if (operation.internal) internal.push(operation);
        else if (operation.method === 'GET') publicReads.push({ service, operation });
      }
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('marks exactly the vector writes, the customer changes and the re-index as internal in the OpenAPI documents', () => {
    expect(internal.map(describeOperation).sort()).toEqual(Object.keys(VALID_BODIES).sort());
  });

  it('answers 401 with a detail to a missing or wrong token on every internal route, and 2xx with it', async () => {
    for (const operation of internal) {
      const route = describeOperation(operation);
      const body = VALID_BODIES[route];
      for (const authorization of WRONG_CREDENTIALS) {
        const response = await stack.recommendations.app.inject({
          method: operation.method,
          url: operation.path,
          headers: authorization === undefined ? {} : { authorization },
          ...(body === undefined ? {} : { payload: body as object }),
        });
        expect(response.statusCode, `${route} with ${JSON.stringify(authorization)}`).toBe(401);
        expect(response.json()).toEqual({ detail: 'Missing or invalid service token' });
      }
      // The scheme name is case-insensitive (RFC 9110, 11.1).
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const accepted = await stack.recommendations.app.inject({
          method: operation.method,
          url: operation.path,
          headers: { authorization: `${scheme} ${TOKEN}` },
          ...(body === undefined ? {} : { payload: body as object }),
        });
        expect(accepted.statusCode, `${route} with ${scheme}: ${accepted.body}`).toBeLessThan(300);
      }
    }
  });

  it('checks the token before reading the body: an unauthenticated 10 MB upload is refused with 401', async () => {
    const response = await fetch(`${stack.recommendations.url}/recommendation/products/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"products": "${'x'.repeat(10 * 1024 * 1024)}"}`,
    });
    expect(response.status).toBe(401);
  });

  it('keeps every public read open: no route without a security requirement asks for a token', async () => {
    expect(publicReads.length).toBeGreaterThan(10);
    for (const { service, operation } of publicReads) {
      const url = operation.path.replace(/\{[^}]+\}/g, '1');
      const response = await stack[service].app.inject({ method: 'GET', url });
      expect(response.statusCode, `${service} GET ${url}`).not.toBe(401);
      expect(response.statusCode, `${service} GET ${url}: ${response.body}`).toBeLessThan(500);
    }
  });

  it("catalog-service's outbox sends the token: products it writes reach the vector store", async () => {
    const category = (
      await stack.catalog.app.inject({
        method: 'POST',
        url: '/category/',
        payload: { title: 'Token Deliveries' },
      })
    ).json();
    const created = (
      await stack.catalog.app.inject({
        method: 'POST',
        url: '/products/',
        payload: { title: 'Delivered With A Token', category_id: category.id, tags: ['auth'] },
      })
    ).json();
    await eventually(
      async () => {
        const similar = await stack.recommendations.app.inject({
          method: 'GET',
          url: `/recommendation/products/${created.id}/similar`,
        });
        return similar.statusCode === 200;
      },
      30_000,
      'the product to be vectorised',
    );
  });

  it('a catalog with the wrong token keeps its jobs and reports the 401', async () => {
    const catalog = await startService('catalog-service', {
      IMPORT_ON_START: 'false',
      USER_SERVICE_URL: stack.users.url,
      RECOMMENDATION_SERVICE_URL: stack.recommendations.url,
      INTERNAL_API_TOKEN: 'not-the-right-token-0123456789',
      OUTBOX_POLL_INTERVAL_MS: '50',
      OUTBOX_MIN_BACKOFF_MS: '50',
      OUTBOX_MAX_BACKOFF_MS: '200',
    });
    try {
      const category = (
        await catalog.app.inject({ method: 'POST', url: '/category/', payload: { title: 'Wrong Token' } })
      ).json();
      const created = await catalog.app.inject({
        method: 'POST',
        url: '/products/',
        payload: { title: 'Never Delivered', category_id: category.id },
      });
      expect(created.statusCode).toBe(200);
      const status = await eventually(
        async () => {
          const body = (await catalog.app.inject({ method: 'GET', url: '/outbox/status' })).json();
          return body.consecutive_failures >= 2 ? body : null;
        },
        10_000,
        'failed deliveries',
      );
      expect(status.pending_jobs).toBe(1);
      expect(status.failure).toBe('token_refused');
      expect(status.last_error).toMatch(/recommendation-service answered 401/);
    } finally {
      await catalog.close();
    }
  });
});

describe('catalog-service and recommendation-service with different INTERNAL_API_TOKEN', () => {
  const CATALOG_TOKEN = 'the-catalogs-own-token-0123456789';
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field below.
  const get = async (url: string): Promise<{ status: number; body: any }> => {
    const response = await fetch(url);
    return { status: response.status, body: await response.json() };
  };

  it('stay ready and say what to fix (outbox status, metrics, staff dashboard); delivery resumes once the tokens match, catalog-service left running', async () => {
    const stack = await startStack({
      dataset: SMALL_DATASET,
      catalog: { INTERNAL_API_TOKEN: CATALOG_TOKEN },
    });
    try {
      const refused = await eventually(
        async () => {
          const { body } = await get(`${stack.catalog.url}/outbox/status`);
          return body.failure === 'token_refused' ? body : null;
        },
        30_000,
        "the outbox to report recommendation-service refusing catalog-service's token",
      );
      expect(refused.pending_products).toBeGreaterThan(0);
      expect(refused.last_error).toMatch(
        /^recommendation-service answered 401: .*both services' INTERNAL_API_TOKEN must match \(docs\/internal-api\.md\)/,
      );
      // Every service keeps answering its own API: the refusal is a configuration error, not an outage.
      for (const service of [stack.users, stack.catalog, stack.recommendations]) {
        expect((await fetch(`${service.url}/readyz`)).status, service.url).toBe(200);
      }
      const overview = await get(`${stack.recommendations.url}/dashboard/api/overview`);
      expect(overview.body.outbox).toMatchObject({ delivery: 'token_refused' });
      expect(overview.body.outbox.consecutive_failures).toBeGreaterThan(0);

      // The operator gives recommendation-service the catalog's token and restarts it.
      await stack.recommendations.close();
      stack.recommendations = await startService(
        'recommendation-service',
        { ...stack.recommendations.env, INTERNAL_API_TOKEN: CATALOG_TOKEN },
        { port: stack.recommendations.port },
      );
      await eventually(
        async () => {
          const { body } = await get(`${stack.catalog.url}/outbox/status`);
          return body.pending_jobs === 0 && body.failure === null;
        },
        30_000,
        'the outbox to drain',
      );
      // catalog-service's gauges are read at most once a second, so the dashboard may lag the
      // outbox status by that much.
      await expect
        .poll(async () => (await get(`${stack.recommendations.url}/dashboard/api/overview`)).body.outbox, {
          timeout: 5_000,
        })
        .toMatchObject({ delivery: 'ok', pending_products: 0 });
      const recommended = await get(`${stack.recommendations.url}/recommendation/3`);
      expect(recommended.status).toBe(200);
      expect(recommended.body.length).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
