import {
  demoCategory,
  idParamSchema,
  idSchema,
  newCategory,
  storedTitleSchema,
  titleField,
  updatedCategory,
} from '@ecom/contracts';
import { z } from 'zod';

export const categoryCreateSchema = z
  .object({ title: titleField('Unique, case-insensitively') })
  .meta({ example: newCategory });

/** PUT /category/'s body. */
export const categoryUpdateSchema = categoryCreateSchema
  .extend({ id: idSchema })
  .meta({ example: updatedCategory });

/** A category as stored and answered: titles stored before the title rules are answered as they are. */
export const categorySchema = categoryUpdateSchema
  .extend({ title: storedTitleSchema.describe('Unique, case-insensitively') })
  .meta({ example: demoCategory });

export const categoryIdParams = z.object({ id: idParamSchema.describe("The category's id") });

export type Category = z.infer<typeof categorySchema>;
