import { idParamSchema, pageQuery, titleSchema } from '@ecom/contracts';
import { z } from 'zod';

export const customerIdParams = z.object({ id: idParamSchema.describe("The customer's id") });

export const customerListQuery = pageQuery.extend({
  q: titleSchema
    .optional()
    .describe("Only customers whose name contains this text, ignoring case (the dashboard's search)"),
});
