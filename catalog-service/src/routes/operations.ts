import type { App } from '@ecom/service-kit';
import { z } from 'zod';
import type { Deps } from '../deps.js';

const outboxStatusSchema = z
  .object({
    enabled: z.boolean().describe('OUTBOX_ENABLED: whether this instance delivers'),
    leader: z.boolean().describe('This instance holds the dispatcher lease'),
    pending_jobs: z.number().int(),
    pending_products: z.number().int(),
    oldest_pending_age_seconds: z.number().nullable(),
    delivered_since_start: z.number().int(),
    last_delivered_at: z.string().nullable(),
    last_error: z
      .string()
      .nullable()
      .describe(
        "The last failed delivery's reason: while recommendation-service refuses the token it also names the fix",
      ),
    last_error_at: z.string().nullable(),
    consecutive_failures: z.number().int(),
    failure: z
      .enum(['token_refused', 'outage'])
      .nullable()
      .describe(
        "Why this instance's deliveries are failing; null while they succeed, or on an instance that does not deliver (leader false). " +
          "token_refused: recommendation-service answers 401/403 because the two services' INTERNAL_API_TOKEN differ, " +
          'a configuration error that no retry fixes: set the same token on both (docs/internal-api.md); ' +
          'retried every OUTBOX_MAX_BACKOFF_MS, so delivery resumes by itself once they match. ' +
          "outage: anything else (recommendation-service down, timing out, 5xx, 404, or this service's database), retried with backoff",
      ),
    next_retry_at: z
      .string()
      .nullable()
      .describe(
        'After a failed delivery, or a 503 with Retry-After (not a failure), when the next one is tried at the latest: sooner when a receiver that was down (connection refused) answers its readiness probe',
      ),
  })
  .meta({
    example: {
      enabled: true,
      leader: true,
      pending_jobs: 0,
      pending_products: 0,
      oldest_pending_age_seconds: null,
      delivered_since_start: 151,
      last_delivered_at: '2026-11-25T10:15:02.120Z',
      last_error: null,
      last_error_at: null,
      consecutive_failures: 0,
      failure: null,
      next_retry_at: null,
    },
  });

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
