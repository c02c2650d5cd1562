import { z } from 'zod';
import { idSchema, pageQuery, titleSchema } from './common.js';

export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 100;

const tagSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TAG_LENGTH)
  // The original stored tags comma-joined and the embedding text joins them with commas:
  // a comma inside a tag would silently turn into two tags there.
  .refine((tag) => !tag.includes(','), 'A tag cannot contain a comma');

/** Trimmed, duplicates (ignoring case) dropped, first spelling and order kept. */
export const tagsSchema = z
  .array(tagSchema)
  .max(MAX_TAGS)
  .transform((tags) => {
    const seen = new Set<string>();
    return tags.filter((tag) => {
      const key = tag.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

export const productCreateSchema = z.object({
  title: titleSchema.describe('Unique, case-insensitively'),
  category_id: idSchema,
  description: z.string().trim().max(1500).default(''),
  tags: tagsSchema
    .default([])
    .describe(`Up to ${MAX_TAGS} tags of up to ${MAX_TAG_LENGTH} characters, no commas`),
});

export const productUpdateSchema = productCreateSchema.extend({ id: idSchema });

export const productSchema = z.object({
  id: idSchema,
  title: z.string(),
  category_id: idSchema,
  description: z.string(),
  tags: z.array(z.string()),
});

export const productIdParams = z.object({ id: idSchema });

export const productListQuery = pageQuery.extend({
  category_id: idSchema.optional().describe('Only products of this category'),
});

export type ProductCreate = z.infer<typeof productCreateSchema>;
export type ProductUpdate = z.infer<typeof productUpdateSchema>;
export type Product = z.infer<typeof productSchema>;
