import { text } from '@ecom/service-kit';
import { z } from 'zod';
import { idSchema, storedTitleSchema, titleField } from './common.js';
import { demoCustomer, newCustomer, updatedCustomer } from './examples.js';

// user-service answers these (its /customer/ routes); catalog-service parses them (its
// user-service client), so one schema serves both sides.

export const customerCreateSchema = z
  .object({
    title: titleField("The customer's name; unique, case-sensitively"),
    gender: text({ max: 15 }),
    age: z.number().int().min(0).max(150),
    location: text({ max: 150 }),
    preference: text({ max: 150 }).describe('What the customer likes; part of the profile text'),
  })
  .meta({ example: newCustomer });

/** PUT /customer/'s body. */
export const customerUpdateSchema = customerCreateSchema
  .extend({ id: idSchema })
  .meta({ example: updatedCustomer });

/** A customer as user-service stores and answers it (its clients parse it). */
export const customerSchema = customerUpdateSchema
  .extend({ title: storedTitleSchema.describe("The customer's name; unique, case-sensitively") })
  .meta({ example: demoCustomer });

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
      customer_id: demoCustomer.id,
      customer: demoCustomer,
    },
  });
export type CustomerChange = z.infer<typeof customerChangeSchema>;
