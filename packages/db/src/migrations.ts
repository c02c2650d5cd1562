import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The few SQL calls the migrator needs, so one migrator serves node-postgres and PGlite. */
export interface SqlSession {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements (a migration file). */
  exec(sql: string): Promise<void>;
}

/**
 * Applies pending migrations with Prisma's bookkeeping (`_prisma_migrations` in the service's
 * schema, as `prisma migrate deploy` keeps it): either tool can take over from the other. An
 * advisory lock serialises concurrent starters of the same service. Prisma's folder layout:
 * `migrations/<name>/migration.sql`, applied in name order, checksum = sha256 (hex) of the file.
 */
export async function applyMigrations(session: SqlSession, schema: string, migrationsDir: string) {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const migrations = await Promise.all(
    names.sort().map(async (name) => {
      const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
  const quotedSchema = `"${schema.replaceAll('"', '""')}"`;
  await session.exec(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`);
  await session.exec(`CREATE TABLE IF NOT EXISTS ${quotedSchema}."_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
  // A stable 31-bit key per schema.
  const lockKey = createHash('sha256').update(`migrate:${schema}`).digest().readInt32BE(0) & 0x7fffffff;
  await session.query('SELECT pg_advisory_lock($1)', [lockKey]);
  try {
    const rows = await session.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM ${quotedSchema}."_prisma_migrations"
       WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    // An older version on a newer schema would run as if nothing had happened, writing what the
    // newer migrations ruled out (a title not in NFC): refused, as a checksum mismatch is.
    const unknown = rows.map((row) => row.migration_name).filter((name) => !names.includes(name));
    if (unknown.length > 0) {
      throw new Error(
        `${schema} was migrated by a newer version (${unknown.join(', ')} is not among this version's migrations); run that version or a later one, or restore a backup taken before it`,
      );
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      const recorded = done.get(migration.name);
      if (recorded !== undefined) {
        if (recorded !== migration.checksum) {
          throw new Error(
            `Migration ${migration.name} was edited after it was applied (checksum mismatch); add a new migration instead`,
          );
        }
        continue;
      }
      await session.exec('BEGIN');
      try {
        await session.exec(migration.sql);
        await session.query(
          `INSERT INTO ${quotedSchema}."_prisma_migrations"
             (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await session.exec('COMMIT');
      } catch (error) {
        await session.exec('ROLLBACK');
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [lockKey]);
  }
}
