import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_DATASET, type Stack, startStack, TOKEN } from '../src/stack.js';

// Swagger UI's "Try it out" sends an operation's documented example as it is, and `npm start`
// serves the demo data (dataset.csv) with the internal routes open. On that data every write's
// example must succeed, and the internal ones must leave the recommendations as they were: an
// example that sent demo product 17 as a garden trowel renamed it in every answer until a
// re-index, and one that deleted [17, 18] took both out of the recommendations.

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = Record<string, any>;

interface Write {
  name: string;
  url: string;
  method: string;
  /** The request body's example; undefined for an operation without a body. */
  example: unknown;
  internal: boolean;
}

const SERVICES = ['users', 'catalog', 'recommendations'] as const;
const METHOD_ORDER = ['post', 'put', 'patch', 'delete'];

/**
 * The writes a reader can try without typing anything: those without a path parameter (a
 * DELETE /products/{id} waits for the reader's id). A POST comes before the PUT of its path,
 * which edits what the POST created.
 */
function writesOf(baseUrl: string, document: Json): Write[] {
  const writes: Write[] = [];
  for (const [path, operations] of Object.entries<Json>(document.paths)) {
    for (const method of METHOD_ORDER) {
      const operation: Json | undefined = operations[method];
      if (!operation || (operation.parameters ?? []).some((p: Json) => p.in === 'path')) continue;
      const media: Json | undefined = operation.requestBody?.content?.['application/json'];
      writes.push({
        name: `${method.toUpperCase()} ${path}`,
        url: `${baseUrl}${path}`,
        method: method.toUpperCase(),
        example: media ? (media.example ?? media.schema?.example) : undefined,
        internal: operation.security !== undefined,
      });
    }
  }
  return writes;
}

const getJson = async (url: string) => (await (await fetch(url)).json()) as Json;

async function tryOut(write: Write): Promise<{ status: number; body: string }> {
  const response = await fetch(write.url, {
    method: write.method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(write.example === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(write.example === undefined ? {} : { body: JSON.stringify(write.example) }),
  });
  return { status: response.status, body: await response.text() };
}

describe("every write's OpenAPI example, tried on the demo data", () => {
  let stack: Stack;
  const writes: Write[] = [];
  const get = (url: string) => getJson(`${stack.recommendations.url}${url}`);
  /** What the recommender shows of demo product 17 and its neighbours. */
  const productSeventeen = async () => ({
    similar: await get('/recommendation/products/17/similar?limit=20'),
    // Its nearest demo product, whose neighbours list 17 by title and category.
    neighbours: await get('/recommendation/products/22/similar?limit=20'),
    boughtTogether: await get('/recommendation/products/17/bought-together'),
    dashboard: await get('/dashboard/api/products/17'),
  });

  beforeAll(async () => {
    stack = await startStack({ dataset: PROJECT_DATASET });
    for (const service of SERVICES) {
      const document = await getJson(`${stack[service].url}/docs/json`);
      writes.push(...writesOf(stack[service].url, document));
    }
    // The demo as `npm start` shows it once settled: every product vectorised, every purchase
    // learned (else bought-together fills in between the two reads), no re-index running.
    await vi.waitFor(
      async () => {
        const outbox = await getJson(`${stack.catalog.url}/outbox/status`);
        const info = await get('/recommendation/info');
        const overview = await get('/dashboard/api/overview');
        expect([
          outbox.pending_jobs,
          info.vector_count,
          overview.purchase_feed.purchases_behind,
          info.reindex.state,
        ]).toEqual([0, 151, 0, expect.not.stringMatching(/^(running|waiting)$/)]);
      },
      { timeout: 60_000, interval: 200 },
    );
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('leaves product 17 and its neighbours as they were after the internal examples', async () => {
    const before = await productSeventeen();
    expect(before.neighbours).toContainEqual(
      expect.objectContaining({ product_id: 17, product: 'Lumora 35mm f/1.8 Prime Lens', category_id: 1 }),
    );
    const internal = writes.filter((write) => write.internal);
    expect(internal.map((write) => write.name).sort()).toEqual([
      'POST /recommendation/customers/changed',
      'POST /recommendation/products/batch',
      'POST /recommendation/products/delete',
      'POST /recommendation/reindex',
      'POST /recommendation/vectorize_product',
    ]);
    for (const write of internal) {
      const answer = await tryOut(write);
      expect(answer.status, `${write.name} ${JSON.stringify(write.example)}: ${answer.body}`).toBeLessThan(
        300,
      );
    }
    // The re-index the reindex example started has run to its end.
    await vi.waitFor(async () => expect((await get('/recommendation/info')).reindex.state).toBe('done'), {
      timeout: 30_000,
      interval: 200,
    });
    expect(await productSeventeen()).toEqual(before);
  });

  it('answers 2xx to each public write example on a fresh demo, a PUT after its POST too', async () => {
    const publicWrites = writes.filter((write) => !write.internal);
    expect(publicWrites.map((write) => write.name)).toEqual([
      'POST /customer/',
      'PUT /customer/',
      'POST /category/',
      'PUT /category/',
      'POST /products/',
      'PUT /products/',
      'POST /Purchases/',
    ]);
    const failed: string[] = [];
    for (const write of publicWrites) {
      const answer = await tryOut(write);
      if (answer.status >= 300) {
        failed.push(`${write.name} ${JSON.stringify(write.example)} -> ${answer.status} ${answer.body}`);
      }
    }
    expect(failed).toEqual([]);
  });
});
