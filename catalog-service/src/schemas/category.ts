import { z } from 'zod';
import { idSchema, titleSchema } from './common.js';

export const categoryCreateSchema = z.object({
  title: titleSchema.describe('Unique, case-insensitively'),
});

export const categorySchema = categoryCreateSchema.extend({ id: idSchema });

export const categoryIdParams = z.object({ id: idSchema });

export type CategoryCreate = z.infer<typeof categoryCreateSchema>;
export type Category = z.infer<typeof categorySchema>;
