/**
 * Each service's `prisma.config.ts` for the Prisma CLI (wrapped in its own `defineConfig`). The
 * schema goes on DATABASE_URL's search path: `prisma migrate deploy` keeps `_prisma_migrations`
 * in the service's schema, as the offline migrator does.
 */
export function servicePrismaConfig(schema: string, databaseUrl = process.env.DATABASE_URL) {
  const config = { schema: 'prisma/schema.prisma', migrations: { path: 'prisma/migrations' } };
  if (!databaseUrl) return config;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return { ...config, datasource: { url: url.toString() } };
}
