/**
 * Each service's `prisma.config.ts` for the Prisma CLI (wrapped in its own `defineConfig`). The
 * schema goes on DATABASE_URL's search path: `prisma migrate deploy` keeps `_prisma_migrations`
 * in the service's schema, as the offline migrator does.
 */
export function servicePrismaConfig(schema: string) {
  const config = { schema: 'prisma/schema.prisma', migrations: { path: 'prisma/migrations' } };
  if (!process.env.DATABASE_URL) return config;
  const url = new URL(process.env.DATABASE_URL);
  url.searchParams.set('schema', schema);
  return { ...config, datasource: { url: url.toString() } };
}
