import { text } from '@ecom/service-kit';
import { z } from 'zod';
import { idSchema } from './common.js';

// catalog-service's outbox sends these; recommendation-service's vector routes validate them.

const title = text({ max: 150, required: true });

/** The original `vectorize_product` body; `product_description` is accepted for forward compatibility. */
export const exampleProduct = {
  product_id: 17,
  product_title: 'Stainless Steel Garden Trowel',
  category_id: 4,
  category_title: 'Garden & Outdoors',
  product_tags: ['garden', 'tools'],
  product_description: 'Rust-proof trowel with a soft-grip handle.',
};

export const vectorizeProductSchema = z
  .object({
    product_id: idSchema,
    product_title: title,
    category_id: idSchema,
    category_title: title,
    product_tags: z
      .array(text({ max: 100 }))
      .max(50)
      .default([]),
    product_description: text({ max: 1500 }).optional(),
  })
  .meta({ example: exampleProduct });
export type VectorizeProduct = z.infer<typeof vectorizeProductSchema>;
/** What catalog-service sends for one product (the schema's input: tags may be omitted). */
export type ProductPayload = z.input<typeof vectorizeProductSchema>;
