import { idParamSchema, idSchema, titleSchema } from '@ecom/contracts';
import { z } from 'zod';

export const categoryCreateSchema = z
  .object({ title: titleSchema.describe('Unique, case-insensitively') })
  .meta({ example: { title: 'Garden & Outdoors' } });

export const categorySchema = categoryCreateSchema
  .extend({ id: idSchema })
  .meta({ example: { id: 4, title: 'Garden & Outdoors' } });

export const categoryIdParams = z.object({ id: idParamSchema.describe("The category's id") });

export type Category = z.infer<typeof categorySchema>;
