import path from 'node:path';
// Brings in the addReadinessCheck decorator's type.
import type {} from '@ecom/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Database, openDatabase } from './open-database.js';

/** The parts of a generated PrismaClient this plugin needs. */
type PrismaLike = { $disconnect(): Promise<void> };

interface DatabasePluginOptions<Client extends PrismaLike> {
  /** Folder name under DATA_DIR for the embedded database, e.g. "user-service". */
  serviceName: string;
  schema: string;
  migrationsDir: string;
  /** The service's config: Postgres when DATABASE_URL is set, PGlite under DATA_DIR otherwise. */
  config: { DATABASE_URL?: string | undefined; DATA_DIR: string };
  createClient(adapter: Database['adapter']): Client;
}

/**
 * Every service's database plugin: opens Postgres (DATABASE_URL) or PGlite, migrates, creates
 * the Prisma client, adds a readiness check and closes it all on app close.
 */
export async function registerDatabase<Client extends PrismaLike>(
  app: FastifyInstance,
  options: DatabasePluginOptions<Client>,
): Promise<Client> {
  const { config } = options;
  const dataDir = path.join(config.DATA_DIR, options.serviceName);
  const database = await openDatabase({ ...options, databaseUrl: config.DATABASE_URL, dataDir });
  try {
    const migrated = await database.migrate();
    app.log.info({ database: database.kind, schema: options.schema, ...migrated }, 'database ready');
  } catch (error) {
    await database.close();
    throw error;
  }
  const client = options.createClient(database.adapter);
  app.addReadinessCheck('database', () => database.ping());
  app.addHook('onClose', async () => {
    await client.$disconnect();
    await database.close();
  });
  return client;
}
