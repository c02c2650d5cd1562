// What a customer's first recommendation costs once the process has served others (issue 10,
// goal 2; docs/benchmarks.md, "Goal 2, third look"). `bench:serving` measures the first
// requests a freshly started process ever ranks; this asks the same customers again after
// each catalog change (a tag added to one product re-embeds it, which makes every customer's
// state and answer stale) and after the history cache's TTL, so each round is a true first
// request per customer, on a process that has ranked more and more. Besides the client's
// p50 it reads the server's own time per request from /metrics, which no client overhead
// blurs. Against a running `npm start` (the product's tags are restored at the end):
//   npx tsx packages/bench/src/first-rounds.ts [--rounds 6] [--ttl-ms 10000]
import { setTimeout as sleep } from 'node:timers/promises';
import { intArg, parseArgs, runMain } from './lib/args.js';
import { requestJson } from './lib/http.js';
import { loadAverage } from './lib/machine.js';
import { customerIds } from './lib/system-info.js';

const USAGE = `First requests round after round on a running stack (USER_SERVICE_URL, CATALOG_SERVICE_URL,
RECOMMENDATION_SERVICE_URL; npm start's ports by default).

  npx tsx packages/bench/src/first-rounds.ts [--rounds N] [--ttl-ms MS] [--product ID]

  --rounds N    catalog changes, each followed by one first and one warm request per customer [6]
  --ttl-ms MS   the services' HISTORY_CACHE_TTL_MS: each round waits it out               [10000]
  --product ID  the product whose tags change                                              [1]`;

const urls = {
  user: process.env.USER_SERVICE_URL ?? 'http://127.0.0.1:8101',
  catalog: process.env.CATALOG_SERVICE_URL ?? 'http://127.0.0.1:8111',
  recommendation: process.env.RECOMMENDATION_SERVICE_URL ?? 'http://127.0.0.1:8121',
};
const ROUTE = 'route="/recommendation/:customer_id"';

interface Product {
  id: number;
  tags: string[];
}

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const rounds = intArg(args, 'rounds', 6);
  const ttlMs = intArg(args, 'ttl-ms', 10_000);
  const productId = intArg(args, 'product', 1);
  const customers = await customerIds(urls.user);
  const product = await requestJson<Product>(`${urls.catalog}/products/${productId}`);
  const originalTags = [...product.tags];
  console.log(`${customers.length} customers, load ${loadAverage()}`);
  console.log(
    '| round | rankings before | first p50 | warm p50 | ratio | server first | server warm | load |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  try {
    for (let round = 0; round <= rounds; round++) {
      if (round > 0) {
        await putTags(product, [...originalTags, `first-rounds ${round}`]);
        await sleep(ttlMs + 1_000);
      }
      const first = await ask(customers);
      const warm = await ask(customers);
      // After a change every answer must be computed again, or the round measured the cache.
      if (round > 0 && first.computed !== customers.length) {
        throw new Error(
          `round ${round}: ${first.computed} of ${customers.length} answers were computed, not all`,
        );
      }
      const label =
        round > 0 ? String(round) : first.computed === customers.length ? '0 (after start)' : '0 (cached)';
      console.log(
        `| ${label} | ${round * customers.length} | ${first.p50.toFixed(2)} ms | ${warm.p50.toFixed(2)} ms | ${(first.p50 / warm.p50).toFixed(2)} | ${first.serverMs.toFixed(2)} ms | ${warm.serverMs.toFixed(2)} ms | ${loadAverage()} |`,
      );
    }
  } finally {
    await putTags(product, originalTags);
  }
});

/** One request per customer, one at a time: client p50, the server's mean, answers computed. */
async function ask(customers: number[]): Promise<{ p50: number; serverMs: number; computed: number }> {
  const before = await serverCounters();
  const ms: number[] = [];
  for (const id of customers) {
    const started = performance.now();
    const response = await fetch(`${urls.recommendation}/recommendation/${id}`);
    await response.arrayBuffer();
    ms.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`customer ${id}: ${response.status}`);
  }
  const after = await serverCounters();
  ms.sort((a, b) => a - b);
  return {
    p50: ms[Math.floor(ms.length / 2)]!,
    serverMs: ((after.seconds - before.seconds) / (after.requests - before.requests)) * 1000,
    computed: after.misses - before.misses,
  };
}

/** The recommendation route's request time and the answer cache's misses, from /metrics. */
async function serverCounters(): Promise<{ seconds: number; requests: number; misses: number }> {
  const text = await (await fetch(`${urls.recommendation}/metrics`)).text();
  const counters = { seconds: 0, requests: 0, misses: 0 };
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.includes(ROUTE) && line.includes('status_code="200"')) {
      if (line.startsWith('http_request_duration_seconds_sum')) counters.seconds += value;
      if (line.startsWith('http_request_duration_seconds_count')) counters.requests += value;
    }
    if (line.startsWith('recommendation_answer_cache_requests_total') && line.includes('result="miss"')) {
      counters.misses += value;
    }
  }
  return counters;
}

async function putTags(product: Product, tags: string[]): Promise<void> {
  const response = await fetch(`${urls.catalog}/products/`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...product, tags }),
  });
  if (!response.ok) throw new Error(`PUT /products/: ${response.status} ${await response.text()}`);
}
