// Benchmark of the dataset import: generates a CSV of ROWS purchase rows (default 100 000)
// in a temp folder, imports it into a fresh database, and prints rows/s, total time and
// peak RSS. Then re-imports the file with one row appended: every other row must be found
// already imported (the idempotent path). A real user-service, seeded from the file first (not
// timed), answers the import's check of the file's customers.
//   pnpm bench:import                                  # embedded PGlite
//   DATABASE_URL=postgres://... pnpm bench:import      # a scratch database on that server
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '@ecom/db';
import { startService } from '@ecom/testing';
import { buildApp } from '../src/app.js';
import { readConfig } from '../src/config.js';
import { DatasetImporter, type ImportSummary } from '../src/import/dataset-import.js';

const ROWS = Number(process.env.ROWS ?? 100_000);
const CUSTOMERS = 5_000;
const PRODUCTS = 2_000;
const CATEGORIES = 25;

/** Small deterministic PRNG (mulberry32): the same file on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Writes the file; answers its first row. */
async function generate(file: string): Promise<string> {
  const next = random(42);
  const lines = [
    'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags',
  ];
  for (let row = 0; row < ROWS; row++) {
    const user = 1 + Math.floor(next() * CUSTOMERS);
    const product = 1 + Math.floor(next() * PRODUCTS);
    const category = product % CATEGORIES;
    lines.push(
      [
        user,
        `Customer ${user}`,
        18 + (user % 60),
        user % 2 ? 'Female' : 'Male',
        `City ${user % 100}`,
        `"Category ${user % CATEGORIES}, Category ${(user + 7) % CATEGORIES}"`,
        product,
        `Category ${category}`,
        `Product ${product}`,
        `"Product ${product}, a fine thing of category ${category}, made to last."`,
        `"Tag ${product % 50}, Tag ${product % 13}, Category ${category}"`,
      ].join(','),
    );
  }
  await writeFile(file, `${lines.join('\n')}\n`);
  return lines[1] ?? '';
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function timed(label: string, run: () => Promise<ImportSummary>): Promise<void> {
  const started = performance.now();
  const summary = await run();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label}: ${summary.read} rows in ${seconds.toFixed(2)} s = ${Math.round(summary.read / seconds)} rows/s ` +
      `(imported ${summary.imported}, skipped ${summary.skipped}, rejected ${summary.rejected}, ` +
      `products ${summary.products_created}, categories ${summary.categories_created}); peak RSS ${peakRssMb()} MB`,
  );
}

const dir = await mkdtemp(path.join(tmpdir(), 'catalog-bench-'));
const file = path.join(dir, 'dataset.csv');
try {
  let started = performance.now();
  const firstRow = await generate(file);
  console.log(`generated ${ROWS} rows in ${((performance.now() - started) / 1000).toFixed(2)} s: ${file}`);

  started = performance.now();
  const users = await startService('user-service', {
    DATASET_PATH: file,
    DATA_DIR: path.join(dir, 'users'),
    LOG_LEVEL: 'warn',
  });
  console.log(`user-service seeded from the file in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  const base = process.env.DATABASE_URL;
  const config = readConfig({
    USER_SERVICE_URL: users.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    DATA_DIR: dir,
    IMPORT_ON_START: 'false',
    OUTBOX_ENABLED: 'false',
    ...(process.env.IMPORT_BATCH_SIZE ? { IMPORT_BATCH_SIZE: process.env.IMPORT_BATCH_SIZE } : {}),
    ...(base ? { DATABASE_URL: await createScratchDatabase(base, 'bench_catalog') } : {}),
  });
  started = performance.now();
  const app = await buildApp(config);
  await app.ready();
  console.log(
    `database: ${base ? 'postgres' : 'pglite'}, opened and migrated in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
  const importer = () =>
    new DatasetImporter(app.deps.prisma, app.deps.outboxSignal, app.deps.users, app.log, {
      batchSize: config.IMPORT_BATCH_SIZE,
      userServiceWaitMs: 0,
    });
  try {
    await timed('first import', () => importer().run(file));
    // A customer the file (and so user-service) has, buying the same product once more.
    await appendFile(file, `${firstRow}\n`);
    await timed('re-import of the changed file', () => importer().run(file));
    const pending = await app.deps.outbox.backlog();
    console.log(`outbox: ${pending.products} products queued for vectorising`);
  } finally {
    await app.close();
    await users.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
