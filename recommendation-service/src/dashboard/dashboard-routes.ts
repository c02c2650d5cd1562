import { readdirSync, readFileSync } from 'node:fs';
import {
  customerPurchasesExample,
  customerPurchasesSchema,
  customerSchema,
  demoCategory,
  demoProduct,
  errorSchema,
  productSchema,
  titleField,
} from '@ecom/contracts';
import { type App, found, RecentLatency } from '@ecom/service-kit';
import { z } from 'zod';
import type { LoadedDeps } from '../deps.js';
import { customerParams, productParams } from '../schemas/recommendations.js';
import { buildOverview, LATENCY_ROUTE, overviewSchema } from './overview.js';

// Same-origin only: the page's own scripts and styles, fetches to this service, no framing.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const searchQuery = z.object({
  q: titleField('A customer id, or part of a name (case-insensitive)'),
});

const customerDetailSchema = customerPurchasesSchema
  .extend({
    purchase_count: z.number().describe('All purchases; `purchases` holds the newest 100'),
  })
  .meta({ example: { ...customerPurchasesExample, purchase_count: 1 } });

const productDetailSchema = productSchema
  .extend({
    category: z.string().nullable().describe('null when the product has no vector yet'),
    has_vector: z.boolean(),
  })
  .meta({
    example: { ...demoProduct, category: demoCategory.title, has_vector: true },
  });

/**
 * The staff dashboard: one HTML page with plain ES modules, and read-only JSON routes that gather
 * what it shows from the other services, so none has to allow cross-origin requests (docs/dashboard.md).
 */
export async function dashboardRoutes(
  app: App,
  options: { deps: LoadedDeps; sampleIntervalMs: number },
): Promise<void> {
  const { deps } = options;
  const publicDir = new URL('./public/', import.meta.url);
  const page = readFileSync(new URL('index.html', publicDir), 'utf8');
  // The files the page is made of, served from memory: no CDN, no build step.
  const names = readdirSync(publicDir)
    .filter((name) => name !== 'index.html')
    .sort();
  const assets = new Map(names.map((name) => [name, readFileSync(new URL(name, publicDir), 'utf8')]));
  const latency = new RecentLatency(
    app.metrics.httpDurations,
    'GET',
    LATENCY_ROUTE,
    options.sampleIntervalMs,
  );
  app.addHook('onReady', async () => latency.start());
  app.addHook('onClose', async () => latency.stop());
  const tags = ['dashboard'];

  app.get(
    '/dashboard',
    {
      schema: {
        operationId: 'getDashboard',
        tags,
        summary: 'The staff dashboard (HTML page)',
        response: { 200: { description: 'The page', content: { 'text/html': { schema: z.string() } } } },
      },
      logLevel: 'warn',
    },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('cache-control', 'no-cache')
        .send(page),
  );

  app.get(
    '/dashboard/assets/:file',
    {
      schema: {
        operationId: 'getDashboardAsset',
        tags,
        summary: "The dashboard page's scripts and style sheet",
        params: z.object({
          file: z.enum(names).describe("One of the page's files"),
        }),
        response: {
          200: {
            description: 'The file',
            content: {
              'text/javascript': { schema: z.string() },
              'text/css': { schema: z.string() },
            },
          },
        },
      },
      logLevel: 'warn',
    },
    async (request, reply) =>
      reply
        .type(`text/${request.params.file.endsWith('.css') ? 'css' : 'javascript'}; charset=utf-8`)
        .header('cache-control', 'no-cache')
        .send(assets.get(request.params.file) ?? ''),
  );

  app.get(
    '/dashboard/api/overview',
    {
      config: { loadedOnStartUp: true },
      schema: {
        operationId: 'getDashboardOverview',
        tags,
        summary: 'Counts, embedder, sync backlog, feed lag and recent latency of GET /recommendation/{id}',
        description:
          "Reads the other services' `/metrics`; a service that does not answer leaves its numbers null.",
        response: { 200: overviewSchema },
      },
      logLevel: 'warn',
    },
    async () => buildOverview(app, deps.get(), latency),
  );

  app.get(
    '/dashboard/api/customers',
    {
      config: { dependsOn: ['user-service'], loadedOnStartUp: true },
      schema: {
        operationId: 'searchDashboardCustomers',
        tags,
        summary: 'Find customers by id or by part of their name (from user-service)',
        querystring: searchQuery,
        response: { 200: customerSchema.array() },
      },
    },
    async (request) => {
      const { q } = request.query;
      // An id is 1 or more: `0` or `00` is only searched as text.
      const id = /^\d{1,9}$/.test(q) ? Number(q) : 0;
      const byId = id >= 1 ? await deps.get().users.customer(id, request) : null;
      const byName = await deps.get().users.search(q, 20, request);
      return byId ? [byId, ...byName.filter((customer) => customer.id !== byId.id)] : byName;
    },
  );

  app.get(
    '/dashboard/api/customers/:customer_id',
    {
      config: { dependsOn: ['catalog-service'], loadedOnStartUp: true },
      schema: {
        operationId: 'getDashboardCustomer',
        tags,
        summary: "A customer's profile and newest purchases (from catalog-service)",
        params: customerParams,
        response: { 200: customerDetailSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const history = await deps.get().catalog.purchaseHistory(request.params.customer_id, request);
      return {
        ...history,
        purchases: history.purchases.slice(0, 100),
        purchase_count: history.purchases.length,
      };
    },
  );

  app.get(
    '/dashboard/api/products/:product_id',
    {
      config: { dependsOn: ['catalog-service'], loadedOnStartUp: true },
      schema: {
        operationId: 'getDashboardProduct',
        tags,
        summary: 'One product (from catalog-service) and whether it has a vector here',
        params: productParams,
        response: { 200: productDetailSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { product_id } = request.params;
      const { catalog, productDirectory } = deps.get();
      const product = found(await catalog.product(product_id, request), `Product ${product_id}`);
      const indexed = productDirectory.get(product_id);
      return {
        ...product,
        category: indexed?.categoryTitle ?? null,
        has_vector: indexed !== undefined,
      };
    },
  );
}
