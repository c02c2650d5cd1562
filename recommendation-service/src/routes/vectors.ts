import { type VectorizeProduct, vectorizeProductSchema } from '@ecom/contracts';
import type { App } from '@ecom/service-kit';
import type { LoadedDeps } from '../deps.js';
import {
  batchDeleteResultSchema,
  batchDeleteSchema,
  batchUpsertResultSchema,
  batchUpsertSchema,
  vectorizeResultSchema,
} from '../schemas/vectors.js';
import type { ProductInput } from '../services/vector-sync.js';

const tags = ['vectors'];
// Each write goes to the vector store, then to the product directory's table (documented-errors.ts).
const config = { dependsOn: ['vector store', 'database'], loadedOnStartUp: true };

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
export async function vectorRoutes(app: App, loaded: LoadedDeps): Promise<void> {
  app.post(
    '/recommendation/vectorize_product',
    {
      config,
      schema: {
        operationId: 'vectorizeProduct',
        tags,
        summary: "Store one product's vector (the original endpoint; an idempotent upsert; internal)",
        security: [{ serviceToken: [] }],
        body: vectorizeProductSchema,
        response: { 200: vectorizeResultSchema },
      },
    },
    async (request) => {
      await loaded.get().vectorSync.upsert([toInput(request.body)]);
      return { product_id: request.body.product_id, status: 'stored' as const };
    },
  );

  app.post(
    '/recommendation/products/batch',
    {
      config,
      schema: {
        operationId: 'upsertProductVectors',
        tags,
        summary: 'Store many products’ vectors at once (internal: catalog-service’s outbox)',
        security: [{ serviceToken: [] }],
        body: batchUpsertSchema,
        response: { 200: batchUpsertResultSchema },
      },
    },
    async (request) => loaded.get().vectorSync.upsert(request.body.products.map(toInput)),
  );

  app.post(
    '/recommendation/products/delete',
    {
      config,
      schema: {
        operationId: 'deleteProductVectors',
        tags,
        summary: 'Remove products from the vector store (internal; unknown ids are fine)',
        security: [{ serviceToken: [] }],
        body: batchDeleteSchema,
        response: { 200: batchDeleteResultSchema },
      },
    },
    async (request) => ({ deleted: await loaded.get().vectorSync.delete(request.body.product_ids) }),
  );
}
