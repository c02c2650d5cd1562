import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { seededRandom } from '@ecom/testing/random';
import { choiceArg, intArg, parseArgs, runMain, UsageError } from './lib/args.js';
import { BenchStack } from './lib/bench-stack.js';
import { mapLimit } from './lib/concurrency.js';
import { topFrames } from './lib/cpu-profile.js';
import { requestJson } from './lib/http.js';
import { cpuMs, loadAverage, machineInfo, peakRssMiB, rssMiB, seconds } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { scaledDataset } from './lib/scaled-dataset.js';
import { customerIds, purchaseCount, totalCount } from './lib/system-info.js';
import { assertWrkInstalled, runWrk, type WrkResult } from './lib/wrk.js';
import { waitForRecommendation } from './quality/load-system.js';

const ENDPOINTS = ['recommendation', 'products', 'customer'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

const USAGE = `HTTP latency and throughput of the running services, measured with wrk (apt-get install wrk).

  pnpm bench:load [options]

  --dataset demo|scaled      demo: the project's dataset.csv; scaled: a generated shop of 20,000
                             products, 5,000 customers, 100,000 purchases              [demo]
  --store embedded|milvus    vector store (milvus: BENCH_MILVUS_ADDRESS, default 127.0.0.1:19534) [embedded]
  --embedder hashing|model   recommendation-service embedder                           [hashing]
  --endpoints LIST           comma-separated: recommendation,products,customer         [all three]
  --connections LIST         comma-separated connection counts                          [1,16,64]
  --duration S               seconds per measurement                                    [10]
  --env KEY=VALUE            recommendation-service variable, repeatable
  --profile                  sample every service's CPU (inspector) and print each one's top frames
  --out NAME                 results file (name under packages/bench/results/, or a path) [load-<dataset>-<store>.json]

Every customer's recommendation is requested once before measuring (warm cache). Paths rotate
over every customer (recommendation, customer) or every page of 10 (products).`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, ['profile']);
  const dataset = choiceArg(args, 'dataset', ['demo', 'scaled'] as const, 'demo');
  const store = choiceArg(args, 'store', ['embedded', 'milvus'] as const, 'embedded');
  const embedder = choiceArg(args, 'embedder', ['hashing', 'model'] as const, 'hashing');
  const endpoints = (args.values.get('endpoints') ?? ENDPOINTS.join(',')).split(',') as Endpoint[];
  for (const endpoint of endpoints) {
    if (!ENDPOINTS.includes(endpoint)) throw new UsageError(`unknown endpoint ${endpoint}`);
  }
  const connections = (args.values.get('connections') ?? '1,16,64').split(',').map(Number);
  if (connections.some((c) => !Number.isInteger(c) || c < 1)) throw new UsageError('bad --connections');
  const duration = Math.max(1, intArg(args, 'duration', 10));
  const outName = args.values.get('out') ?? `load-${dataset}-${store}.json`;
  const log = (line: string) => console.log(line);
  await assertWrkInstalled();

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-load-'));
  const profileDir = path.join(workDir, 'profiles');
  const recommendationEnv = { ...args.env };
  const serviceEnv: Record<string, string> = {};
  if (args.flags.has('profile')) {
    // Every service: a recommendation request is served by all three (history from the
    // catalog, which asks user-service for the customer).
    const preload = path.join(import.meta.dirname, 'lib', 'cpu-profiler-preload.mjs');
    serviceEnv.NODE_OPTIONS = `--import ${preload}`;
    serviceEnv.BENCH_CPU_PROFILE_DIR = profileDir;
  }
  const datasetPath = dataset === 'demo' ? path.join(REPO_ROOT, 'dataset.csv') : await scaledDataset();
  log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);
  log(`starting the services (${dataset}: ${datasetPath}, ${store}, ${embedder}) ...`);
  const started = Date.now();
  const stack = await BenchStack.start({
    name: `load_${dataset}`,
    datasetPath,
    embedder,
    store,
    env: serviceEnv,
    recommendationEnv,
  });
  const pids = { ...stack.pids };
  const results: (WrkResult & {
    endpoint: string;
    load_before: number;
    load_after: number;
    rss_mib: Record<string, number | null>;
    cpu_ms_per_request: Record<string, number>;
  })[] = [];
  let summary: Record<string, unknown> = {};
  try {
    const urls = stack.urls;
    const readySeconds = seconds(Date.now() - started);
    const products = await totalCount(`${urls.catalog}/products/?limit=1`);
    const purchases = await purchaseCount(urls.catalog);
    await waitForRecommendation(urls.recommendation, products, purchases.distinct, log);
    const vectorisedSeconds = seconds(Date.now() - started);
    const customers = await customerIds(urls.user);
    log(
      `ready in ${readySeconds} s, vectorised in ${vectorisedSeconds} s: ${products} products, ${customers.length} customers, ${purchases.total} purchases (${purchases.distinct} distinct customer-product pairs)`,
    );

    const shuffled = shuffle(customers, 3);
    const warmStart = Date.now();
    await mapLimit(shuffled, 8, (id) => requestJson(`${urls.recommendation}/recommendation/${id}`));
    const warmSeconds = seconds(Date.now() - warmStart);
    log(`warm-up: every customer's recommendation once (8 in flight) in ${warmSeconds} s`);

    const pathsFor: Record<Endpoint, { base: string; paths: string[] }> = {
      recommendation: { base: urls.recommendation, paths: shuffled.map((id) => `/recommendation/${id}`) },
      customer: { base: urls.user, paths: shuffled.map((id) => `/customer/${id}`) },
      products: {
        base: urls.catalog,
        paths: shuffle(
          Array.from(
            { length: Math.ceil(products / 10) },
            (_, page) => `/products/?skip=${page * 10}&limit=10`,
          ),
          5,
        ),
      },
    };
    const serviceOf: Record<Endpoint, 'recommendation' | 'catalog' | 'user'> = {
      recommendation: 'recommendation',
      products: 'catalog',
      customer: 'user',
    };
    for (const endpoint of endpoints) {
      for (const c of connections) {
        const loadBefore = loadAverage();
        const cpuBefore = serviceCpu(pids);
        const result = await runWrk({
          baseUrl: pathsFor[endpoint].base,
          paths: pathsFor[endpoint].paths,
          connections: c,
          durationSeconds: duration,
          workDir,
        });
        const rss = {
          user: rssMiB(stack.pids.user),
          catalog: rssMiB(stack.pids.catalog),
          recommendation: rssMiB(stack.pids.recommendation),
        };
        const cpuAfter = serviceCpu(pids);
        // CPU each service spent per request: what the request costs whatever the machine's load.
        const cpuPerRequest = Object.fromEntries(
          Object.entries(cpuAfter).map(([service, after]) => [
            service,
            Math.round(((after - (cpuBefore[service] ?? after)) / Math.max(1, result.requests)) * 100) / 100,
          ]),
        );
        const row = {
          endpoint,
          ...result,
          load_before: loadBefore,
          load_after: loadAverage(),
          rss_mib: rss,
          cpu_ms_per_request: cpuPerRequest,
        };
        results.push(row);
        log(
          `${endpoint.padEnd(14)} c=${String(c).padStart(2)}: ${result.requests_per_s} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, errors ${result.errors}; ${serviceOf[endpoint]} RSS ${rss[serviceOf[endpoint]]} MiB; CPU ms/request ${JSON.stringify(cpuPerRequest)}; load ${loadBefore} -> ${row.load_after}`,
        );
      }
    }
    summary = {
      products,
      customers: customers.length,
      purchases: purchases.total,
      distinct_purchases: purchases.distinct,
      ready_seconds: readySeconds,
      vectorised_seconds: vectorisedSeconds,
      warmup_seconds: warmSeconds,
      peak_rss_mib: {
        user: peakRssMiB(stack.pids.user),
        catalog: peakRssMiB(stack.pids.catalog),
        recommendation: peakRssMiB(stack.pids.recommendation),
      },
      recommendation_info: await requestJson(`${urls.recommendation}/recommendation/info`),
    };
  } finally {
    await stack.stop();
  }

  const profile: Record<string, Awaited<ReturnType<typeof topFrames>>> = {};
  if (args.flags.has('profile')) {
    const files = (await readdir(profileDir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0) log('no CPU profile was written');
    for (const file of files) {
      const pid = Number(/\.(\d+)\.cpuprofile$/.exec(file)?.[1]);
      const service = Object.entries(pids).find(([, p]) => p === pid)?.[0] ?? `pid ${pid}`;
      const top = await topFrames(path.join(profileDir, file), 25);
      profile[service] = top;
      log(
        `\n${service} CPU profile ${path.join(profileDir, file)}, ${top.total_ms} ms sampled (top self time):`,
      );
      for (const frame of top.frames) {
        log(
          `  ${String(frame.self_percent).padStart(5)} %  ${String(frame.self_ms).padStart(6)} ms  ${frame.frame}`,
        );
      }
    }
  }

  log('');
  log(
    '| endpoint | connections | req/s | p50 ms | p99 ms | max ms | errors | service RSS MiB | CPU ms/request (user+catalog+reco) | load |',
  );
  log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const service =
      r.endpoint === 'recommendation' ? 'recommendation' : r.endpoint === 'products' ? 'catalog' : 'user';
    const cpu = r.cpu_ms_per_request;
    const cpuCell = `${cpu.user ?? '?'}+${cpu.catalog ?? '?'}+${cpu.recommendation ?? '?'}`;
    log(
      `| ${r.endpoint} | ${r.connections} | ${r.requests_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.errors} | ${r.rss_mib[service]} | ${cpuCell} | ${r.load_before}→${r.load_after} |`,
    );
  }
  log(`\n${JSON.stringify(summary)}`);
  const result = {
    benchmark: 'load',
    command: `pnpm bench:load ${argv.join(' ')}`.trim(),
    date: new Date().toISOString(),
    machine: machineInfo(),
    dataset,
    store,
    embedder,
    duration_s: duration,
    ...summary,
    results,
    profile,
  };
  writeResults(outName, result, log);
});

function serviceCpu(pids: Partial<Record<string, number>>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [service, pid] of Object.entries(pids)) {
    const ms = cpuMs(pid);
    if (ms !== null) result[service] = ms;
  }
  return result;
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
