import {
  countChars,
  errorSchema,
  hasControlCharacters,
  idField,
  idParam,
  isBlankName,
  MAX_ID,
  normalizeName,
  queryInt,
  text,
} from '@ecom/service-kit';
import { z } from 'zod';

// countChars, hasControlCharacters, isBlankName, normalizeName: how the text rules count length,
// find refused characters and blank names and store names, for readers that check them
// themselves (the dataset parser).
export { countChars, errorSchema, hasControlCharacters, isBlankName, normalizeName };

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
  skip: queryInt(0, MAX_ID).prefault(0).describe('How many to skip, in id order'),
  limit: queryInt(1, 100).prefault(10).describe('How many to answer (1–100)'),
});

/** Timestamps travel as ISO-8601 strings. */
export const timestampSchema = z
  .string()
  .describe('ISO-8601 timestamp')
  .meta({ example: '2026-11-25T10:15:00.000Z' });

const TITLE_RULES =
  'At most 150 characters as sent (before trimming and normalising). Whitespace and invisible ' +
  'characters are trimmed from both ends, then the title is normalised to Unicode NFC, so a ' +
  'title typed composed (é) or decomposed (e + U+0301) is the same title; blank, or only ' +
  'invisible characters (U+200B, U+200D, U+2060, U+FEFF…), is a 422, and so is a control ' +
  'character (U+0001–U+001F, U+007F–U+009F) or bidi override (U+202A–U+202E) inside.';

/**
 * Names and titles as written (customers, categories, products) and searched for: the one place
 * their rules live, checked before a title's uniqueness is. `titleField` describes one for its
 * use, followed by the rules every title shares.
 */
const titleSchema = text({ max: 150, required: true, name: true });
export const titleField = (description: string) => titleSchema.describe(`${description}. ${TITLE_RULES}`);

/**
 * A title as stored and answered, by the rules it was accepted under: rows written before
 * `titleSchema` normalised (NFD, or only invisible characters) or refused control characters
 * are answered and delivered as they are, never refused on the way out.
 */
export const storedTitleSchema = text({ max: 150, required: true, stored: true });

/** Product limits, the same where the catalog takes a product and where its vector is made. */
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1500;
