import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { createScratchDatabase } from '@ecom/db';
import { freePort } from '@ecom/stack/free-port';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { choiceArg, intArg, parseArgs, runMain } from './lib/args.js';
import { benchRunId, DEFAULT_MILVUS, DEFAULT_POSTGRES, removeBenchData } from './lib/bench-stack.js';
import { mapLimit } from './lib/concurrency.js';
import { gauge, requestJson, waitUntil } from './lib/http.js';
import { loadAverage, machineInfo } from './lib/machine.js';
import { type ProcessMemory, processTree, treeProcesses, treeRssMiB } from './lib/process-tree.js';
import { writeResults } from './lib/results.js';
import { scaledDataset } from './lib/scaled-dataset.js';
import { customerIds, purchaseCount, totalCount } from './lib/system-info.js';
import { assertWrkInstalled, runWrk, type WrkResult } from './lib/wrk.js';
import { waitForRecommendation } from './quality/load-system.js';

const USAGE = `The serving-cost goals of issue 10 in one run, as ratios (docs/benchmarks.md, "Serving cost").

  pnpm bench:serving [options]

  --dataset demo|scaled      demo: dataset.csv; scaled: 20,000 products, 5,000 customers    [demo]
  --store embedded|milvus    embedded: npm start's defaults (PGlite, embedded vectors); milvus:
                             a scratch Postgres database (BENCH_DATABASE_URL) + Milvus Lite
                             (BENCH_MILVUS_ADDRESS, default ${DEFAULT_MILVUS})                   [embedded]
  --stack-mode single|processes   STACK_MODE of npm start                                  [single]
  --embedder auto|hashing    EMBEDDINGS_MODEL (auto = npm start's default)                 [auto]
  --duration S               seconds per wrk measurement                                   [10]
  --cold1 N                  customers asked for the first time one by one (goal 2)        [40 demo, 300 scaled]
  --env KEY=VALUE            extra variable for the services, repeatable
  --memory-detail            also ask each Node process of the tree for its V8 heap and
                             external memory at the steady point (lib/memory-probe.mjs)
  --out NAME                 results file (name under packages/bench/results/, or a path) [serving-<dataset>-<store>.json]

It starts \`npm start\` itself (the process tree measured is npm's), waits for the import and
the vectorisation, then measures:
  memory   RSS of the whole npm start tree: peak while starting, steady after it settled
  goal 2   first request per customer, one connection (p50 vs the same customers warm), then
           every other customer once at 16 in flight (p50/p99, req/s)
  goal 1   wrk, 16 connections, 50 customers rotating: GET /recommendation/{id} (warm) against
           GET /customer/{id}, twice each, interleaved`;

