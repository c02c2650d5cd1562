import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { seededRandom } from '@ecom/testing/random';
import { choiceArg, intArg, parseArgs, runMain } from './lib/args.js';
import { BenchStack } from './lib/bench-stack.js';
import { mapLimit } from './lib/concurrency.js';
import { gauge, requestJson, waitUntil } from './lib/http.js';
import { loadAverage, machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { purchaseCount, totalCount } from './lib/system-info.js';
import { assertWrkInstalled, runWrk, type WrkResult } from './lib/wrk.js';
import { waitForRecommendation } from './quality/load-system.js';

const USAGE = `The answer cache under a shop's steady purchases, before and after finer invalidation
(recommendation-service/README.md, "Answer cache"; docs/benchmarks.md, "Answer cache under purchases").

  pnpm bench:cache [options]

  --store embedded|milvus   vectors: the embedded index, or Milvus Lite (BENCH_MILVUS_ADDRESS)  [embedded]
  --readers N               new customers (2 purchases each) whose recommendations are read  [10000]
  --rate N                  purchases a second posted through catalog-service meanwhile     [15]
  --duration S              seconds per wrk measurement                                      [20]
  --rounds N                before/after pairs, interleaved                                  [2]
  --env KEY=VALUE           extra variable for recommendation-service, repeatable

The services run as processes on the demo data (BENCH_DATABASE_URL: a scratch Postgres database,
or \`pglite\`; the hashing embedder). Each measurement restarts recommendation-service with
RECOMMENDATION_CACHE_STATS_LAG_MS=0 (before: every purchase learned makes every answer stale) or
its default (after), waits until it has loaded, asks every reader once, then runs wrk (16
connections, the readers rotating) on GET /recommendation/{id} while a writer posts purchases of
other customers (20 of them) at --rate. It prints the answer cache's hit ratio (/metrics), req/s,
p50/p99 and the load average, and after ÷ before.`;

const CONNECTIONS = 16;
const WRITERS = 20;
const PURCHASES_PER_READER = 2;
/** Purchases posted at once at most; beyond it the writer falls behind and says so. */
const WRITES_IN_FLIGHT = 8;
const BEFORE = { RECOMMENDATION_CACHE_STATS_LAG_MS: '0' };

type Variant = 'before' | 'after';

interface Cell extends WrkResult {
  variant: Variant;
  hit_ratio: number;
  /** How often one reader is asked, on average: what the hit ratio turns on. */
  reader_interval_ms: number;
  hits: number;
  misses: number;
  writes_per_s: number;
  write_errors: number;
  load: string;
}

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const store = choiceArg(args, 'store', ['embedded', 'milvus'] as const, 'embedded');
  const readerCount = Math.max(1, intArg(args, 'readers', 10_000));
  const rate = Math.max(1, intArg(args, 'rate', 15));
  const duration = Math.max(1, intArg(args, 'duration', 20));
  const rounds = Math.max(1, intArg(args, 'rounds', 2));
  await assertWrkInstalled();
  const log = (line: string) => console.log(line);
  log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);

  const stack = await BenchStack.start({
    name: 'cache',
    datasetPath: path.join(REPO_ROOT, 'dataset.csv'),
    embedder: 'hashing',
    store,
    recommendationEnv: args.env,
  });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-cache-wrk-'));
  try {
    const urls = stack.urls;
    const products = await productIds(urls.catalog);
    const random = seededRandom(7);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const newCustomer = (title: string) =>
      requestJson<{ id: number }>(`${urls.user}/customer/`, {
        method: 'POST',
        body: { title, gender: 'Female', age: 35, location: 'Oslo', preference: 'Books' },
      }).then((customer) => customer.id);
    const buy = (customerId: number, productId: number) =>
      requestJson(`${urls.catalog}/Purchases/`, {
        method: 'POST',
        body: { customer_id: customerId, product_id: productId },
      });

    log(
      `creating ${readerCount} readers with ${PURCHASES_PER_READER} purchases each, ${WRITERS} writers ...`,
    );
    const readers = await mapLimit(Array.from({ length: readerCount }), 8, async (_, i) => {
      const id = await newCustomer(`Cache Reader ${i}`);
      for (let k = 0; k < PURCHASES_PER_READER; k++) await buy(id, pick(products));
      return id;
    });
    const writers = await mapLimit(Array.from({ length: WRITERS }), 8, (_, i) =>
      newCustomer(`Cache Writer ${i}`),
    );

    const cells: Cell[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const variant of ['before', 'after'] as const) {
        await stack.restartRecommendation(variant === 'before' ? BEFORE : {});
        await settled(urls, products.length, log);
        // Every reader's state and answer made once, as a shop's running service has them.
        await mapLimit(readers, 8, (id) => requestJson(`${urls.recommendation}/recommendation/${id}`));
        const loadBefore = loadAverage();
        const counted = await cacheCounts(urls.recommendation);
        const writer = startWriter(rate, () => buy(pick(writers), pick(products)));
        const result = await runWrk({
          baseUrl: urls.recommendation,
          paths: readers.map((id) => `/recommendation/${id}`),
          connections: CONNECTIONS,
          durationSeconds: duration,
          workDir,
        });
        const written = await writer.stop();
        const now = await cacheCounts(urls.recommendation);
        const hits = now.hits - counted.hits;
        const misses = now.misses - counted.misses;
        const cell: Cell = {
          ...result,
          variant,
          hit_ratio: round3(hits / Math.max(1, hits + misses)),
          reader_interval_ms: Math.round((readers.length / result.requests_per_s) * 1000),
          hits,
          misses,
          writes_per_s: round3(written.ok / result.duration_s),
          write_errors: written.errors,
          load: `${loadBefore}→${loadAverage()}`,
        };
        cells.push(cell);
        log(
          `${variant.padEnd(6)} hit ratio ${cell.hit_ratio} (${hits} hits, ${misses} misses; each reader every ${cell.reader_interval_ms} ms), ${result.requests_per_s} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, errors ${result.errors}; purchases ${cell.writes_per_s}/s (${written.errors} failed); load ${cell.load}`,
        );
      }
    }

    const mean = (variant: Variant, key: 'hit_ratio' | 'requests_per_s' | 'p50_ms' | 'p99_ms') => {
      const values = cells.filter((cell) => cell.variant === variant).map((cell) => cell[key]);
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    };
    const summary = Object.fromEntries(
      (['hit_ratio', 'requests_per_s', 'p50_ms', 'p99_ms'] as const).map((key) => [
        key,
        {
          before: round3(mean('before', key)),
          after: round3(mean('after', key)),
          ratio: round3(mean('after', key) / mean('before', key)),
        },
      ]),
    );
    log('');
    log(
      `| ${readerCount} readers, ${rate} purchases/s, ${CONNECTIONS} connections | before | after | after ÷ before |`,
    );
    log('| --- | --- | --- | --- |');
    for (const [key, value] of Object.entries(summary)) {
      log(`| ${key} | ${value.before} | ${value.after} | ${value.ratio} |`);
    }
    log(`load average now ${loadAverage()}`);
    const database = process.env.BENCH_DATABASE_URL === 'pglite' ? 'pglite' : 'postgres';
    writeResults(
      `cache-demo-${store}-${database}.json`,
      {
        command: `pnpm bench:cache ${argv.join(' ')}`.trim(),
        machine: machineInfo(),
        store,
        database,
        readers: readerCount,
        purchases_per_s: rate,
        summary,
        cells,
      },
      log,
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await stack.stop();
  }
});

