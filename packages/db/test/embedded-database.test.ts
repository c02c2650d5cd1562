import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
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

// Another process holds the folder, as a second `npm start` on the same DATA_DIR would: without
// a lock both served 2xx writes with the same ids, and one side's were lost.
it('lets one process own an embedded database folder; a crashed owner is taken over', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pglite-'));
  const migrationsDir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  await mkdir(path.join(migrationsDir, '20260101000000_init'));
  await writeFile(
    path.join(migrationsDir, '20260101000000_init', 'migration.sql'),
    'CREATE TABLE "demo_schema"."thing" (id INT);',
  );
  const options = { dataDir, schema: 'demo_schema', migrationsDir };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const source = pathToFileURL(path.resolve(import.meta.dirname, '../src/index.ts')).href;
  const owner = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      '--input-type=module',
      '-e',
      `import { openDatabase } from ${JSON.stringify(source)};
       const db = await openDatabase(${JSON.stringify(options)});
       await db.migrate();
       console.log('open');
       setInterval(() => {}, 60_000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [line] = await once(createInterface({ input: owner.stdout }), 'line');
    expect(line).toBe('open');
    await expect(openDatabase(options)).rejects.toThrow(`${dataDir} is in use by process ${owner.pid}`);
  } finally {
    owner.kill('SIGKILL');
  }
  await once(owner, 'exit');
  const database = await openDatabase(options);
  try {
    // What the killed owner committed is there.
    expect(await database.migrate()).toEqual({ applied: [], alreadyApplied: 1 });
  } finally {
    await database.close();
  }
});
