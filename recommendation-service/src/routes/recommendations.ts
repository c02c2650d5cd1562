import { errorSchema } from '@ecom/contracts';
import { type App, type CallerRequest, NotFoundError } from '@ecom/service-kit';
import { z } from 'zod';
import type { LoadedDeps } from '../deps.js';
import { vectorsInfo } from '../plugins/vectors.js';
import { toRecommendation } from '../ranking/recommender.js';
import {
  customerParams,
  infoSchema,
  productParams,
  recommendationQuery,
  recommendationSchema,
  similarQuery,
  similarSchema,
} from '../schemas/recommendations.js';

const tags = ['recommendation'];

export async function recommendationRoutes(app: App, loaded: LoadedDeps): Promise<void> {
  /**
   * A category filter that names no category is a caller's typo: 404, not `[]`. Categories without
   * vectorised products are asked of catalog-service: a new one whose products are on their way is `[]`.
   */
  const assertKnownCategory = async (categoryId: number | undefined, request: CallerRequest) => {
    const { productDirectory, catalog } = loaded.get();
    if (categoryId === undefined || productDirectory.hasCategory(categoryId)) return;
    if (!(await catalog.hasCategory(categoryId, request))) {
      throw new NotFoundError(`No category ${categoryId} in the catalog`);
    }
  };
  app.get(
    '/recommendation/:customer_id',
    {
      // The history: local copies (rewritten in the database when stale), else catalog-service;
      // a customer the copy does not know is asked of user-service.
      config: {
        dependsOn: ['catalog-service', 'user-service', 'vector store', 'database'],
        loadedOnStartUp: true,
      },
      schema: {
        operationId: 'getRecommendations',
        tags,
        summary: 'Products to show a customer next, best first',
        description:
          'Never a product the customer already bought (unless `exclude_purchased=false`). A customer ' +
          'without purchases gets recommendations from the profile.',
        params: customerParams,
        querystring: recommendationQuery,
        response: { 200: recommendationSchema.array(), 404: errorSchema },
      },
    },
    async (request) => {
      const { histories, recommender } = loaded.get();
      await assertKnownCategory(request.query.category_id, request);
      // `original` embeds the purchases' tags, which only catalog-service's history carries.
      const needTags = request.query.strategy === 'original';
      const history = await histories.get(request.params.customer_id, request, needTags);
      return recommender.recommend(history, request.query);
    },
  );

  app.get(
    '/recommendation/products/:product_id/similar',
    {
      config: { dependsOn: ['catalog-service', 'vector store'], loadedOnStartUp: true },
      schema: {
        operationId: 'listSimilarProducts',
        tags,
        summary: 'Products most similar to one product (by their vectors)',
        description:
          '404 while the product has no vector: unknown, deleted, or created a moment ago and not yet ' +
          "delivered by catalog-service's outbox.",
        params: productParams,
        querystring: similarQuery,
        response: { 200: similarSchema.array(), 404: errorSchema },
      },
    },
    async (request) => {
      const { product_id } = request.params;
      const { vectorStore, recommender, productDirectory, vectorSync } = loaded.get();
      await assertKnownCategory(request.query.category_id, request);
      const [product] = await vectorStore.get([product_id]);
      // Milvus Lite can still answer a product deleted a moment ago (its flush race:
      // docs/vector-stores.md), so the directory decides; it is brought up to the database first,
      // as another replica may have just written the product.
      if (product && !productDirectory.get(product_id)) await vectorSync.refresh();
      if (!product || !productDirectory.get(product_id)) {
        throw new NotFoundError(`Product ${product_id} has no vector`);
      }
      const hits = await recommender.search(product.vector, {
        limit: request.query.limit,
        categoryId: request.query.category_id,
        excludeProductIds: [product_id],
      });
      return hits.map((hit) => toRecommendation(hit.productId, hit, hit.score));
    },
  );

  app.get(
    '/recommendation/info',
    {
      config: { dependsOn: ['vector store'], loadedOnStartUp: true },
      schema: {
        operationId: 'getRecommendationInfo',
        tags,
        summary: 'Which embedder, model, vector store and collection are in use, and how full it is',
        response: { 200: infoSchema },
      },
    },
    async () => {
      const deps = loaded.get();
      return {
        ...vectorsInfo(deps),
        vector_count: await deps.vectorStore.count(),
        indexed_products: deps.productDirectory.size,
        purchase_statistics: deps.coPurchases.size,
        reindex: deps.reindexer.progress,
      };
    },
  );

  app.post(
    '/recommendation/reindex',
    {
      config: { loadedOnStartUp: true },
      schema: {
        operationId: 'startReindex',
        tags,
        summary: 'Re-embed the whole catalog from catalog-service (internal); runs in the background',
        security: [{ serviceToken: [] }],
        response: {
          202: z
            .object({
              state: z
                .string()
                .describe(
                  'The re-index state after the request: running, or waiting (for catalog-service at start-up; the run follows)',
                ),
            })
            .describe('Started (or already running)')
            .meta({ example: { state: 'running' } }),
        },
      },
    },
    async (_request, reply) => {
      const { reindexer } = loaded.get();
      reindexer.start();
      return reply.code(202).send({ state: reindexer.progress.state });
    },
  );
}
