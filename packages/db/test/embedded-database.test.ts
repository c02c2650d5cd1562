import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
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
    maintenanceIntervalMs: 500,
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

// PGlite has no autovacuum either: an outbox-like table that is emptied again and again must
// reuse its dead space instead of growing for as long as the service runs.
it('keeps a churning embedded table from growing while open (PGlite never vacuums by itself)', {
  timeout: 180_000,
}, async () => {
  const database = await openDatabase({
    dataDir: await mkdtemp(path.join(tmpdir(), 'pglite-')),
    schema: 'demo_schema',
    migrationsDir: await mkdtemp(path.join(tmpdir(), 'migrations-')),
    maintenanceIntervalMs: 200,
  });
  const prisma = new PrismaClient({ adapter: database.adapter });
  const churn = () =>
    prisma.$transaction([
      prisma.$executeRawUnsafe(
        `INSERT INTO queue (body) SELECT repeat(md5(random()::text), 4) FROM generate_series(1, 2000)`,
      ),
      prisma.$executeRawUnsafe('DELETE FROM queue'),
    ]);
  const bytes = async () => {
    const [row] = await prisma.$queryRawUnsafe<{ bytes: bigint }[]>(
      `SELECT pg_total_relation_size('queue') AS bytes`,
    );
    return Number(row?.bytes);
  };
  try {
    await prisma.$executeRawUnsafe('CREATE TABLE queue (id serial PRIMARY KEY, body text)');
    await churn();
    const afterOneRound = await bytes();
    // Without vacuuming, each round of 2,000 rows adds as much again (~380 KB here), empty or not.
    for (let round = 0; round < 6; round++) {
      await churn();
      await expect.poll(bytes, { timeout: 30_000, interval: 100 }).toBeLessThanOrEqual(afterOneRound);
    }
  } finally {
    await prisma.$disconnect();
    await database.close();
  }
});

/** A small tmpfs of its own (a real nearly full or read-only disk), or null where mounting is not allowed. */
async function tinyDisk(options: string): Promise<string | null> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tiny-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    await rm(dir, { recursive: true });
    return null;
  }
}

const probe = await tinyDisk('size=1m');
if (probe) execFileSync('umount', [probe]);
describe.skipIf(!probe)('an embedded database on a disk without room (needs root to mount a tmpfs)', () => {
  it('refuses to start naming the folder and the cause', { timeout: 120_000 }, async () => {
    const disk = (await tinyDisk('size=8m')) as string;
    try {
      const dataDir = path.join(disk, 'user-service');
      const open = openDatabase({ dataDir, schema: 'demo_schema', migrationsDir: disk });
      await expect(open).rejects.toThrow(
        `${dataDir}: no room for the embedded database: 8 MB free on its disk, at least 16 MB needed`,
      );
      // Room to begin, not for a new cluster (~40 MB): the disk ran full during its creation.
      execFileSync('mount', ['-o', 'remount,size=24m', disk]);
      await expect(openDatabase({ dataDir, schema: 'demo_schema', migrationsDir: disk })).rejects.toThrow(
        `${dataDir}: the embedded database did not start (0 MB free on its disk)`,
      );
      execFileSync('mount', ['-o', 'remount,ro,size=64m', disk]); // room, but read-only
      await expect(openDatabase({ dataDir, schema: 'demo_schema', migrationsDir: disk })).rejects.toThrow(
        `EROFS: read-only file system, open '${dataDir}/LOCK'`,
      );
    } finally {
      execFileSync('umount', [disk]);
    }
  });
});
