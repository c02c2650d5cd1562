import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../../user-service/src/generated/prisma/client.js';
import { createScratchDatabase, type Database, openDatabase, scratchName } from '../src/index.js';

const USER_MIGRATIONS = path.resolve(import.meta.dirname, '../../../user-service/prisma/migrations');

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function open(migrations: string): Promise<Database> {
  const base = process.env.DATABASE_URL;
  return openDatabase({
    databaseUrl: base ? await createScratchDatabase(base, 'test_db') : undefined,
    dataDir: base ? '' : await mkdtemp(path.join(tmpdir(), 'pglite-')),
    schema: 'demo_schema',
    migrationsDir: migrations,
  });
}

describe(`offline migrator (${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'})`, () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('applies pending migrations once, in name order, with Prisma bookkeeping', async () => {
    const dir = await migrationsDir({
      '20260101000000_init': 'CREATE TABLE "demo_schema"."thing" (id INT PRIMARY KEY);',
      '20260102000000_more': 'ALTER TABLE "demo_schema"."thing" ADD COLUMN name TEXT;',
    });
    database = await open(dir);
    expect(await database.migrate()).toEqual({
      applied: ['20260101000000_init', '20260102000000_more'],
      alreadyApplied: 0,
    });
    expect(await database.migrate()).toEqual({ applied: [], alreadyApplied: 2 });

    await mkdir(path.join(dir, '20260103000000_third'));
    await writeFile(path.join(dir, '20260103000000_third', 'migration.sql'), 'SELECT 1;');
    expect((await database.migrate()).applied).toEqual(['20260103000000_third']);
  });

  it('records the same checksum Prisma does (sha256 hex of the file) in _prisma_migrations', async () => {
    const sql = 'CREATE TABLE "demo_schema"."thing" (id INT PRIMARY KEY);\n';
    database = await open(await migrationsDir({ '20260101000000_init': sql }));
    await database.migrate();
    const prisma = new PrismaClient({ adapter: database.adapter });
    try {
      const rows = await prisma.$queryRawUnsafe<
        { migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]
      >(
        'SELECT migration_name, checksum, finished_at, applied_steps_count FROM demo_schema._prisma_migrations',
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.migration_name).toBe('20260101000000_init');
      expect(rows[0]?.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(rows[0]?.finished_at).not.toBeNull();
      expect(rows[0]?.applied_steps_count).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('rolls back a failing migration completely and reports which one failed', async () => {
    database = await open(
      await migrationsDir({
        '20260101000000_ok': 'CREATE TABLE "demo_schema"."a" (id INT);',
        '20260102000000_bad': 'CREATE TABLE "demo_schema"."b" (id INT); SELECT no_such_function();',
      }),
    );
    await expect(database.migrate()).rejects.toThrow(/20260102000000_bad failed/);
    const prisma = new PrismaClient({ adapter: database.adapter });
    try {
      const tables = await prisma.$queryRawUnsafe<{ table_name: string }[]>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'demo_schema' ORDER BY 1`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(['_prisma_migrations', 'a']);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('refuses to start when an applied migration was edited', async () => {
    const dir = await migrationsDir({ '20260101000000_init': 'CREATE TABLE "demo_schema"."a" (id INT);' });
    database = await open(dir);
    await database.migrate();
    await writeFile(
      path.join(dir, '20260101000000_init', 'migration.sql'),
      'CREATE TABLE "demo_schema"."a" (x INT);',
    );
    await expect(database.migrate()).rejects.toThrow(/edited after it was applied/);
  });

  // Started on it, an older version ran as if nothing had happened: it stored a title the newer
  // NFC migration would have brought to NFC, and back on the newer version a customer of the same name was accepted twice.
  it('refuses a database a newer version migrated, naming the migrations it does not know', async () => {
    const dir = await migrationsDir({ '20260101000000_init': 'CREATE TABLE "demo_schema"."a" (id INT);' });
    database = await open(dir);
    await mkdir(path.join(dir, '20260102000000_newer'));
    await writeFile(path.join(dir, '20260102000000_newer', 'migration.sql'), 'SELECT 1;');
    await database.migrate();
    await rm(path.join(dir, '20260102000000_newer'), { recursive: true });
    await expect(database.migrate()).rejects.toThrow(
      "demo_schema was migrated by a newer version (20260102000000_newer is not among this version's migrations)",
    );
  });

  it.skipIf(!process.env.DATABASE_URL)(
    'refuses a database that is not UTF8, naming DATABASE_URL, before it writes anything (needs DATABASE_URL)',
    async () => {
      const base = process.env.DATABASE_URL!;
      const name = scratchName('test_ascii');
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      try {
        await admin.query(
          `CREATE DATABASE "${name}" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
        );
      } finally {
        await admin.end();
      }
      const url = new URL(base);
      url.pathname = `/${name}`;
      database = await openDatabase({
        databaseUrl: url.toString(),
        dataDir: '',
        schema: 'demo_schema',
        migrationsDir: USER_MIGRATIONS,
      });
      await expect(database.migrate()).rejects.toThrow(
        'DATABASE_URL names a database encoded SQL_ASCII; the services need a UTF8 one',
      );
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const schemas = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = 'demo_schema'");
        expect(schemas.rowCount).toBe(0);
      } finally {
        await client.end();
      }
    },
  );

  it('applies the real user-service migrations', async () => {
    database = await open(USER_MIGRATIONS);
    const result = await database.migrate();
    expect(result.applied.length).toBeGreaterThan(0);
    const lock = await readFile(path.join(USER_MIGRATIONS, 'migration_lock.toml'), 'utf8');
    expect(lock).toContain('provider = "postgresql"');
  });
});
