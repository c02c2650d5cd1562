/**
 * How many customers' first recommendations still call the vector store (a search, or a vector
 * read to name a "similar to" purchase), and their p50. The three apps run in this process on the
 * embedded defaults (PGlite, embedded store, hashing embedder), so the store's calls can be
 * counted; after every vector, neighbour list and purchase is in, each customer is asked once.
 *
 *   tsx packages/bench/src/first-store-calls.ts [--dataset demo|scaled] [--customers N]
 *
 * Its data folder is kept under the OS temp dir and reused (the scaled import takes minutes).
 * Results: docs/benchmarks.md, "Goal 2, fourth look".
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@ecom/stack/free-port';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { choiceArg, intArg, parseArgs, runMain } from './lib/args.js';
import { gauge } from './lib/http.js';
import { loadAverage } from './lib/machine.js';
import { scaledDataset } from './lib/scaled-dataset.js';

const USAGE = `First recommendations and the vector store calls they make.

  tsx packages/bench/src/first-store-calls.ts [--dataset demo|scaled] [--customers N]`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const dataset = choiceArg(args, 'dataset', ['demo', 'scaled'] as const, 'demo');
  const customers = intArg(args, 'customers', dataset === 'demo' ? 50 : 300);
  const dataDir = path.join(os.tmpdir(), `ecom-first-store-calls-${dataset}`);
  mkdirSync(dataDir, { recursive: true });
  const ports = { user: await freePort(), catalog: await freePort(), recommendation: await freePort() };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    DATASET_PATH: dataset === 'demo' ? path.join(REPO_ROOT, 'dataset.csv') : await scaledDataset(),
    EMBEDDINGS_MODEL: 'hashing',
    USER_SERVICE_URL: url(ports.user),
    CATALOG_SERVICE_URL: url(ports.catalog),
    RECOMMENDATION_SERVICE_URL: url(ports.recommendation),
    LOG_LEVEL: 'warn',
  };
  const start = async (service: string, port: number) => {
    const { buildApp } = await import(path.join(REPO_ROOT, service, 'src/app.ts'));
    const { readConfig } = await import(path.join(REPO_ROOT, service, 'src/config.ts'));
    const app = await buildApp(readConfig({ ...env, PORT: String(port) }), { logger: false });
    await app.listen({ host: '127.0.0.1', port });
    // recommendation-service loads its vectors and statistics after it listens.
    await app.startedUp();
    return app;
  };
  const apps = [await start('user-service', ports.user)];
  const recommendations = await start('recommendation-service', ports.recommendation);
  apps.push(recommendations, await start('catalog-service', ports.catalog));
  const reco = url(ports.recommendation);

  // Settled: every product has its vector and its neighbour list, the statistics hold the whole feed.
  for (let tick = 0; ; tick++) {
    const overview = (await (await fetch(`${reco}/dashboard/api/overview`)).json()) as {
      products: number | null;
      vectors: number | null;
      purchase_feed: { purchases_behind: number | null };
    };
    const lists = await gauge(reco, 'recommendation_content_neighbour_lists');
    const { products, vectors, purchase_feed } = overview;
    if (tick % 10 === 0) {
      console.log(
        `products ${products}, vectors ${vectors}, lists ${lists}, purchases behind ${purchase_feed.purchases_behind}`,
      );
    }
    const settled =
      products !== null &&
      products > 0 &&
      vectors === products &&
      lists >= products &&
      purchase_feed.purchases_behind === 0;
    if (settled) break;
    await sleep(1_000);
  }

  const store = recommendations.deps.vectorStore;
  const calls = { search: 0, get: 0, vectorsRead: 0 };
  const { search, get } = store;
  store.search = (...searchArgs: Parameters<typeof search>) => {
    calls.search++;
    return search.apply(store, searchArgs);
  };
  store.get = (ids: number[]) => {
    calls.get++;
    calls.vectorsRead += ids.length;
    return get.call(store, ids);
  };
  const times: number[] = [];
  let calling = 0;
  for (let customer = 1; customer <= customers; customer++) {
    const before = calls.search + calls.get;
    const started = performance.now();
    const answer = await fetch(`${reco}/recommendation/${customer}`);
    await answer.arrayBuffer();
    times.push(performance.now() - started);
    if (calls.search + calls.get > before) calling++;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${dataset}: ${customers} first requests, p50 ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms; ` +
      `${calling} called the store (searches ${calls.search}, vector reads ${calls.get} of ${calls.vectorsRead} vectors); load ${loadAverage()}`,
  );
  for (const app of apps.reverse()) await app.close();
});
