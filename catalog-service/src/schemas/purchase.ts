import { type historyItemSchema, idParamSchema, idSchema, timestampSchema } from '@ecom/contracts';
import { MAX_ID, queryInt } from '@ecom/service-kit';
import { z } from 'zod';

export const purchaseCreateSchema = z
  .object({
    product_id: idSchema,
    customer_id: idSchema,
    category_id: idSchema
      .optional()
      .describe("Must be the product's category; taken from the product when omitted"),
  })
  .meta({ example: { product_id: 17, customer_id: 3, category_id: 4 } });

export const purchaseDetailSchema = z
  .object({
    id: idSchema,
    product_id: idSchema,
    category_id: idSchema,
    customer_id: idSchema,
    product_title: z.string(),
    category_title: z.string(),
    customer_title: z
      .string()
      .nullable()
      .describe("The customer's name from user-service; null when the customer was deleted there"),
    product_tags: z.array(z.string()),
    purchased_at: timestampSchema,
  })
  .meta({
    example: {
      id: 600,
      product_id: 17,
      category_id: 4,
      customer_id: 3,
      product_title: 'Stainless Steel Garden Trowel',
      category_title: 'Garden & Outdoors',
      customer_title: 'Olivia Bennett',
      product_tags: ['garden', 'tools'],
      purchased_at: '2026-11-25T10:15:00.000Z',
    },
  });

export const purchaseIdParams = z.object({ purchase_id: idParamSchema.describe("The purchase's id") });
export const customerIdParams = z.object({
  customer_id: idParamSchema.describe("The customer's id (user-service)"),
});

export const historyQuery = z.object({
  limit: queryInt(1, 1_000_000)
    .optional()
    .describe('At most this many, newest first; default: every purchase'),
});

export const purchaseFeedQuery = z.object({
  after_id: queryInt(0, MAX_ID).default(0).describe('Purchases with a larger id than this, oldest first'),
  limit: queryInt(1, 5_000).default(1_000).describe('How many to answer (1–5000)'),
});

export const purchaseFeedItemSchema = z
  .object({
    id: idSchema,
    customer_id: idSchema,
    product_id: idSchema,
    category_id: idSchema,
    purchased_at: timestampSchema,
  })
  .meta({
    example: {
      id: 600,
      customer_id: 3,
      product_id: 17,
      category_id: 4,
      purchased_at: '2026-11-25T10:15:00.000Z',
    },
  });

export type PurchaseDetail = z.infer<typeof purchaseDetailSchema>;
export type HistoryItem = z.infer<typeof historyItemSchema>;
export type PurchaseFeedItem = z.infer<typeof purchaseFeedItemSchema>;
