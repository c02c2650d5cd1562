import { z } from 'zod';

/** Integer ids as Postgres stores them (INT4): anything else is a 422, never a driver error. */
export const idSchema = z.coerce.number().int().min(1).max(2_147_483_647);

export const titleSchema = z.string().trim().min(1).max(150);

export const pageQuery = z.object({
  skip: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

export const errorSchema = z.object({ detail: z.string() });

/** Timestamps travel as ISO-8601 strings. */
export const timestampSchema = z.string().describe('ISO-8601 timestamp');
