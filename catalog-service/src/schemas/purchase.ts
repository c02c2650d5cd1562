import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';

export const purchaseCreateSchema = z.object({
  product_id: idSchema,
  customer_id: idSchema,
  category_id: idSchema
    .optional()
    .describe("Must be the product's category; taken from the product when omitted"),
});

export const purchaseDetailSchema = z.object({
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
});

export const purchaseIdParams = z.object({ purchase_id: idSchema });
export const customerIdParams = z.object({ customer_id: idSchema });

export const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1_000_000).optional().describe('At most this many, newest first'),
});

export const historyItemSchema = z.object({
  purchase_id: idSchema,
  category_id: idSchema,
  category_title: z.string(),
  product_id: idSchema,
  product_title: z.string(),
  product_tags: z.array(z.string()),
  purchased_at: timestampSchema,
});

export const customerPurchasesSchema = z.object({
  id: idSchema,
  age: z.number().int(),
  title: z.string(),
  gender: z.string(),
  location: z.string(),
  preference: z.string(),
  purchases: z.array(historyItemSchema),
});

export const purchaseFeedQuery = z.object({
  after_id: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
});

export const purchaseFeedItemSchema = z.object({
  id: idSchema,
  customer_id: idSchema,
  product_id: idSchema,
  category_id: idSchema,
  purchased_at: timestampSchema,
});

export type PurchaseCreate = z.infer<typeof purchaseCreateSchema>;
export type PurchaseDetail = z.infer<typeof purchaseDetailSchema>;
export type HistoryItem = z.infer<typeof historyItemSchema>;
export type PurchaseFeedItem = z.infer<typeof purchaseFeedItemSchema>;
