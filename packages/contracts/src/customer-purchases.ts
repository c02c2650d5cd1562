import { z } from 'zod';
import { idSchema, timestampSchema } from './common.js';
import { createdPurchase, demoCategory, demoCustomer, demoProduct } from './examples.js';

// catalog-service answers these (GET /Purchases/customer_purchased_products/{customer_id}); recommendation-service
// parses them (its catalog client) and shows them on its dashboard.

const historyItemExample = {
  purchase_id: createdPurchase.id,
  category_id: demoCategory.id,
  category_title: demoCategory.title,
  product_id: demoProduct.id,
  product_title: demoProduct.title,
  product_tags: demoProduct.tags,
  purchased_at: createdPurchase.purchased_at,
};

/** The documented example answer; the dashboard's customer detail extends it. */
export const customerPurchasesExample = { ...demoCustomer, purchases: [historyItemExample] };

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
