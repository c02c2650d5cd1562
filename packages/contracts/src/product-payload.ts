import { text } from '@ecom/service-kit';
import { z } from 'zod';
import { idSchema, MAX_DESCRIPTION_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, storedTitleSchema } from './common.js';
import { demoProductPayload } from './examples.js';

// catalog-service's outbox sends these; recommendation-service's vector routes validate them.
// Text as catalog-service stored it (storedTitleSchema, `stored`): a product stored before the
// title or control-character rules still gets its vector.

/** The original `vectorize_product` body; `product_description` is accepted for forward compatibility. */
export const vectorizeProductSchema = z
  .object({
    product_id: idSchema,
    product_title: storedTitleSchema,
    category_id: idSchema,
    category_title: storedTitleSchema,
    product_tags: z
      .array(text({ max: MAX_TAG_LENGTH, stored: true }))
      .max(MAX_TAGS)
      .default([]),
    product_description: text({ max: MAX_DESCRIPTION_LENGTH, stored: true }).optional(),
  })
  .meta({ example: demoProductPayload });
export type VectorizeProduct = z.infer<typeof vectorizeProductSchema>;
/** What catalog-service sends for one product (the schema's input: tags may be omitted). */
export type ProductPayload = z.input<typeof vectorizeProductSchema>;
