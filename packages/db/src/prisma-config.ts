/**
 * What each service's `prisma.config.ts` gives the Prisma CLI. `prisma migrate deploy`
 * (containers, online) reads DATABASE_URL; the service's schema is put on the search path so
 * `_prisma_migrations` lives in that schema, where the offline migrator keeps it too.
 * A plain object: the service wraps it in `defineConfig` from its own `prisma` CLI package.
 */
export function servicePrismaConfig(schema: string, databaseUrl = process.env.DATABASE_URL) {
  const config = { schema: 'prisma/schema.prisma', migrations: { path: 'prisma/migrations' } };
  if (!databaseUrl) return config;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  return { ...config, datasource: { url: url.toString() } };
}
