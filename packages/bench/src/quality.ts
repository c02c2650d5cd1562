import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '@ecom/testing/random';
import { choiceArg, intArg, parseArgs, runMain, settingsArg } from './lib/args.js';
import { BenchStack } from './lib/bench-stack.js';
import { mapLimit, percentile } from './lib/concurrency.js';
import { requestJson } from './lib/http.js';
import { loadAverage, machineInfo, seconds } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { AMAZON_DIR, loadAmazon, type Split, split } from './quality/amazon.js';
import { type Loaded, loadIntoSystem, waitForRecommendation } from './quality/load-system.js';
import { formatTable, K, type QualityRow, score } from './quality/metrics.js';

const USAGE = `Recommendation quality on Amazon Industrial & Scientific, through the running system's HTTP APIs.

  pnpm bench:quality [options]

  --embedder hashing|model   recommendation-service embedder (model: EMBEDDINGS_MODEL_PATH,
                             default .data/models/all-MiniLM-L6-v2; fetch-model.sh builds it)   [hashing]
  --store embedded|milvus    vector store (milvus: BENCH_MILVUS_ADDRESS, default 127.0.0.1:19534) [embedded]
  --split test|val           test: train on all but the last item, score the last;
                             val: train on all but the last two, score the second-to-last (tuning) [test]
  --users N                  score a fixed random sample of N users (0 = all 8,317)          [0]
  --seed S                   seed of the sample and of the random baseline                  [1]
  --concurrency N            recommendation requests in flight                              [8]
  --load-concurrency N       create requests in flight while loading                        [16]
  --env KEY=VALUE            recommendation-service variable for the default row, repeatable
                             (e.g. --env RANK_WEIGHT_NEXT=0.4)
  --tune "A=1,B=2;A=3"       after the default row, restart recommendation-service with each
                             ';'-separated setting (over --env) and score the hybrid again
  --skip-original            do not score the original-algorithm rows
  --out NAME                 results file (name under packages/bench/results/, or a path) [quality-<embedder>-<store>-<split>.json]

Environment: BENCH_DATABASE_URL (default postgres://ecom:ecom@127.0.0.1:5432/ecom; a scratch
database is created and dropped; 'pglite' = embedded), AMAZON_SCIENTIFIC_DIR (default ../shared/data/amazon-scientific).`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, ['skip-original']);
  const embedder = choiceArg(args, 'embedder', ['hashing', 'model'] as const, 'hashing');
  const store = choiceArg(args, 'store', ['embedded', 'milvus'] as const, 'embedded');
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'test') as Split;
  const sampleSize = intArg(args, 'users', 0);
  const seed = intArg(args, 'seed', 1);
  const concurrency = Math.max(1, intArg(args, 'concurrency', 8));
  const loadConcurrency = Math.max(1, intArg(args, 'load-concurrency', 16));
  const tuning = settingsArg(args, 'tune');
  const outName = args.values.get('out') ?? `quality-${embedder}-${store}-${mode}.json`;
  const log = (line: string) => console.log(line);

  const startedAt = Date.now();
  const data = loadAmazon();
  const { train, target } = split(data, mode);
  const users = sampleUsers(train.length, sampleSize, seed);
  const catalogSize = data.items.length;
  log(
    `data: ${AMAZON_DIR}: ${data.items.length} items, ${train.length} users, split ${mode}; scoring ${users.length} users`,
  );
  log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);

  const emptyDataset = path.join(await mkdtemp(path.join(os.tmpdir(), 'bench-quality-')), 'empty.csv');
  writeFileSync(
    emptyDataset,
    'user_id,name,age,gender,location,preferences,product_id,category,product_name,description,tags\n',
  );
  log(`starting the services (${embedder}, ${store}) ...`);
  const stack = await BenchStack.start({
    name: `quality_${mode}`,
    datasetPath: emptyDataset,
    embedder,
    store,
    recommendationEnv: args.env,
  });
  const rows: QualityRow[] = [];
  let loaded: Loaded | undefined;
  let info: unknown;
  try {
    log(`loading through the APIs (${loadConcurrency} in flight) ...`);
    const loadStart = Date.now();
    loaded = await loadIntoSystem(stack.urls, data, train, loadConcurrency, log);
    const loadSeconds = seconds(Date.now() - loadStart);
    log(`loaded ${loaded.purchases} purchases in ${loadSeconds} s`);
    info = await requestJson(`${stack.urls.recommendation}/recommendation/info`);
    log(`recommendation-service: ${JSON.stringify(info)}`);

    const targets = users.map((user) => target[user]!);
    const trainOf = users.map((user) => train[user]!);
    rows.push(randomRow(trainOf, targets, catalogSize, seed));
    rows.push(popularityRow(train, trainOf, targets, catalogSize));
    const system = async (name: string, query: string, settings?: Record<string, string>) => {
      const row = await systemRow(
        stack.urls.recommendation,
        name,
        query,
        users,
        loaded!,
        targets,
        catalogSize,
        concurrency,
      );
      row.settings = settings;
      rows.push(row);
      log(formatTable([row]).split('\n')[2]!);
    };
    if (!args.flags.has('skip-original')) {
      await system('original (customer text, no exclusion)', 'strategy=original&exclude_purchased=false');
      await system('original recipe + exclusion', 'strategy=original');
    }
    await system(
      Object.keys(args.env).length > 0 ? `hybrid ${formatSettings(args.env)}` : 'hybrid (default)',
      '',
      args.env,
    );
    for (const setting of tuning) {
      const env = { ...args.env, ...setting };
      log(`restarting recommendation-service with ${formatSettings(env)} ...`);
      await stack.restartRecommendation(env);
      await waitForRecommendation(stack.urls.recommendation, catalogSize, loaded.purchases, log);
      await system(`hybrid ${formatSettings(env)}`, '', env);
    }

    const result = {
      benchmark: 'quality',
      command: `pnpm bench:quality ${argv.join(' ')}`.trim(),
      date: new Date().toISOString(),
      machine: machineInfo(),
      split: mode,
      embedder,
      store,
      recommendation_info: info,
      users_scored: users.length,
      catalog_size: catalogSize,
      purchases_loaded: loaded.purchases,
      load_seconds: loadSeconds,
      load_phases_seconds: loaded.timings,
      total_seconds: seconds(Date.now() - startedAt),
      rows,
    };
    log('');
    log(formatTable(rows));
    log(
      `\nload ${loadSeconds} s (${JSON.stringify(loaded.timings)}), whole run ${result.total_seconds} s, load average now ${loadAverage()}`,
    );
    writeResults(outName, result, log);
  } finally {
    await stack.stop();
  }
});

