/**
 * How fast recommendation-service learns purchase statistics into its database and how big
 * the memory copy gets, on the scaled shop's shape (20,000 products, 5,000 customers, 100,000
 * purchases by default), without HTTP: the same PurchaseStatsStore and PurchaseStats the
 * service uses, on PGlite (default) or Postgres (BENCH_DATABASE_URL).
 *
 *   tsx packages/bench/src/quality-stats-scale.ts [--purchases N] [--products N] [--customers N]
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase, openDatabase } from '@ecom/db';
import { seededRandom } from '@ecom/testing/random';
import { DB_SCHEMA, MIGRATIONS_DIR } from '../../../recommendation-service/src/config.js';
import { PrismaClient } from '../../../recommendation-service/src/generated/prisma/client.js';
import { PurchaseStats } from '../../../recommendation-service/src/ranking/purchase-stats.js';
import { PurchaseStatsStore } from '../../../recommendation-service/src/ranking/purchase-stats-store.js';
import { intArg, parseArgs, runMain } from './lib/args.js';
import { loadAverage, machineInfo, seconds } from './lib/machine.js';

const USAGE =
  'tsx packages/bench/src/quality-stats-scale.ts [--purchases N] [--products N] [--customers N] [--page N]';

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const products = intArg(args, 'products', 20_000);
  const customers = intArg(args, 'customers', 5_000);
  const purchases = intArg(args, 'purchases', 100_000);
  const pageSize = intArg(args, 'page', 5_000);
  const window = intArg(args, 'window', 50);
  const base = process.env.BENCH_DATABASE_URL;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'stats-scale-'));
  console.log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);
  const database = await openDatabase({
    databaseUrl: base ? await createScratchDatabase(base, 'bench_stats') : undefined,
    dataDir,
    schema: DB_SCHEMA,
    migrationsDir: MIGRATIONS_DIR,
  });
  await database.migrate();
  const prisma = new PrismaClient({ adapter: database.adapter });
  try {
    const store = new PurchaseStatsStore(prisma, { window, nextWindow: 5, nextDecay: 0.7 });
    const random = seededRandom(7);
    // Popular products are bought more (a Zipf-like skew), customers interleaved.
    const feed = Array.from({ length: purchases }, (_, i) => ({
      id: i + 1,
      customerId: 1 + Math.floor(random() * customers),
      productId: 1 + Math.floor(products * random() ** 2),
    }));
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    for (let at = 0; at < feed.length; at += pageSize) await store.apply(feed.slice(at, at + pageSize));
    const learnSeconds = seconds(Date.now() - started);
    const loadStart = Date.now();
    const stats = new PurchaseStats();
    stats.update(await store.changesSince(0, 100));
    const loadSeconds = seconds(Date.now() - loadStart);
    globalThis.gc?.();
    const heapMiB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1048576);
    const [rows] = await prisma.$queryRawUnsafe<{ pairs: bigint }[]>(
      'SELECT count(*) AS pairs FROM recommendation_schema.product_pair',
    );
    console.log(
      JSON.stringify({
        database: database.kind,
        purchases,
        products,
        customers,
        page_size: pageSize,
        window,
        learn_seconds: learnSeconds,
        purchases_per_second: Math.round(purchases / Math.max(0.001, learnSeconds)),
        pair_rows_on_disk: Number(rows?.pairs ?? 0),
        memory_copy_load_seconds: loadSeconds,
        memory_copy_heap_mib_approx: heapMiB,
        size: stats.size,
        load_average: loadAverage(),
      }),
    );
  } finally {
    await prisma.$disconnect();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
