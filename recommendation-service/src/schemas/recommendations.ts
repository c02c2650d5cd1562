import { demoCategory, demoPartner, demoProduct } from '@ecom/contracts';
import { idParam, queryInt } from '@ecom/service-kit';
import { z } from 'zod';

// Decimal digits only in paths and queries (`0x10` is a 422, as in FastAPI).
const id = idParam();
/**
 * An id read from an integer column: documented as an integer (typed clients must not get floats),
 * not checked as one on every answer (zod's `.int()` cost 10-15 % of a cached answer's throughput).
 */
const integerId = () => z.number().meta({ type: 'integer' });

export const customerParams = z.object({ customer_id: id.describe("The customer's id (user-service)") });
export const productParams = z.object({ product_id: id.describe("The product's id (catalog-service)") });

export const MAX_LIMIT = 100;

export const recommendationQuery = z.object({
  limit: queryInt(1, MAX_LIMIT).prefault(10).describe('How many products to answer (1–100)'),
  category_id: id
    .optional()
    .describe('Only products of this category (404 when the catalog has no such category)'),
  exclude_purchased: z
    .enum(['true', 'false', '1', '0'])
    .transform((value) => value === 'true' || value === '1')
    .default(true)
    .describe('Leave out products the customer already bought (`true`/`1`, the default, or `false`/`0`)'),
  strategy: z
    .enum(['hybrid', 'original'])
    .default('hybrid')
    .describe(
      "`original`: the ported system's algorithm (one embedding of the customer text), kept as a baseline; the original did not exclude purchases: add `exclude_purchased=false` for the faithful baseline",
    ),
});

export const similarQuery = z.object({
  limit: queryInt(1, MAX_LIMIT).prefault(10).describe('How many products to answer (1–100)'),
  category_id: id.optional().describe('Only products of this category'),
});

// A customer who bought demo product 17 is recommended demo product 22.
const reasonExample = {
  kind: 'bought_together',
  product_id: demoProduct.id,
  text: `Often bought with ${demoProduct.title}`,
};

const reasonSchema = z
  .object({
    kind: z
      .enum(['bought_together', 'bought_next', 'similar_to', 'matches_profile', 'popular'])
      .describe(
        'The signal that contributed most (a text similarity that is only an upper bound, for a product outside the nearest found, gives way to any other signal): bought_together / bought_next (other customers bought it with / after `product_id`), similar_to (its text is close to `product_id`), matches_profile (close to the customer profile or the whole history), popular',
      ),
    product_id: integerId()
      .optional()
      .describe("The customer's purchase the reason relates to, when there is one; never the item itself"),
    text: z.string().describe('A sentence a shop can show next to the item'),
  })
  .meta({ example: reasonExample });

/** Demo product 22 (demo products 22 and 17 are often bought together), as every product list shows it. */
export const productItemExample = {
  product_id: demoPartner.id,
  product: demoPartner.title,
  category_id: demoCategory.id,
  category: demoCategory.title,
};

/** What every list of products answers per item, whatever ranked it. */
export const productItemFields = {
  product_id: integerId(),
  product: z.string(),
  category_id: integerId(),
  category: z.string(),
};

export const recommendationSchema = z
  .object({
    ...productItemFields,
    score: z
      .number()
      .optional()
      .describe(
        "In [0, 1]: the weighted mean of the ranking signals (the same scale across requests and restarts). `strategy=original`: the cosine similarity to the customer's vector, in [-1, 1]",
      ),
    reason: reasonSchema.optional().describe('Why this item is recommended'),
  })
  .meta({
    example: { ...productItemExample, score: 0.812345, reason: reasonExample },
  });

/** An item of `/similar`: how close its vector is to the product's, and no reason. */
export const similarSchema = z
  .object({
    ...productItemFields,
    score: z
      .number()
      .describe(
        "Cosine similarity of the two products' vectors, in [-1, 1] (higher is closer; not the scale of a recommendation's score)",
      ),
  })
  .meta({ example: { ...productItemExample, score: 0.412345 } });

export const infoSchema = z
  .object({
    embedder: z.string(),
    model: z.string(),
    dimension: z.number(),
    store: z.enum(['milvus', 'embedded']),
    collection: z.string(),
    vector_count: z.number(),
    indexed_products: z.number(),
    purchase_statistics: z.object({ purchases: z.number(), products: z.number(), customers: z.number() }),
    reindex: z.object({
      state: z
        .string()
        .describe(
          'idle, running, waiting (at start-up, for catalog-service; retried shortly), done, failed, or not_needed (the outbox was filling an empty collection)',
        ),
      indexed: z.number(),
      removed: z.number().describe('Vectors of products the catalog no longer has, removed by the last run'),
      error: z.string().optional(),
      interrupted_run_started_at: z
        .string()
        .optional()
        .describe(
          'Set when this run does again one the last process started and did not finish (killed, stopped or failed during it): when that one started',
        ),
    }),
  })
  .meta({
    example: {
      embedder: 'hashing-v1-d1024',
      model: 'hashing-v1',
      dimension: 1024,
      store: 'embedded',
      collection: 'products_hashing_v1_d1024_d1024',
      vector_count: 151,
      indexed_products: 151,
      purchase_statistics: { purchases: 599, products: 148, customers: 57 },
      reindex: { state: 'done', indexed: 151, removed: 0 },
    },
  });
