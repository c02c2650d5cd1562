import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { lockDirectory } from './dir-lock.js';
import { applyMigrations, type SqlSession } from './migrations.js';

interface DatabaseOptions {
  /** A postgres:// URL; when absent, an embedded PGlite database in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Folder for the embedded database; `memory://` keeps it in memory (tests). */
  dataDir: string;
  schema: string;
  migrationsDir: string;
  /** PGlite only: how often to vacuum and checkpoint (default 5 min, Postgres's checkpoint_timeout). */
  maintenanceIntervalMs?: number;
}

/**
 * Postgres's default 128 MB of shared buffers lives in PGlite's WebAssembly memory, which
 * never shrinks. 16 MB measured 23-54 MiB less RSS per service on the scaled catalog at the
 * same throughput (docs/benchmarks.md, "PGlite shared buffers"); larger shops use DATABASE_URL.
 */
const PGLITE_SHARED_BUFFERS = '16MB';

/**
 * PGlite has no checkpointer process and never checkpoints on its own while open (not on time,
 * not on max_wal_size), so pg_wal grew by every write for as long as a service ran: ~36 MiB an
 * hour for recommendation-service under a steady 33 requests/s (soak of 2026-11-27), ~0.9 GB a
 * day. So it is checkpointed from here; a checkpoint keeps at most max_wal_size of old segments.
 */
const PGLITE_WAL = ['-c', 'min_wal_size=32MB', '-c', 'max_wal_size=64MB'];
const PGLITE_MAINTENANCE_INTERVAL_MS = 5 * 60_000;

/**
 * Postgres writes its WAL in 16 MB files: with less free, PGlite's start failed saying only
 * "PGlite failed to initialize properly" (8 MB free) or hung (0.5 MB free; tmpfs, 2026-11-27).
 */
const PGLITE_MIN_FREE_MB = 16;

async function freeMbAt(dir: string): Promise<number> {
  const { bavail, bsize } = await statfs(dir);
  return Math.floor((bavail * bsize) / 2 ** 20);
}

/** Refuses a folder on a disk without room for PGlite, naming both. */
async function requireRoom(dataDir: string): Promise<void> {
  const freeMb = await freeMbAt(dataDir);
  if (freeMb >= PGLITE_MIN_FREE_MB) return;
  throw new Error(
    `${dataDir}: no room for the embedded database: ${freeMb} MB free on its disk, at least ` +
      `${PGLITE_MIN_FREE_MB} MB needed (a new write-ahead log file); free some space or set DATA_DIR to another disk`,
  );
}

/**
 * PGlite has no autovacuum either, so a table that churns grew for ever, even empty: the empty
 * customer_outbox ~9 KB a minute (soak). A plain VACUUM makes dead space reusable, and one of the
 * whole database held PGlite's only connection for 1.2-1.5 s, stalling every service sharing the
 * thread. So each table is vacuumed on its own, with a turn of the event loop between two, and the
 * queries waiting in between go first: the longest stall is one table's vacuum (on a copy of the
 * soak's databases, first vacuum after 34 min: 110 ms at most, catalog's outbox; 0.3 s for all 8
 * tables; load 10). Every 5 minutes, with the checkpoint: a churning table then holds about 5
 * minutes of dead rows. No VACUUM FULL (it rewrites the table under an exclusive lock). PGlite
 * keeps no dead-tuple counts (pg_stat_user_tables shows 0), so every table is visited.
 */
async function vacuumTableByTable(db: PGlite): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT relid::regclass::text AS name FROM pg_stat_user_tables',
  );
  for (const { name } of rows) {
    await setImmediate();
    await db.exec(`VACUUM ${name}`);
  }
  await db.exec('CHECKPOINT');
}

export interface Database {
  kind: 'postgres' | 'pglite';
  /** Give this to `new PrismaClient({ adapter })`. */
  adapter: SqlDriverAdapterFactory;
  migrate(): ReturnType<typeof applyMigrations>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options, options.databaseUrl) : openPglite(options);
}

// Prisma's pg adapter drops the offset of timestamptz values it writes and reads
// (https://github.com/prisma/orm/issues/26786), so a session in another time zone would store and show times shifted by it.
const UTC_SESSION = '-c TimeZone=UTC';