function formatSettings(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => `${key.replace(/^RANK_/, '')}=${value}`)
    .join(' ');
}

function sampleUsers(count: number, size: number, seed: number): number[] {
  const all = Array.from({ length: count }, (_, user) => user);
  if (size === 0 || size >= count) return all;
  const random = seededRandom(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, size).sort((a, b) => a - b);
}

/** K distinct random items the user has not bought. */
function randomRow(trainOf: number[][], targets: number[], catalogSize: number, seed: number): QualityRow {
  const start = Date.now();
  const random = seededRandom(seed + 1);
  const lists = trainOf.map((bought) => {
    const skip = new Set(bought);
    const picked = new Set<number>();
    while (picked.size < K) {
      const item = Math.floor(random() * catalogSize);
      if (!skip.has(item)) picked.add(item);
    }
    return [...picked];
  });
  return row('random', lists, targets, catalogSize, start);
}

/** Most purchased training items (ties by item index) the user has not bought, as in the data README. */
function popularityRow(
  train: number[][],
  trainOf: number[][],
  targets: number[],
  catalogSize: number,
): QualityRow {
  const start = Date.now();
  const counts = new Array<number>(catalogSize).fill(0);
  for (const items of train) for (const item of items) counts[item]!++;
  const ranking = counts
    .map((count, item) => [item, count] as const)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([item]) => item);
  const lists = trainOf.map((bought) => {
    const skip = new Set(bought);
    const list: number[] = [];
    for (const item of ranking) {
      if (list.length >= K) break;
      if (!skip.has(item)) list.push(item);
    }
    return list;
  });
  return row('popularity (excluding purchased)', lists, targets, catalogSize, start);
}

function row(
  name: string,
  lists: number[][],
  targets: number[],
  catalogSize: number,
  start: number,
): QualityRow {
  const metrics = score(lists, targets, catalogSize);
  return {
    name,
    users: lists.length,
    hr_at_10: metrics.hr,
    ndcg_at_10: metrics.ndcg,
    coverage: metrics.coverage,
    seconds: seconds(Date.now() - start),
  };
}

async function systemRow(
  url: string,
  name: string,
  query: string,
  users: number[],
  loaded: Loaded,
  targets: number[],
  catalogSize: number,
  concurrency: number,
): Promise<QualityRow> {
  const start = Date.now();
  const latencies: number[] = [];
  const lists = await mapLimit(users, concurrency, async (user) => {
    const sent = performance.now();
    const answer = await requestJson<{ product_id: number }[]>(
      `${url}/recommendation/${loaded.customerIdByUser[user]}?limit=${K}${query ? `&${query}` : ''}`,
    );
    latencies.push(performance.now() - sent);
    return answer.map((item) => loaded.itemByProductId.get(item.product_id) ?? -1);
  });
  latencies.sort((a, b) => a - b);
  const result = row(name, lists, targets, catalogSize, start);
  result.latency_ms = {
    p50: Math.round(percentile(latencies, 50) * 10) / 10,
    p99: Math.round(percentile(latencies, 99) * 10) / 10,
  };
  result.load_average = loadAverage();
  return result;
}
