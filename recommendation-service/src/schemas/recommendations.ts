import { idParam, queryInt } from '@ecom/service-kit';
import { z } from 'zod';

// Decimal digits only in paths and queries (`0x10` is a 422, as in FastAPI).
const id = idParam();

export const customerParams = z.object({ customer_id: id.describe("The customer's id (user-service)") });
export const productParams = z.object({ product_id: id.describe("The product's id (catalog-service)") });

const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const MAX_LIMIT = 100;

export const recommendationQuery = z.object({
  limit: queryInt(1, MAX_LIMIT).default(10).describe('How many products to answer (1–100)'),
  category_id: id.optional().describe('Only products of this category (404 when no product has it)'),
  exclude_purchased: booleanQuery.default(true),
  strategy: z
    .enum(['hybrid', 'original'])
    .default('hybrid')
    .describe(
      "`original`: the ported system's algorithm (one embedding of the customer text), kept as a baseline; the original did not exclude purchases: add `exclude_purchased=false` for the faithful baseline",
    ),
});

export const similarQuery = z.object({
  limit: queryInt(1, MAX_LIMIT).default(10).describe('How many products to answer (1–100)'),
  category_id: id.optional().describe('Only products of this category'),
});

export const recommendationSchema = z.object({
  product_id: z.number(),
  product: z.string(),
  category_id: z.number(),
  category: z.string(),
  score: z.number().optional(),
});

export const infoSchema = z.object({
  embedder: z.string(),
  model: z.string(),
  dimension: z.number(),
  store: z.enum(['milvus', 'embedded']),
  collection: z.string(),
  vector_count: z.number(),
  indexed_products: z.number(),
  purchase_statistics: z.object({ purchases: z.number(), products: z.number(), customers: z.number() }),
  reindex: z.object({
    state: z.string(),
    indexed: z.number(),
    removed: z.number(),
    error: z.string().optional(),
  }),
});
