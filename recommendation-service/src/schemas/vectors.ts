import { errorSchema, idField, text } from '@ecom/service-kit';
import { z } from 'zod';

export { errorSchema };

const id = idField();
const title = text({ max: 150, required: true });

/** The original `vectorize_product` body; `product_description` is accepted for forward compatibility. */
const exampleProduct = {
  product_id: 17,
  product_title: 'Stainless Steel Garden Trowel',
  category_id: 4,
  category_title: 'Garden & Outdoors',
  product_tags: ['garden', 'tools'],
  product_description: 'Rust-proof trowel with a soft-grip handle.',
};

export const vectorizeProductSchema = z
  .object({
    product_id: id,
    product_title: title,
    category_id: id,
    category_title: title,
    product_tags: z
      .array(text({ max: 100 }))
      .max(50)
      .default([]),
    product_description: text({ max: 1500 }).optional(),
  })
  .meta({ example: exampleProduct });
export type VectorizeProduct = z.infer<typeof vectorizeProductSchema>;

export const MAX_BATCH_UPSERT = 500;
export const MAX_BATCH_DELETE = 1000;

export const batchUpsertSchema = z
  .object({ products: z.array(vectorizeProductSchema).min(1).max(MAX_BATCH_UPSERT) })
  .meta({ example: { products: [exampleProduct] } });

export const batchDeleteSchema = z
  .object({ product_ids: z.array(id).min(1).max(MAX_BATCH_DELETE) })
  .meta({ example: { product_ids: [17, 18] } });

export const vectorizeResultSchema = z
  .object({ product_id: z.number(), status: z.literal('stored') })
  .meta({ example: { product_id: 17, status: 'stored' } });
export const batchUpsertResultSchema = z
  .object({
    upserted: z.number(),
    unchanged: z.number().describe('Products whose text had not changed: not re-embedded'),
  })
  .meta({ example: { upserted: 256, unchanged: 3 } });
export const batchDeleteResultSchema = z.object({ deleted: z.number() }).meta({ example: { deleted: 2 } });
