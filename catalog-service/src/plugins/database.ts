import path from 'node:path';
import { openDatabase } from '@ecom/db';
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

/** Opens Postgres (DATABASE_URL) or the embedded PGlite database, migrates, and exposes Prisma. */
export default fp(
  async function databasePlugin(app: FastifyInstance, opts: { config: Config }) {
    const database = await openDatabase({
      databaseUrl: opts.config.DATABASE_URL,
      dataDir: path.join(opts.config.DATA_DIR, 'catalog-service'),
      schema: DB_SCHEMA,
      migrationsDir: MIGRATIONS_DIR,
    });
    const migrated = await database.migrate();
    app.log.info({ database: database.kind, ...migrated }, 'database ready');
    const prisma = new PrismaClient({ adapter: database.adapter });
    app.decorate('prisma', prisma);
    app.decorate('databaseKind', database.kind);
    app.addReadinessCheck('database', () => database.ping());
    app.addHook('onClose', async () => {
      await prisma.$disconnect();
      await database.close();
    });
  },
  { name: 'database' },
);
