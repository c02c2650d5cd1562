import { text } from '@ecom/service-kit';
import { z } from 'zod';
import { idSchema, storedTitleSchema, titleField } from './common.js';

// user-service answers these (its /customer/ routes); catalog-service parses them (its
// user-service client), so one schema serves both sides.

const customerCreateExample = {
  title: 'Olivia Bennett',
  gender: 'Female',
  age: 34,
  location: 'Madrid',
  preference: 'Clothing',
};

/** The documented example customer (also in user-service's customer feed). */
export const customerExample = { id: 12, ...customerCreateExample };

export const customerCreateSchema = z
  .object({
    title: titleField("The customer's name; unique, case-sensitively"),
    gender: text({ max: 15 }),
    age: z.number().int().min(0).max(150),
    location: text({ max: 150 }),
    preference: text({ max: 150 }).describe('What the customer likes; part of the profile text'),
  })
  .meta({ example: customerCreateExample });

/** PUT /customer/'s body. */
export const customerUpdateSchema = customerCreateSchema
  .extend({ id: idSchema })
  .meta({ example: customerExample });

/** A customer as user-service stores and answers it (its clients parse it). */
export const customerSchema = customerUpdateSchema
  .extend({ title: storedTitleSchema.describe("The customer's name; unique, case-sensitively") })
  .meta({ example: customerExample });

export type CustomerCreate = z.infer<typeof customerCreateSchema>;
export type Customer = z.infer<typeof customerSchema>;

/** One entry of user-service's customer feed (`GET /customer/changes/`); recommendation-service follows it. */
export const customerChangeSchema = z
  .object({
    version: z
      .number()
      .int()
      .describe('Increases with every write; pass the last one seen as `after_version`'),
    customer_id: z.number().int(),
    customer: customerSchema.nullable().describe('The customer as they are now; null: deleted'),
  })
  .meta({
    example: {
      version: 58,
      customer_id: 12,
      customer: customerExample,
    },
  });
export type CustomerChange = z.infer<typeof customerChangeSchema>;
