import { idParamSchema, pageQuery } from '@ecom/contracts';
import { text } from '@ecom/service-kit';
import { z } from 'zod';

export const customerIdParams = z.object({ id: idParamSchema.describe("The customer's id") });

export const customerListQuery = pageQuery.extend({
  q: text({ max: 150, required: true })
    .optional()
    .describe("Only customers whose name contains this text, ignoring case (the dashboard's search)"),
});