const CONNECTIONS = 16;
/** Preloaded with --memory-detail: answers SIGUSR2 with the process's heap and external memory. */
const PROBE = pathToFileURL(path.join(import.meta.dirname, 'lib', 'memory-probe.mjs')).href;
const ROTATING_CUSTOMERS = 50;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, ['memory-detail']);
  const dataset = choiceArg(args, 'dataset', ['demo', 'scaled'] as const, 'demo');
  const store = choiceArg(args, 'store', ['embedded', 'milvus'] as const, 'embedded');
  const stackMode = choiceArg(args, 'stack-mode', ['single', 'processes'] as const, 'single');
  const embedder = choiceArg(args, 'embedder', ['auto', 'hashing'] as const, 'auto');
  const duration = Math.max(1, intArg(args, 'duration', 10));
  const cold1 = intArg(args, 'cold1', dataset === 'demo' ? 40 : 300);
  const outName = args.values.get('out') ?? `serving-${dataset}-${store}.json`;
  await assertWrkInstalled();
  const log = (line: string) => console.log(line);

  const datasetPath = dataset === 'demo' ? path.join(REPO_ROOT, 'dataset.csv') : await scaledDataset();
  const runId = benchRunId();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-serving-'));
  const databaseUrl =
    store === 'milvus'
      ? await createScratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_POSTGRES, 'bench_serving')
      : undefined;
  const ports = { user: await freePort(), catalog: await freePort(), recommendation: await freePort() };
  const urls = {
    user: `http://127.0.0.1:${ports.user}`,
    catalog: `http://127.0.0.1:${ports.catalog}`,
    recommendation: `http://127.0.0.1:${ports.recommendation}`,
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    USER_SERVICE_PORT: String(ports.user),
    CATALOG_SERVICE_PORT: String(ports.catalog),
    RECOMMENDATION_SERVICE_PORT: String(ports.recommendation),
    DATA_DIR: dataDir,
    DATASET_PATH: datasetPath,
    STACK_MODE: stackMode,
    DATABASE_URL: databaseUrl ?? '',
    MILVUS_ADDRESS: store === 'milvus' ? (process.env.BENCH_MILVUS_ADDRESS ?? DEFAULT_MILVUS) : '',
    MILVUS_COLLECTION_PREFIX: `bench_serving_${runId}`,
    ...(embedder === 'hashing' ? { EMBEDDINGS_MODEL: 'hashing' } : {}),
    ...(args.flags.has('memory-detail')
      ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${PROBE}` }
      : {}),
    ...args.env,
  };
  log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);
  log(
    `npm start (${stackMode}, ${dataset}, ${store}, EMBEDDINGS_MODEL=${env.EMBEDDINGS_MODEL ?? 'auto'}) ...`,
  );

  const started = Date.now();
  const npm = spawn('npm', ['start'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  npm.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRssMiB(npm.pid!));
  }, 200);
  try {
    // Ready and vectorised: every product has its vector in recommendation-service.
    await waitUntil(
      'the services',
      async () => {
        if (npm.exitCode !== null) throw new Error(`npm start exited: ${stderr.join('').slice(-2000)}`);
        try {
          for (const url of Object.values(urls)) if (!(await fetch(`${url}/readyz`)).ok) return false;
          return true;
        } catch {
          return false;
        }
      },
      600_000,
      500,
    );
    const ready = Date.now() - started;
    const products = await totalCount(`${urls.catalog}/products/?limit=1`);
    // Every vector and every purchase learned: while the statistics still load, each new
    // purchase page changes every cached answer and "warm" would not be warm (scaled catalog).
    const purchases = await purchaseCount(urls.catalog);
    await waitForRecommendation(urls.recommendation, products, purchases.distinct, log);
    // Settled: the outbox drained and no re-index running (each upsert changes the vector
    // version and with it every cached answer, so "warm" would not be warm yet).
    await waitUntil(
      'the outbox and the re-index to settle',
      async () => {
        const outbox = await requestJson<{ pending_jobs: number }>(`${urls.catalog}/outbox/status`);
        const info = await requestJson<{ reindex?: { state?: string } }>(
          `${urls.recommendation}/recommendation/info`,
        );
        return outbox.pending_jobs === 0 && !['running', 'waiting'].includes(info.reindex?.state ?? '');
      },
      600_000,
      500,
    );
    const vectorised = Date.now() - started;
    const customers = await customerIds(urls.user);
    log(
      `ready in ${(ready / 1000).toFixed(1)} s, vectorised in ${(vectorised / 1000).toFixed(1)} s: ${products} products, ${customers.length} customers`,
    );
    // The product neighbour lists, an index over the catalog built in the background after the
    // vectors (first requests search the store until their purchases' lists are built).
    if (env.RANK_CONTENT_NEIGHBOURS !== '0') {
      await waitUntil(
        'the product neighbour lists',
        async () => (await gauge(urls.recommendation, 'recommendation_content_neighbour_lists')) >= products,
        1_800_000,
        500,
      );
      log(
        `neighbour lists built ${((Date.now() - started - vectorised) / 1000).toFixed(1)} s after the vectors`,
      );
    }
    // Steady: the purchase statistics and the outbox settle, the garbage collector catches up.
    await sleep(10_000);
    const steady = treeRssMiB(npm.pid!);
    const peakAtStart = Math.max(peak, steady);
    log(`memory: npm start tree ${steady} MiB steady, ${peakAtStart} MiB peak (load ${loadAverage()})`);
    const steadyProcesses = await describeProcesses(npm.pid!, args.flags.has('memory-detail'));
    for (const proc of steadyProcesses)
      log(`  ${proc.rss_mib} MiB  ${proc.command}${proc.node ? ` ${JSON.stringify(proc.node)}` : ''}`);

    // Goal 2: first requests (nothing cached for these customers), one connection, then warm.
    const firstOnes = customers.slice(0, Math.min(cold1, customers.length));
    const recoUrl = (id: number) => `${urls.recommendation}/recommendation/${id}`;
    const loadBeforeCold = loadAverage();
    const cold = await timeEach(firstOnes, 1, recoUrl);
    const warm = await timeEach(firstOnes, 1, recoUrl);
    const rest = customers.slice(firstOnes.length);
    const coldStarted = Date.now();
    const coldMany = rest.length > 0 ? await timeEach(rest, CONNECTIONS, recoUrl) : [];
    const coldManySeconds = (Date.now() - coldStarted) / 1000;
    const goal2 = {
      customers_one_connection: firstOnes.length,
      first_p50_ms: percentile(cold, 50),
      first_p99_ms: percentile(cold, 99),
      warm_p50_ms: percentile(warm, 50),
      warm_p99_ms: percentile(warm, 99),
      ratio_first_to_warm_p50: round(percentile(cold, 50) / percentile(warm, 50), 2),
      many_customers: rest.length,
      many_in_flight: CONNECTIONS,
      many_p50_ms: percentile(coldMany, 50),
      many_p99_ms: percentile(coldMany, 99),
      many_req_per_s: rest.length > 0 ? Math.round(rest.length / coldManySeconds) : null,
      load: `${loadBeforeCold}→${loadAverage()}`,
    };
    log(`goal 2 (first request): ${JSON.stringify(goal2)}`);

    // Goal 1: warm recommendations against the plain customer read, interleaved twice.
    const rotating = customers.slice(0, ROTATING_CUSTOMERS);
    await timeEach(rotating, 4, recoUrl); // every rotating customer warm
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-serving-wrk-'));
    const cells: (WrkResult & { endpoint: string; load: string })[] = [];
    for (let round = 0; round < 2; round++) {
      for (const endpoint of ['recommendation', 'customer'] as const) {
        const before = loadAverage();
        const result = await runWrk({
          baseUrl: endpoint === 'recommendation' ? urls.recommendation : urls.user,
          paths: rotating.map((id) => `/${endpoint}/${id}`),
          connections: CONNECTIONS,
          durationSeconds: duration,
          workDir,
        });
        cells.push({ ...result, endpoint, load: `${before}→${loadAverage()}` });
        log(
          `${endpoint.padEnd(14)} c=${CONNECTIONS}: ${result.requests_per_s} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, errors ${result.errors}; load ${before}→${loadAverage()}`,
        );
      }
    }
    await rm(workDir, { recursive: true, force: true });
    const sum = (endpoint: string, key: 'requests_per_s' | 'p99_ms') =>
      cells.filter((cell) => cell.endpoint === endpoint).reduce((total, cell) => total + cell[key], 0) / 2;
    const steadyAfter = treeRssMiB(npm.pid!);
    const goal1 = {
      recommendation_req_per_s: Math.round(sum('recommendation', 'requests_per_s')),
      customer_req_per_s: Math.round(sum('customer', 'requests_per_s')),
      ratio_throughput: round(sum('recommendation', 'requests_per_s') / sum('customer', 'requests_per_s'), 2),
      recommendation_p99_ms: round(sum('recommendation', 'p99_ms'), 1),
      customer_p99_ms: round(sum('customer', 'p99_ms'), 1),
      ratio_p99: round(sum('recommendation', 'p99_ms') / sum('customer', 'p99_ms'), 2),
    };
    const memoryLimit = dataset === 'demo' ? 450 : 800;
    const goal3 = {
      steady_mib: steady,
      peak_mib: Math.max(peakAtStart, peak),
      after_load_mib: steadyAfter,
      limit_mib: memoryLimit,
      ratio_steady_to_limit: round(steady / memoryLimit, 2),
      steady_processes: steadyProcesses,
    };
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    log('');
    log(`| goal | measured | ratio | target | result |`);
    log(`| --- | --- | --- | --- | --- |`);
    log(
      `| 1 throughput, 16 connections | reco ${goal1.recommendation_req_per_s} req/s, customer ${goal1.customer_req_per_s} req/s | ${goal1.ratio_throughput} | ≥ 0.8 | ${verdict(goal1.ratio_throughput >= 0.8)} |`,
    );
    log(
      `| 1 p99, 16 connections | reco ${goal1.recommendation_p99_ms} ms, customer ${goal1.customer_p99_ms} ms | ${goal1.ratio_p99} | ≤ 2 | ${verdict(goal1.ratio_p99 <= 2)} |`,
    );
    log(
      `| 2 first request p50, 1 connection | first ${goal2.first_p50_ms} ms, warm ${goal2.warm_p50_ms} ms | ${goal2.ratio_first_to_warm_p50} | ≤ 3 | ${verdict(goal2.ratio_first_to_warm_p50 <= 3)} |`,
    );
    log(
      `| 2 ${goal2.many_customers} customers once, ${CONNECTIONS} in flight | p50 ${goal2.many_p50_ms} ms, p99 ${goal2.many_p99_ms} ms, ${goal2.many_req_per_s} req/s | | report | |`,
    );
    log(
      `| 3 memory, npm start tree | steady ${goal3.steady_mib} MiB, peak ${goal3.peak_mib} MiB, after the load ${goal3.after_load_mib} MiB | ${goal3.ratio_steady_to_limit} | ≤ 1 (${memoryLimit} MiB) | ${verdict(goal3.steady_mib <= memoryLimit)} |`,
    );
    log(`load average now ${loadAverage()}`);

    const result = {
      command: `pnpm bench:serving ${argv.join(' ')}`.trim(),
      machine: machineInfo(),
      dataset,
      store,
      stack_mode: stackMode,
      embedder: env.EMBEDDINGS_MODEL ?? 'auto',
      products,
      customers: customers.length,
      ready_seconds: round(ready / 1000, 1),
      vectorised_seconds: round(vectorised / 1000, 1),
      goal1,
      goal2,
      goal3,
      wrk: cells,
    };
    writeResults(outName, result, log);
  } finally {
    clearInterval(sampler);
    await stopTree(npm);
    await removeBenchData({ dataDir, databaseUrl, store, runId });
  }
});

/** Each process of the tree with its RSS; with `detail`, each Node process's own account (lib/memory-probe.mjs). */
async function describeProcesses(
  root: number,
  detail: boolean,
): Promise<(ProcessMemory & { node?: unknown })[]> {
  const processes: (ProcessMemory & { node?: unknown })[] = treeProcesses(root);
  if (!detail) return processes;
  for (const proc of processes) {
    try {
      // Only Node processes, which preload the probe: SIGUSR2 ends any other (npm's shell,
      // whose environment names the probe too).
      const node = path.basename(readlinkSync(`/proc/${proc.pid}/exe`)).startsWith('node');
      if (node && readFileSync(`/proc/${proc.pid}/environ`, 'utf8').includes(PROBE)) {
        process.kill(proc.pid, 'SIGUSR2');
      }
    } catch {
      // exited meanwhile
    }
  }
  await sleep(1_500);
  for (const proc of processes) {
    const file = path.join(os.tmpdir(), `ecom-memory-probe-${proc.pid}.json`);
    if (!existsSync(file)) continue;
    proc.node = JSON.parse(readFileSync(file, 'utf8'));
    rmSync(file);
  }
  return processes;
}

/** Milliseconds per request, `inFlight` at a time; any non-200 answer fails the run. */
async function timeEach(ids: number[], inFlight: number, url: (id: number) => string): Promise<number[]> {
  return mapLimit(ids, inFlight, async (id) => {
    const startedAt = performance.now();
    const response = await fetch(url(id));
    await response.arrayBuffer();
    const ms = performance.now() - startedAt;
    if (response.status !== 200) throw new Error(`${url(id)} answered ${response.status}`);
    return ms;
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return round(sorted[Math.max(0, index)]!, 2);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** SIGTERM to npm's tree (npm does not forward it), then SIGKILL what is left. */
async function stopTree(npm: ChildProcess): Promise<void> {
  const pids = processTree(npm.pid!).reverse();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  await sleep(5_000);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** A gauge's value from a service's /metrics (0 when it is not there). */
