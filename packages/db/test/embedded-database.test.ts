import { mkdtemp } from 'node:fs/promises';
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
