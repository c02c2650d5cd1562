import { registerDatabase } from '@ecom/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type Config, DB_SCHEMA, MIGRATIONS_DIR } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';

declare module 'fastify' {
  interface FastifyInstance {
    prisma: PrismaClient;
  }
}

/** recommendation-service's bookkeeping database (Postgres or embedded PGlite), as `app.prisma`. */
export default fp(
  async function recommendationDatabase(app: FastifyInstance, opts: { config: Config }) {
    const prisma = await registerDatabase(app, {
      serviceName: 'recommendation-service',
      schema: DB_SCHEMA,
      migrationsDir: MIGRATIONS_DIR,
      databaseUrl: opts.config.DATABASE_URL,
      dataDir: opts.config.DATA_DIR,
      createClient: (adapter) => new PrismaClient({ adapter }),
    });
    app.decorate('prisma', prisma);
  },
  { name: 'recommendation-database' },
);
