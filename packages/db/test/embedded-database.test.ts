import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PrismaClient } from '../../../user-service/src/generated/prisma/client.js';
import { openDatabase } from '../src/index.js';

// Always PGlite, with or without DATABASE_URL: this is about the embedded default.
it("runs the embedded database with 16 MB of shared buffers instead of Postgres's 128 MB", async () => {
  const database = await openDatabase({
    dataDir: await mkdtemp(path.join(tmpdir(), 'pglite-')),
    schema: 'demo_schema',
    migrationsDir: await mkdtemp(path.join(tmpdir(), 'migrations-')),
  });
  const prisma = new PrismaClient({ adapter: database.adapter });
  try {
    expect(database.kind).toBe('pglite');
    const [row] = await prisma.$queryRawUnsafe<{ shared_buffers: string }[]>('SHOW shared_buffers');
    expect(row?.shared_buffers).toBe('16MB');
  } finally {
    await prisma.$disconnect();
    await database.close();
  }
});

// A shop's embedded stack runs for weeks: its WAL must not keep every write since the start.
it('keeps the embedded WAL bounded while open (PGlite never checkpoints by itself)', {
  timeout: 180_000,
}, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pglite-'));
  const database = await openDatabase({
    dataDir,
    schema: 'demo_schema',
    migrationsDir: await mkdtemp(path.join(tmpdir(), 'migrations-')),
    checkpointIntervalMs: 500,
  });
  const prisma = new PrismaClient({ adapter: database.adapter });
  const walMiB = async () => {
    const segments = (await readdir(path.join(dataDir, 'pg_wal'))).filter((name) =>
      /^[0-9A-F]{24}$/.test(name),
    );
    const sizes = await Promise.all(
      segments.map(async (name) => (await stat(path.join(dataDir, 'pg_wal', name))).size),
    );
    return sizes.reduce((sum, size) => sum + size, 0) / 2 ** 20;
  };
  try {
    await prisma.$executeRawUnsafe('CREATE TABLE churn (id serial PRIMARY KEY, body text)');
    // About 100 MiB of WAL: rows written and deleted again, as the outbox does.
    for (let round = 0; round < 24; round++) {
      await prisma.$executeRawUnsafe(
        `INSERT INTO churn (body) SELECT repeat(md5(random()::text), 20) FROM generate_series(1, 5000)`,
      );
      await prisma.$executeRawUnsafe('DELETE FROM churn');
    }
    await expect.poll(walMiB, { timeout: 60_000, interval: 500 }).toBeLessThanOrEqual(64);
  } finally {
    await prisma.$disconnect();
    await database.close();
  }
});
