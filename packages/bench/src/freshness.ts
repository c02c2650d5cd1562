import path from 'node:path';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { choiceArg, intArg, parseArgs, runMain } from './lib/args.js';
import { BenchStack } from './lib/bench-stack.js';
import { percentile } from './lib/concurrency.js';
import { requestJson } from './lib/http.js';
import { loadAverage, machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { purchaseCount, totalCount } from './lib/system-info.js';
import { waitForRecommendation } from './quality/load-system.js';

const USAGE = `The freshness promise (README, "Freshness"; docs/benchmarks.md, "Freshness"): how long after
a write's 2xx a customer's warm recommendations stop showing what it changed.

  pnpm bench:freshness [options]

  --store embedded|milvus   vectors: the embedded index, or Milvus Lite (BENCH_MILVUS_ADDRESS)  [embedded]
  --trials N                purchases and product deletions measured, each                  [20]
  --env KEY=VALUE           extra variable for recommendation-service, repeatable

The services run as processes on the demo data (BENCH_DATABASE_URL: a scratch Postgres database,
or \`pglite\`; the hashing embedder; every setting at its default). Each purchase trial warms a
customer's recommendations (limit 5), buys the top one through catalog-service and polls
GET /recommendation/{id} until it is gone; each deletion trial creates a product, waits until a
customer's category recommendations (limit 100) list it, deletes it and polls until it is gone.
The baseline is the promise, 200 ms: it prints p50/p95/max in ms and as a ratio to it, the warm
request's own p50 (the polling's resolution) and the load average.`;

const PROMISE_MS = 200;
/** Between two checks; a check is one warm recommendation request. */
const POLL_MS = 5;
/** A trial that has not seen the change after this long is recorded as this (and said so). */
const GIVE_UP_MS = 30_000;

interface Item {
  product_id: number;
}

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const store = choiceArg(args, 'store', ['embedded', 'milvus'] as const, 'embedded');
  const trials = Math.max(1, intArg(args, 'trials', 20));
  const log = (line: string) => console.log(line);
  log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);

  const stack = await BenchStack.start({
    name: 'freshness',
    datasetPath: path.join(REPO_ROOT, 'dataset.csv'),
    embedder: 'hashing',
    store,
    recommendationEnv: args.env,
  });
  try {
    const { catalog, recommendation } = stack.urls;
    const products = await totalCount(`${catalog}/products/?limit=1`);
    await waitForRecommendation(recommendation, products, (await purchaseCount(catalog)).distinct, log);
    const loadBefore = loadAverage();
    const category = (await requestJson<{ id: number }[]>(`${catalog}/category/`))[0]!;
    const recommended = (url: string) => requestJson<Item[]>(url);

    const warmMs: number[] = [];
    const purchaseMs: number[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const url = `${recommendation}/recommendation/${trial + 1}?limit=5`;
      await recommended(url);
      const started = performance.now();
      const top = (await recommended(url))[0]!.product_id; // warm: history and answer held
      warmMs.push(performance.now() - started);
      await requestJson(`${catalog}/Purchases/`, {
        method: 'POST',
        body: { customer_id: trial + 1, product_id: top },
      });
      purchaseMs.push(await msUntil(async () => !(await recommended(url)).some((i) => i.product_id === top)));
    }
    log(`purchase gone:        ${summaryLine(purchaseMs)}`);

    const deleteMs: number[] = [];
    const url = `${recommendation}/recommendation/3?limit=100&category_id=${category.id}`;
    for (let trial = 0; trial < trials; trial++) {
      const created = await requestJson<{ id: number }>(`${catalog}/products/`, {
        method: 'POST',
        body: {
          title: `Fleeting Gadget ${trial}`,
          category_id: category.id,
          description: 'x',
          tags: ['gadget'],
        },
      });
      const listed = async () => (await recommended(url)).some((i) => i.product_id === created.id);
      if ((await msUntil(listed)) >= GIVE_UP_MS) throw new Error(`product ${created.id} never recommended`);
      await requestJson(`${catalog}/products/${created.id}`, { method: 'DELETE' });
      deleteMs.push(await msUntil(async () => !(await listed())));
    }
    log(`deleted product gone: ${summaryLine(deleteMs)}`);
    log(
      `warm request (the polling's resolution): p50 ${round(
        percentile(
          warmMs.sort((a, b) => a - b),
          50,
        ),
      )} ms`,
    );
    const load = `${loadBefore}→${loadAverage()}`;
    log(`load average ${load}`);

    const database = process.env.BENCH_DATABASE_URL === 'pglite' ? 'pglite' : 'postgres';
    writeResults(
      `freshness-${store}-${database}.json`,
      {
        command: `pnpm bench:freshness ${argv.join(' ')}`.trim(),
        machine: machineInfo(),
        store,
        database,
        trials,
        promise_ms: PROMISE_MS,
        load,
        purchase_gone: summary(purchaseMs),
        deleted_product_gone: summary(deleteMs),
        warm_request_p50_ms: round(
          percentile(
            warmMs.sort((a, b) => a - b),
            50,
          ),
        ),
      },
      log,
    );
  } finally {
    await stack.stop();
  }
});

/** Milliseconds from now until `done()` is true, polling every POLL_MS; GIVE_UP_MS at most. */
async function msUntil(done: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await done()) return performance.now() - started;
    const elapsed = performance.now() - started;
    if (elapsed >= GIVE_UP_MS) return GIVE_UP_MS;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const [p50, p95, max] = [percentile(sorted, 50), percentile(sorted, 95), sorted[sorted.length - 1]!];
  return {
    p50_ms: round(p50),
    p95_ms: round(p95),
    max_ms: round(max),
    ratio_to_promise: { p50: ratio(p50), p95: ratio(p95), max: ratio(max) },
    gave_up: ms.filter((value) => value >= GIVE_UP_MS).length,
  };
}

function summaryLine(ms: number[]): string {
  const s = summary(ms);
  const { p50, p95, max } = s.ratio_to_promise;
  const gaveUp = s.gave_up > 0 ? `; ${s.gave_up} never seen in ${GIVE_UP_MS} ms` : '';
  return `p50 ${s.p50_ms} ms (${p50}× the promise), p95 ${s.p95_ms} ms (${p95}×), max ${s.max_ms} ms (${max}×)${gaveUp}`;
}

function ratio(ms: number): number {
  return Math.round((ms / PROMISE_MS) * 100) / 100;
}

function round(ms: number): number {
  return Math.round(ms);
}
