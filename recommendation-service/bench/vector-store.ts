/**
 * Vector store benchmark: `npm run bench:vectors` (root). Embedded store always; Milvus (Lite)
 * too when MILVUS_ADDRESS is set. Sizes: BENCH_ROWS (20000), BENCH_DIM (384), BENCH_QUERIES (500).
 *
 * Inserts random unit vectors with several batch sizes, then times top-10 searches with a
 * 50-id exclusion list, one at a time and 16 at once, and prints p50/p99 and peak RSS; then
 * builds neighbour lists (each product's 100 nearest, as the ranking keeps them) one search per
 * product against `nearestOf` batches of 32, and prints the ratio.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { z } from 'zod';
import { collectionName } from '../src/vector-store/collection-name.js';
import { vectorStoreConfigShape } from '../src/vector-store/config.js';
import { EmbeddedVectorStore } from '../src/vector-store/embedded/embedded-store.js';
import type { IndexType } from '../src/vector-store/milvus/milvus-index.js';
import { MilvusVectorStore } from '../src/vector-store/milvus/milvus-store.js';
import type { ProductVector, VectorStore } from '../src/vector-store/vector-store.js';
import { random, unitVector } from '../test/vector-store-helpers.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const DIM = Number(process.env.BENCH_DIM ?? 384);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const CONCURRENCY = 16;
const EXCLUDED = 50;
const MILVUS_ADDRESS = process.env.MILVUS_ADDRESS;
const INDEX_TYPE = process.env.MILVUS_INDEX_TYPE as IndexType | undefined;

const next = random(2024);
const products: ProductVector[] = Array.from({ length: ROWS }, (_, i) => ({
  productId: i + 1,
  categoryId: (i % 40) + 1,
  productTitle: `product ${i + 1}`,
  categoryTitle: `category ${(i % 40) + 1}`,
  vector: unitVector(DIM, next),
}));
const queries = Array.from({ length: QUERIES }, () => unitVector(DIM, next));
const exclusion = (i: number) =>
  Array.from({ length: EXCLUDED }, (_, j) => ((i * 7919 + j * 104_729) % ROWS) + 1);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const ms = (value: number) => `${value.toFixed(2)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function timeInsert(store: VectorStore, batch: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < products.length; i += batch) await store.upsert(products.slice(i, i + batch));
  return performance.now() - started;
}

async function timeSearches(store: VectorStore, label: string): Promise<void> {
  // Warm-up: JIT, gRPC channels, caches.
  for (let i = 0; i < 20; i++)
    await store.search(queries[i % QUERIES]!, { limit: 10, excludeProductIds: exclusion(i) });

  const sequential: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const started = performance.now();
    await store.search(queries[i]!, { limit: 10, excludeProductIds: exclusion(i) });
    sequential.push(performance.now() - started);
  }
  sequential.sort((a, b) => a - b);

  const concurrent: number[] = [];
  let cursor = 0;
  const wall = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < QUERIES) {
        const i = cursor++;
        const started = performance.now();
        await store.search(queries[i]!, { limit: 10, excludeProductIds: exclusion(i) });
        concurrent.push(performance.now() - started);
      }
    }),
  );
  const wallMs = performance.now() - wall;
  concurrent.sort((a, b) => a - b);

  console.log(
    `  ${label} search top-10, ${EXCLUDED} excluded, ${QUERIES} queries:\n` +
      `    sequential      p50 ${ms(percentile(sequential, 50))}  p99 ${ms(percentile(sequential, 99))}\n` +
      `    ${CONCURRENCY} concurrent   p50 ${ms(percentile(concurrent, 50))}  p99 ${ms(percentile(concurrent, 99))}` +
      `  (${((QUERIES / wallMs) * 1000).toFixed(0)} searches/s)`,
  );
}

/** Neighbour lists of LIST_PRODUCTS products: one search each, then `nearestOf` batches (the service's way). */
const LIST_PRODUCTS = 640;
async function timeNeighbourLists(store: VectorStore): Promise<void> {
  const asked = products.slice(0, LIST_PRODUCTS);
  let started = performance.now();
  for (const { productId, vector } of asked)
    await store.search(vector, { limit: 100, excludeProductIds: [productId] });
  const one = performance.now() - started;
  started = performance.now();
  for (let i = 0; i < asked.length; i += 32) await store.nearestOf(asked.slice(i, i + 32), 100);
  const batched = performance.now() - started;
  const perList = (took: number) => ms(took / asked.length);
  console.log(
    `  neighbour lists (100 nearest) of ${asked.length} products: one search each ${perList(one)} a list, ` +
      `nearestOf in batches of 32 ${perList(batched)} a list (${(one / batched).toFixed(1)}x faster); ` +
      `${ROWS} lists would take ${(((one / asked.length) * ROWS) / 1000).toFixed(0)} s vs ${(((batched / asked.length) * ROWS) / 1000).toFixed(0)} s`,
  );
}

