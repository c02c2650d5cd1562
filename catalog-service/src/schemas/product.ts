import {
  idParamSchema,
  idSchema,
  MAX_DESCRIPTION_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  newProduct,
  pageQuery,
  titleField,
  updatedProduct,
} from '@ecom/contracts';
import { uniqueTags } from '@ecom/dataset';
import { text } from '@ecom/service-kit';
import { z } from 'zod';

// The original stored tags comma-joined and the embedding text joins them with commas:
// a comma inside a tag would silently turn into two tags there.
const tagSchema = text({ max: MAX_TAG_LENGTH, required: true, forbid: ',' });

// As the dataset import stores them: duplicates (ignoring case) dropped, first spelling and order kept.
const tagsSchema = z.array(tagSchema).max(MAX_TAGS).transform(uniqueTags);

export const productCreateSchema = z
  .object({
    title: titleField('Unique, case-insensitively'),
    category_id: idSchema.describe('An existing category (404 otherwise)'),
    description: text({ max: MAX_DESCRIPTION_LENGTH, multiline: true }).default(''),
    // null too, as the original's Optional[List[str]] took it: Go and Java serialise an empty list so.
    tags: tagsSchema
      .nullish()
      .transform((tags) => tags ?? [])
      .describe(
        `Up to ${MAX_TAGS} tags of up to ${MAX_TAG_LENGTH} characters, no commas; duplicates (ignoring case) are dropped; null or absent: none`,
      ),
  })
  .meta({ example: newProduct });

export const productUpdateSchema = productCreateSchema
  .extend({ id: idSchema.describe('The product to replace') })
  .meta({ example: updatedProduct });

export const productIdParams = z.object({ id: idParamSchema.describe("The product's id") });

export const productListQuery = pageQuery.extend({
  category_id: idParamSchema.optional().describe('Only products of this category'),
});

export type ProductCreate = z.infer<typeof productCreateSchema>;
export type ProductUpdate = z.infer<typeof productUpdateSchema>;
