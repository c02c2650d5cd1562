import { errorSchema, idField, idParam, MAX_ID, queryInt, text } from '@ecom/service-kit';
import { z } from 'zod';

export { errorSchema };

export const customerCreateSchema = z
  .object({
    title: text({ max: 150, required: true }).describe("The customer's name; unique"),
    gender: text({ max: 15 }),
    age: z.number().int().min(0).max(150),
    location: text({ max: 150 }),
    preference: text({ max: 150 }).describe('What the customer likes; part of the profile text'),
  })
  .meta({
    example: {
      title: 'Olivia Bennett',
      gender: 'Female',
      age: 34,
      location: 'Madrid',
      preference: 'Clothing',
    },
  });

export const customerSchema = customerCreateSchema.extend({ id: idField() }).meta({
  example: {
    id: 12,
    title: 'Olivia Bennett',
    gender: 'Female',
    age: 34,
    location: 'Madrid',
    preference: 'Clothing',
  },
});

export const customerIdParams = z.object({ id: idParam().describe("The customer's id") });

export const pageQuery = z.object({
  skip: queryInt(0, MAX_ID).default(0).describe('How many to skip, in id order'),
  limit: queryInt(1, 100).default(10).describe('How many to answer (1–100)'),
});

export const customerListQuery = pageQuery.extend({
  q: text({ max: 150, required: true })
    .optional()
    .describe("Only customers whose name contains this text, ignoring case (the dashboard's search)"),
});

export type CustomerCreate = z.infer<typeof customerCreateSchema>;
export type Customer = z.infer<typeof customerSchema>;
