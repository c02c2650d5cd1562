import type { App } from '@ecom/service-kit';
import { z } from 'zod';
import type { Deps } from '../deps.js';

const customersChangedSchema = z
  .object({
    customer_ids: z.array(z.number().int().min(1).max(2_147_483_647)).min(1).max(1000),
  })
  .meta({ example: { customer_ids: [3, 41] } });

const customersChangedResultSchema = z
  .object({
    /** How many of them had a cached history (now dropped). */
    dropped: z.number(),
  })
  .meta({ example: { dropped: 1 } });

/** catalog-service's outbox calls this right after a purchase is written or deleted (README, "Freshness"). */
export async function customerChangeRoutes(app: App, { histories, localPurchases }: Deps): Promise<void> {
  app.post(
    '/recommendation/customers/changed',
    {
      config: { dependsOn: ['database'] },
      schema: {
        tags: ['vectors'],
        summary: "These customers' purchases changed: forget their cached histories (internal)",
        security: [{ serviceToken: [] }],
        body: customersChangedSchema,
        response: { 200: customersChangedResultSchema },
      },
    },
    async (request) => {
      // Durable before the push is acknowledged: the local copy of these customers' purchases
      // is not trusted again until catalog-service's answer has made it right.
      await localPurchases.markStale(request.body.customer_ids);
      return { dropped: histories.invalidate(request.body.customer_ids) };
    },
  );
}
