import {
  createdPurchase,
  demoCategory,
  demoCustomer,
  demoProduct,
  type historyItemSchema,
  idParamSchema,
  idSchema,
  newPurchase,
  timestampSchema,
} from '@ecom/contracts';
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
  .meta({ example: newPurchase });

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
      ...createdPurchase,
      product_title: demoProduct.title,
      category_title: demoCategory.title,
      customer_title: demoCustomer.title,
      product_tags: demoProduct.tags,
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
  after_id: queryInt(0, MAX_ID).prefault(0).describe('Purchases with a larger id than this, oldest first'),
  limit: queryInt(1, 5_000).prefault(1_000).describe('How many to answer (1–5000)'),
});

export type PurchaseDetail = z.infer<typeof purchaseDetailSchema>;
export type HistoryItem = z.infer<typeof historyItemSchema>;
