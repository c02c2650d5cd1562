import {
  demoProduct,
  demoProductPayload,
  idSchema,
  unknownProductId,
  vectorizeProductSchema,
} from '@ecom/contracts';
import { z } from 'zod';

export const batchUpsertSchema = z
  .object({ products: z.array(vectorizeProductSchema).min(1).max(500) })
  .meta({ example: { products: [demoProductPayload] } });

export const batchDeleteSchema = z
  .object({ product_ids: z.array(idSchema).min(1).max(1000) })
  .meta({ example: { product_ids: [unknownProductId] } });

export const vectorizeResultSchema = z
  .object({ product_id: z.number(), status: z.literal('stored') })
  .meta({ example: { product_id: demoProduct.id, status: 'stored' } });
export const batchUpsertResultSchema = z
  .object({
    upserted: z
      .number()
      .describe("The batch's distinct products (one named twice counts once), every one now stored"),
    unchanged: z
      .number()
      .describe('Of those, the ones already stored with the same title, category and tags: not re-embedded'),
  })
  .meta({ example: { upserted: 256, unchanged: 3 } });
export const batchDeleteResultSchema = z
  .object({
    deleted: z
      .number()
      .describe('The distinct ids sent, whether they were stored or not (an unknown id counts too)'),
  })
  .meta({ example: { deleted: 1 } });
