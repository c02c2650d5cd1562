import { outboxStatusSchema } from '@ecom/contracts';
import type { App } from '@ecom/service-kit';
import { z } from 'zod';
import type { Deps } from '../deps.js';

const importSchema = z
  .object({
    checksum: z.string(),
    source: z.string(),
    imported_at: z.string(),
    summary: z.record(z.string(), z.unknown()),
  })
  .meta({
    example: {
      checksum: 'b27e1e484ed4c3be0e163a370a7e546c8fbf2b4a0b2bbb811255c7415c0660a5',
      source: 'dataset.csv',
      imported_at: '2026-11-25T10:14:58.431Z',
      summary: {
        read: 599,
        imported: 599,
        skipped: 0,
        rejected: 0,
        categories_created: 11,
        products_created: 151,
      },
    },
  });

export async function operationsRoutes(app: App, { outbox, dispatcher, datasetImports }: Deps) {
  app.get(
    '/outbox/status',
    {
      config: { dependsOn: ['database'] },
      schema: {
        operationId: 'getOutboxStatus',
        tags: ['operations'],
        summary: 'How far product vectors are behind the catalog',
        response: { 200: outboxStatusSchema },
      },
      logLevel: 'warn',
    },
    async () => {
      const backlog = await outbox.backlog();
      const stats = dispatcher?.status();
      return {
        enabled: dispatcher !== null,
        leader: stats?.leader ?? false,
        pending_jobs: backlog.rows,
        pending_products: backlog.products,
        oldest_pending_age_seconds: backlog.oldestAgeSeconds,
        delivered_since_start: stats?.delivered ?? 0,
        last_delivered_at: stats?.lastDeliveredAt?.toISOString() ?? null,
        last_error: stats?.lastError ?? backlog.lastError,
        last_error_at: stats?.lastErrorAt?.toISOString() ?? null,
        consecutive_failures: stats?.consecutiveFailures ?? 0,
        failure: stats?.failure ?? null,
        next_retry_at: stats?.retryAt?.toISOString() ?? null,
      };
    },
  );

  app.get(
    '/dataset/imports',
    {
      config: { dependsOn: ['database'] },
      schema: {
        operationId: 'listDatasetImports',
        tags: ['operations'],
        summary: 'Dataset imports, newest first, with their summaries (counts and every rejected row)',
        response: { 200: importSchema.array() },
      },
    },
    async () => datasetImports.list(),
  );
}
