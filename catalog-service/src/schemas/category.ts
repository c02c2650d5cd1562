import { idParamSchema, idSchema, newCategory, titleField, updatedCategory } from '@ecom/contracts';
import { z } from 'zod';

export const categoryCreateSchema = z
  .object({ title: titleField('Unique, case-insensitively') })
  .meta({ example: newCategory });

/** PUT /category/'s body. */
export const categoryUpdateSchema = categoryCreateSchema
  .extend({ id: idSchema })
  .meta({ example: updatedCategory });

export const categoryIdParams = z.object({ id: idParamSchema.describe("The category's id") });