async function benchEmbedded(): Promise<void> {
  console.log(`\nEmbedded store (exact inner product, ${ROWS} x ${DIM})`);
  const root = await mkdtemp(path.join(tmpdir(), 'bench-vectors-'));
  const open = (name: string) => new EmbeddedVectorStore(path.join(root, name), name, DIM);
  try {
    for (const batch of [10, 100, 1000]) {
      const store = open(`batch${batch}`);
      await store.init();
      const took = await timeInsert(store, batch);
      console.log(
        `  insert, batch ${String(batch).padStart(4)}: ${(took / 1000).toFixed(2)} s (${((ROWS / took) * 1000).toFixed(0)} rows/s, one fsync per batch)`,
      );
      await store.close();
    }
    // Reload from the log (no snapshot yet below the compaction threshold? it depends on ROWS).
    const reopened = open('batch1000');
    let started = performance.now();
    await reopened.init();
    console.log(`  reopen (${await reopened.count()} rows): ${ms(performance.now() - started)}`);
    await timeSearches(reopened, 'embedded');
    await timeNeighbourLists(reopened);
    started = performance.now();
    await reopened.delete([1]);
    console.log(`  delete 1 id: ${ms(performance.now() - started)}`);
    await reopened.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function benchMilvus(address: string): Promise<void> {
  console.log(`\nMilvus at ${address} (index ${INDEX_TYPE ?? 'default'}, metric IP, ${ROWS} x ${DIM})`);
  const prefix = `bench${Date.now().toString(36)}`;
  const admin = new MilvusClient({ address, telemetry: { enabled: false }, logLevel: 'error' });
  const version = await admin.getVersion();
  console.log(`  server ${version.version}`);
  const defaults = z.object(vectorStoreConfigShape).parse({});
  const open = (batch: number) =>
    new MilvusVectorStore(
      {
        ...defaults,
        MILVUS_ADDRESS: address,
        MILVUS_INDEX_TYPE: INDEX_TYPE,
        MILVUS_TIMEOUT_MS: 120_000,
        MILVUS_INIT_TIMEOUT_MS: 120_000,
        MILVUS_BATCH_SIZE: batch,
        // Flushed by hand below, so the insert numbers are inserts only.
        MILVUS_FLUSH_DELAY_MS: 0,
      },
      collectionName(prefix, { id: `b${batch}`, dimension: DIM }),
      DIM,
    );
  let store: MilvusVectorStore | undefined;
  for (const batch of [100, 500, 1000]) {
    await store?.drop();
    store = open(batch);
    await store.init();
    // One upsert call; the store splits it into requests of `batch` rows.
    const started = performance.now();
    await store.upsert(products);
    const took = performance.now() - started;
    console.log(
      `  insert, batch ${String(batch).padStart(4)}: ${(took / 1000).toFixed(2)} s (${((ROWS / took) * 1000).toFixed(0)} rows/s)`,
    );
  }
  const last = store!;
  let started = performance.now();
  console.log(`  count(*) = ${await last.count()} (${ms(performance.now() - started)}, unflushed)`);
  started = performance.now();
  await last.search(queries[0]!, { limit: 10, excludeProductIds: exclusion(0) });
  console.log(`  one search over ${ROWS} unflushed rows: ${ms(performance.now() - started)}`);
  // Milvus Lite searches unflushed rows row by row in Python; the store flushes ~1 s after
  // writes on Lite. Flush here so the searches below measure the flushed collection.
  started = performance.now();
  await admin.flushSync({ collection_names: [last.collection] });
  console.log(`  flush: ${ms(performance.now() - started)}`);
  const index = await admin.describeIndex({ collection_name: last.collection, field_name: 'vector' });
  const description = index.index_descriptions[0];
  const type = description?.params.find((p) => p.key === 'index_type')?.value;
  console.log(`  index ${type}, state ${description?.state}`);
  await timeSearches(last, 'flushed');
  const long = Array.from({ length: 2000 }, (_, i) => i * 3 + 1);
  started = performance.now();
  await last.search(queries[0]!, { limit: 10, excludeProductIds: long });
  console.log(`  one search with 2,000 excluded ids: ${ms(performance.now() - started)}`);
  await timeNeighbourLists(last);
  await last.drop();
  await admin.closeConnection();
}

const started = performance.now();
console.log(`node ${process.version}, ${ROWS} rows x ${DIM} dims, ${QUERIES} queries`);
await benchEmbedded();
console.log(`  peak RSS so far: ${mib(process.resourceUsage().maxRSS * 1024)}`);
if (MILVUS_ADDRESS) await benchMilvus(MILVUS_ADDRESS);
else console.log('\nMilvus: skipped (set MILVUS_ADDRESS to include it)');
console.log(
  `\npeak RSS of this process: ${mib(process.resourceUsage().maxRSS * 1024)}; total ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