/** Product ids of the catalog, through the paged public list. */
async function productIds(catalogUrl: string): Promise<number[]> {
  const total = await totalCount(`${catalogUrl}/products/?limit=1`);
  const ids: number[] = [];
  for (let skip = 0; skip < total; skip += 100) {
    const page = await requestJson<{ id: number }[]>(`${catalogUrl}/products/?skip=${skip}&limit=100`);
    ids.push(...page.map((product) => product.id));
  }
  return ids;
}

/** recommendation-service loaded: every vector and purchase, and every product's neighbour list. */
async function settled(
  urls: BenchStack['urls'],
  products: number,
  log: (line: string) => void,
): Promise<void> {
  const purchases = await purchaseCount(urls.catalog);
  await waitForRecommendation(urls.recommendation, products, purchases.distinct, log);
  await waitUntil(
    'the product neighbour lists',
    async () => (await gauge(urls.recommendation, 'recommendation_content_neighbour_lists')) >= products,
    600_000,
    500,
  );
}

/** The answer cache's counters since the service started (/metrics). */
async function cacheCounts(recommendationUrl: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${recommendationUrl}/metrics`)).text();
  const count = (result: string) => {
    const line = text
      .split('\n')
      .find(
        (l) => l.startsWith('recommendation_answer_cache_requests_total') && l.includes(`result="${result}"`),
      );
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return { hits: count('hit'), misses: count('miss') };
}

/** Starts `write` `rate` times a second (at most WRITES_IN_FLIGHT at once) until stopped. */
function startWriter(rate: number, write: () => Promise<unknown>) {
  const counts = { ok: 0, errors: 0 };
  const inFlight = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    if (inFlight.size >= WRITES_IN_FLIGHT) {
      counts.errors++;
      return;
    }
    const call: Promise<unknown> = write().then(
      () => counts.ok++,
      () => counts.errors++,
    );
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }, 1000 / rate);
  return {
    async stop(): Promise<{ ok: number; errors: number }> {
      clearInterval(timer);
      await Promise.all(inFlight);
      return counts;
    },
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
