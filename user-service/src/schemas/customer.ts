import { idParamSchema, pageQuery, titleField } from '@ecom/contracts';
import { queryInt } from '@ecom/service-kit';
import { z } from 'zod';

export const customerIdParams = z.object({ id: idParamSchema.describe("The customer's id") });

export const customerListQuery = pageQuery.extend({
  q: titleField(
    "Only customers whose name contains this text, ignoring case (the dashboard's search)",
  ).optional(),
});

export const customerChangesQuery = z.object({
  after_version: queryInt(0, Number.MAX_SAFE_INTEGER)
    .prefault(0)
    .describe('The last version seen (0: from the start)'),
  limit: queryInt(1, 1_000).prefault(500).describe('How many to answer (1–1000)'),
});
