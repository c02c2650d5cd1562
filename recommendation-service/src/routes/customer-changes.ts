import type { App } from '@ecom/service-kit';
import type { LoadedDeps } from '../deps.js';
import { customersChangedResultSchema, customersChangedSchema } from '../schemas/customer-changes.js';

/** catalog-service's outbox calls this right after a purchase is written or deleted (README, "Freshness"). */
export async function customerChangeRoutes(app: App, loaded: LoadedDeps): Promise<void> {
  app.post(
    '/recommendation/customers/changed',
    {
      config: { dependsOn: ['database'], loadedOnStartUp: true },
      schema: {
        operationId: 'notifyCustomersChanged',
        tags: ['vectors'],
        summary: "These customers' purchases changed: forget their cached histories (internal)",
        security: [{ serviceToken: [] }],
        body: customersChangedSchema,
        response: { 200: customersChangedResultSchema },
      },
    },
    async (request) => {
      const { histories, localPurchases } = loaded.get();
      // Durable before the push is acknowledged: the local copy of these customers' purchases
      // is not trusted again until catalog-service's answer has made it right.
      await localPurchases.markStale(request.body.customer_ids);
      return { dropped: histories.invalidate(request.body.customer_ids) };
    },
  );
}
