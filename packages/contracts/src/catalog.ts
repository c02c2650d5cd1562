import { z } from 'zod';
import { idSchema, storedTitleSchema, timestampSchema } from './common.js';
import { createdPurchase, demoCategory, demoProduct } from './examples.js';

// catalog-service answers these; recommendation-service's catalog client parses them (re-index,
// purchase feed, outbox backlog, category checks) and its dashboard shows a product. They are
// answer shapes: no input normalisation, so a client re-parsing a stored row never refuses it
// (README.md, "Answers parsed by clients").

/** A category as stored and answered: titles stored before the title rules are answered as they are. */
export const categorySchema = z
  .object({ title: storedTitleSchema.describe('Unique, case-insensitively'), id: idSchema })
  .meta({ example: demoCategory });

export const productSchema = z
  .object({
    id: idSchema,
    title: z.string(),
    category_id: idSchema,
    description: z.string(),
    tags: z.array(z.string()),
  })
  .meta({ example: demoProduct });

/** One purchase of catalog-service's feed (`GET /Purchases/?after_id=`), oldest first. */
export const purchaseFeedItemSchema = z
  .object({
    id: idSchema,
    customer_id: idSchema,
    product_id: idSchema,
    category_id: idSchema,
    purchased_at: timestampSchema,
  })
  .meta({ example: createdPurchase });

export const outboxStatusSchema = z
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

export type Category = z.infer<typeof categorySchema>;
export type Product = z.infer<typeof productSchema>;
export type PurchaseFeedItem = z.infer<typeof purchaseFeedItemSchema>;
