import { text } from '@ecom/service-kit';
import { z } from 'zod';
import { idSchema, storedTitleSchema, titleField } from './common.js';
import { demoCustomer, newCustomer, updatedCustomer } from './examples.js';

// user-service answers these (its /customer/ routes); catalog-service parses them (its
// user-service client), so one schema serves both sides.

/** The profile as written (`stored: false`) or as stored and answered (`stored: true`). */
const profile = (stored: boolean) => ({
  gender: text({ max: 15, stored }),
  age: z.number().int().min(0).max(150),
  location: text({ max: 150, stored }),
  preference: text({ max: 150, stored }).describe('What the customer likes; part of the profile text'),
});

export const customerCreateSchema = z
  .object({
    title: titleField("The customer's name; unique, case-sensitively"),
    ...profile(false),
  })
  .meta({ example: newCustomer });

/** PUT /customer/'s body. */
export const customerUpdateSchema = customerCreateSchema
  .extend({ id: idSchema })
  .meta({ example: updatedCustomer });

/**
 * A customer as user-service stores and answers it (its clients parse it): text by the rules it
 * was accepted under, so one stored before control characters were refused is still answered.
 */
export const customerSchema = customerUpdateSchema
  .extend({
    title: storedTitleSchema.describe("The customer's name; unique, case-sensitively"),
    ...profile(true),
  })
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
