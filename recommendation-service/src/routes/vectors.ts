import { errorSchema, type VectorizeProduct, vectorizeProductSchema } from '@ecom/contracts';
import type { App } from '@ecom/service-kit';
import type { Deps } from '../deps.js';
import {
  batchDeleteResultSchema,
  batchDeleteSchema,
  batchUpsertResultSchema,
  batchUpsertSchema,
  vectorizeResultSchema,
} from '../schemas/vectors.js';
import type { ProductInput } from '../services/vector-sync.js';

const tags = ['vectors'];

function toInput(product: VectorizeProduct): ProductInput {
  return {
    productId: product.product_id,
    productTitle: product.product_title,
    categoryId: product.category_id,
    categoryTitle: product.category_title,
    tags: product.product_tags,
  };
}

/** Writes to the vector store. The batch routes are internal (service token when configured). */
export async function vectorRoutes(app: App, { vectorSync }: Deps): Promise<void> {
  app.post(
    '/recommendation/vectorize_product',
    {
      schema: {
        tags,
        summary: "Store one product's vector (the original endpoint; an idempotent upsert; internal)",
        security: [{ serviceToken: [] }],
        body: vectorizeProductSchema,
        response: { 200: vectorizeResultSchema, 401: errorSchema, 503: errorSchema },
      },
      onRequest: app.requireServiceToken,
    },
    async (request) => {
      await vectorSync.upsert([toInput(request.body)]);
      return { product_id: request.body.product_id, status: 'stored' as const };
    },
  );

  app.post(
    '/recommendation/products/batch',
    {
      schema: {
        tags,
        summary: 'Store many products’ vectors at once (internal: catalog-service’s outbox)',
        security: [{ serviceToken: [] }],
        body: batchUpsertSchema,
        response: { 200: batchUpsertResultSchema, 401: errorSchema, 503: errorSchema },
      },
      onRequest: app.requireServiceToken,
    },
    async (request) => vectorSync.upsert(request.body.products.map(toInput)),
  );

  app.post(
    '/recommendation/products/delete',
    {
      schema: {
        tags,
        summary: 'Remove products from the vector store (internal; unknown ids are fine)',
        security: [{ serviceToken: [] }],
        body: batchDeleteSchema,
        response: { 200: batchDeleteResultSchema, 401: errorSchema, 503: errorSchema },
      },
      onRequest: app.requireServiceToken,
    },
    async (request) => ({ deleted: await vectorSync.delete(request.body.product_ids) }),
  );
}
