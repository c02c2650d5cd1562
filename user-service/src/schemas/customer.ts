import { z } from 'zod';

/** Integer ids as Postgres stores them (INT4): anything else is a 422, never a driver error. */
export const idSchema = z.coerce.number().int().min(1).max(2_147_483_647);

const title = z.string().trim().min(1).max(150).describe("The customer's name; unique");

export const customerCreateSchema = z.object({
  title,
  gender: z.string().trim().max(15),
  age: z.number().int().min(0).max(150),
  location: z.string().trim().max(150),
  preference: z.string().trim().max(150),
});

export const customerSchema = customerCreateSchema.extend({ id: idSchema });

export const customerIdParams = z.object({ id: idSchema });

export const pageQuery = z.object({
  skip: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export const customerListQuery = pageQuery.extend({
  q: z
    .string()
    .trim()
    .min(1)
    .max(150)
    .optional()
    .describe("Only customers whose name contains this text, ignoring case (the dashboard's search)"),
});

export const errorSchema = z.object({ detail: z.string() });

export type CustomerCreate = z.infer<typeof customerCreateSchema>;
export type Customer = z.infer<typeof customerSchema>;
