import { errorSchema } from '@ecom/contracts';
import { type App, NotFoundError, queryInt } from '@ecom/service-kit';
import { z } from 'zod';
import type { LoadedDeps } from '../deps.js';
import { toRecommendation } from '../ranking/recommender.js';
import {
  MAX_LIMIT,
  productItemExample,
  productItemFields,
  productParams,
} from '../schemas/recommendations.js';

const query = z.object({
  limit: queryInt(1, MAX_LIMIT).prefault(10).describe('How many partners, at most'),
});

const partnerSchema = z
  .object({
    ...productItemFields,
    score: z
      .number()
      .describe(
        'Co-purchase weight: customers who bought both, each pair weighted by how close together they were bought',
      ),
  })
  .meta({
    example: { ...productItemExample, score: 4.2 },
  });

export async function boughtTogetherRoutes(app: App, loaded: LoadedDeps): Promise<void> {
  app.get(
    '/recommendation/products/:product_id/bought-together',
    {
      config: { loadedOnStartUp: true },
      schema: {
        operationId: 'listBoughtTogether',
        tags: ['recommendation'],
        summary: 'Products bought by the same customers as this one, strongest first',
        description:
          'From the purchase statistics recommendation-service keeps (catalog-service purchase feed). ' +
          'An empty list when nobody bought the product together with another one yet; 404 while it has ' +
          "no vector (unknown, deleted, or not yet delivered by catalog-service's outbox). " +
          'A purchase deleted after the statistics learned it stays counted (docs/limits.md).',
        params: productParams,
        querystring: query,
        response: { 200: partnerSchema.array(), 404: errorSchema },
      },
    },
    async (request) => {
      const { product_id } = request.params;
      const { productDirectory, coPurchases } = loaded.get();
      if (!productDirectory.get(product_id)) throw new NotFoundError(`Product ${product_id} has no vector`);
      const { ids, weights } = coPurchases.partners('together', product_id);
      const partners = [];
      // Strongest first, ties by id. Partners not in the catalog here (deleted, or no vector yet)
      // are skipped, however many come first: the list is read until `limit` are found.
      const order = [...ids.keys()].sort((a, b) => weights[b]! - weights[a]! || ids[a]! - ids[b]!);
      for (const i of order) {
        const known = productDirectory.get(ids[i]!);
        if (!known || !(weights[i]! > 0)) continue;
        partners.push(toRecommendation(ids[i]!, known, weights[i]!));
        if (partners.length === request.query.limit) break;
      }
      return partners;
    },
  );
}
