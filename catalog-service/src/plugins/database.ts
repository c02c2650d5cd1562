import { registerDatabase } from '@ecom/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type Config, DB_SCHEMA, MIGRATIONS_DIR } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
    /** 'pglite' means an embedded database that only this process can open. */
    databaseKind: 'postgres' | 'pglite';
  }
}

/** catalog-service's database: Postgres (DATABASE_URL) or embedded PGlite, migrated, as `app.prisma`. */
export default fp(
  async function catalogDatabase(app: FastifyInstance, opts: { config: Config }) {
    const prisma = await registerDatabase(app, {
      serviceName: 'catalog-service',
      schema: DB_SCHEMA,
      migrationsDir: MIGRATIONS_DIR,
      databaseUrl: opts.config.DATABASE_URL,
      dataDir: opts.config.DATA_DIR,
      createClient: (adapter) => new PrismaClient({ adapter }),
    });
    app.decorate('prisma', prisma);
    app.decorate('databaseKind', opts.config.DATABASE_URL ? 'postgres' : 'pglite');
  },
  { name: 'database' },
);
