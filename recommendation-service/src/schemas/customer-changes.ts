import { z } from 'zod';

export const customersChangedSchema = z
  .object({
    customer_ids: z.array(z.number().int().min(1).max(2_147_483_647)).min(1).max(1000),
  })
  .meta({ example: { customer_ids: [3, 41] } });

export const customersChangedResultSchema = z
  .object({
    /** How many of them had a cached history (now dropped). */
    dropped: z.number(),
  })
  .meta({ example: { dropped: 1 } });
