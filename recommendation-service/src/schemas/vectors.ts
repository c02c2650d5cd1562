import { errorSchema, idField, text } from '@ecom/service-kit';
import { z } from 'zod';

export { errorSchema };

const id = idField();
const title = text({ max: 150, required: true });

/** The original `vectorize_product` body; `product_description` is accepted for forward compatibility. */
export const vectorizeProductSchema = z.object({
  product_id: id,
  product_title: title,
  category_id: id,
  category_title: title,
  product_tags: z
    .array(text({ max: 100 }))
    .max(50)
    .default([]),
  product_description: text({ max: 1500 }).optional(),
});
export type VectorizeProduct = z.infer<typeof vectorizeProductSchema>;

export const MAX_BATCH_UPSERT = 500;
export const MAX_BATCH_DELETE = 1000;

export const batchUpsertSchema = z.object({
  products: z.array(vectorizeProductSchema).min(1).max(MAX_BATCH_UPSERT),
});

export const batchDeleteSchema = z.object({
  product_ids: z.array(id).min(1).max(MAX_BATCH_DELETE),
});

export const vectorizeResultSchema = z.object({ product_id: z.number(), status: z.literal('stored') });
export const batchUpsertResultSchema = z.object({ upserted: z.number(), unchanged: z.number() });
export const batchDeleteResultSchema = z.object({ deleted: z.number() });
