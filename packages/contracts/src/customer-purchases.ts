import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';

// catalog-service answers these (GET /Purchases/customer_purchased_products/{customer_id}); recommendation-service
// parses them (its catalog client) and shows them on its dashboard.

const historyItemExample = {
  purchase_id: 600,
  category_id: 4,
  category_title: 'Garden & Outdoors',
  product_id: 17,
  product_title: 'Stainless Steel Garden Trowel',
  product_tags: ['garden', 'tools'],
  purchased_at: '2026-11-25T10:15:00.000Z',
};

/** The documented example answer; the dashboard's customer detail extends it. */
export const customerPurchasesExample = {
  id: 3,
  age: 34,
  title: 'Olivia Bennett',
  gender: 'Female',
  location: 'Madrid',
  preference: 'Clothing',
  purchases: [historyItemExample],
};

export const historyItemSchema = z
  .object({
    purchase_id: idSchema,
    category_id: idSchema,
    category_title: z.string(),
    product_id: idSchema,
    product_title: z.string(),
    product_tags: z.array(z.string()),
    purchased_at: timestampSchema,
  })
  .meta({ example: historyItemExample });

export const customerPurchasesSchema = z
  .object({
    id: idSchema,
    age: z.number().int(),
    title: z.string(),
    gender: z.string(),
    location: z.string(),
    preference: z.string(),
    purchases: z.array(historyItemSchema),
  })
  .meta({ example: customerPurchasesExample });

export type CustomerPurchases = z.infer<typeof customerPurchasesSchema>;