function openPostgres(options: DatabaseOptions, databaseUrl: string): Database {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    // Client-side: a frozen or partitioned server never answers a statement_timeout, and requests
    // then get 503 instead of hanging. Migrations are not bounded.
    query_timeout: 10_000,
    keepAlive: true,
    options: UTC_SESSION,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    adapter: new PrismaPg(pool),
    async migrate() {
      // One dedicated connection: BEGIN/COMMIT and the advisory lock must share a session.
      // Its own, outside the pool: a migration may take longer than the query timeout.
      const client = new pg.Client({
        connectionString: databaseUrl,
        connectionTimeoutMillis: 10_000,
        options: UTC_SESSION,
      });
      await client.connect();
      try {
        await requireUtf8(client);
        const session: SqlSession = {
          query: async (sql, params) => (await client.query(sql, params)).rows,
          exec: (sql) => client.query(sql).then(() => {}),
        };
        return await applyMigrations(session, options.schema, options.migrationsDir);
      } finally {
        await client.end();
      }
    },
    ping: () => pool.query('SELECT 1').then(() => {}),
    close: () => pool.end(),
  };
}

/**
 * On another encoding the services start but go wrong with text beyond ASCII (docs/running.md,
 * "an own Postgres"): refused at start-up, before anything is written.
 */
async function requireUtf8(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ server_encoding: string }>('SHOW server_encoding');
  const encoding = rows[0]?.server_encoding;
  if (encoding !== 'UTF8') {
    throw new Error(
      `DATABASE_URL names a database encoded ${encoding}; the services need a UTF8 one (createdb -E UTF8; docs/running.md)`,
    );
  }
}

/**
 * A new cluster is created by a child process (create-pglite-cluster.mjs): initdb grows PGlite's
 * WebAssembly memory to ~700 MiB for good (730 MiB RSS in-process vs 174 MiB; docs/benchmarks.md,
 * "Serving cost"). Bundled builds without the script create it in-process.
 */
async function createClusterOutside(dataDir: string): Promise<void> {
  if (dataDir.startsWith('memory://') || existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const script = path.join(import.meta.dirname ?? '', 'create-pglite-cluster.mjs');
  if (!existsSync(script)) return;
  // --liftoff-only: initdb runs most of Postgres's code once, so V8's baseline WebAssembly
  // compiler alone is both faster and smaller here (7.3 s / 828 MiB peak -> 5.9 s / 738 MiB).
  await promisify(execFile)(process.execPath, ['--liftoff-only', script, dataDir, PGLITE_SHARED_BUFFERS], {
    timeout: 120_000,
  });
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  let unlock = async () => {};
  if (!options.dataDir.startsWith('memory://')) {
    await mkdir(options.dataDir, { recursive: true });
    await requireRoom(options.dataDir);
    // PGlite takes no lock of its own: two processes on one folder both answer 2xx with the same ids.
    unlock = await lockDirectory(options.dataDir);
  }
  let db: PGlite;
  try {
    await createClusterOutside(options.dataDir);
    db = await PGlite.create(options.dataDir, {
      startParams: [
        ...PGlite.defaultStartParams,
        '-c',
        `shared_buffers=${PGLITE_SHARED_BUFFERS}`,
        ...PGLITE_WAL,
      ],
    });
  } catch (error) {
    await unlock();
    // PGlite's own message names neither ("PGlite failed to initialize properly"); a new cluster
    // takes ~40 MB, so a first start can still run out of room after requireRoom.
    const room = await freeMbAt(options.dataDir)
      .then((mb) => ` (${mb} MB free on its disk)`)
      .catch(() => '');
    const reason = `the embedded database did not start${room}: ${(error as Error).message}`;
    throw new Error(`${options.dataDir}: ${reason}`, { cause: error });
  }
  // A failed run leaves things as they were; the next one tries again.
  const maintenance = setInterval(
    () => vacuumTableByTable(db).catch(() => {}),
    options.maintenanceIntervalMs ?? PGLITE_MAINTENANCE_INTERVAL_MS,
  ).unref();
  const session: SqlSession = {
    query: async (sql, params) => (await db.query(sql, params)).rows as never[],
    exec: (sql) => db.exec(sql).then(() => {}),
  };
  return {
    kind: 'pglite',
    adapter: new PrismaPGlite(db),
    migrate: () => applyMigrations(session, options.schema, options.migrationsDir),
    ping: () => db.query('SELECT 1').then(() => {}),
    close: () => {
      clearInterval(maintenance);
      return db.close().finally(unlock);
    },
  };
}
