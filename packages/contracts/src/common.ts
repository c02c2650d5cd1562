import { countChars, errorSchema, idField, idParam, MAX_ID, queryInt, text } from '@ecom/service-kit';
import { z } from 'zod';

// countChars: how the text rules count length, for readers that check a limit themselves (the dataset parser).
export { countChars, errorSchema };

/** Ids in JSON bodies: integers as Postgres stores them (INT4). */
export const idSchema = idField();
/** Ids in paths and query strings: decimal digits only (`0x10` is a 422, as in FastAPI). */
export const idParamSchema = idParam();

/** One page of a list route: its items, and the total the `X-Total-Count` header carries. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** `skip`/`limit` of every list route. */
export const pageQuery = z.object({
  skip: queryInt(0, MAX_ID).default(0).describe('How many to skip, in id order'),
  limit: queryInt(1, 100).default(10).describe('How many to answer (1–100)'),
});

/** Timestamps travel as ISO-8601 strings. */
export const timestampSchema = z
  .string()
  .describe('ISO-8601 timestamp')
  .meta({ example: '2026-11-25T10:15:00.000Z' });

/** Names and titles (customers, categories, products): 150 characters, not blank. */
export const titleSchema = text({ max: 150, required: true });

/** Product limits, the same where the catalog takes a product and where its vector is made. */
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1500;
