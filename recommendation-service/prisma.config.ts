import { servicePrismaConfig } from '@ecom/db/prisma-config';
import { defineConfig } from 'prisma/config';

export default defineConfig(servicePrismaConfig('recommendation_schema'));
