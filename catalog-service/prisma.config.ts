import { defineConfig } from 'prisma/config';

// `prisma migrate deploy` (containers, online) reads DATABASE_URL. The service schema is
// put on the search path so `_prisma_migrations` lives in catalog_schema, where the
// service's own offline migrator keeps it too.
function migrateUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  const parsed = new URL(url);
  parsed.searchParams.set('schema', 'catalog_schema');
  return parsed.toString();
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(migrateUrl() ? { datasource: { url: migrateUrl()! } } : {}),
});
