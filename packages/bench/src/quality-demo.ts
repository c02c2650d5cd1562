import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { choiceArg, parseArgs, runMain } from './lib/args.js';
import { BenchStack } from './lib/bench-stack.js';
import { mapLimit } from './lib/concurrency.js';
import { requestJson } from './lib/http.js';
import { loadAverage, machineInfo } from './lib/machine.js';
import { customerIds, purchaseCount, totalCount } from './lib/system-info.js';
import { waitForRecommendation } from './quality/load-system.js';

const USAGE = `Does the ranking look right on the project's demo data (dataset.csv)? Through the public APIs.

  pnpm bench:quality-demo [--embedder hashing|model] [--store embedded|milvus]

Per strategy (default hybrid, original): category affinity = share of each customer's top-10
items whose category the customer prefers (profile) or has bought from; concentration = the
largest share of customers having one product in their top 5. Goal (issue 11): affinity of
the default >= max(0.8, original's), no product in more than 20 % of top-5 lists.`;

interface Item {
  product_id: number;
  product: string;
  category: string;
  score: number;
  reason?: { kind: string; text: string };
}

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const embedder = choiceArg(args, 'embedder', ['hashing', 'model'] as const, 'hashing');
  const store = choiceArg(args, 'store', ['embedded', 'milvus'] as const, 'embedded');
  const log = (line: string) => console.log(line);
  log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);
  const stack = await BenchStack.start({
    name: 'quality_demo',
    datasetPath: path.join(REPO_ROOT, 'dataset.csv'),
    embedder,
    store,
    recommendationEnv: args.env,
  });
  try {
    const { urls } = stack;
    const products = await totalCount(`${urls.catalog}/products/?limit=1`);
    const purchases = await purchaseCount(urls.catalog);
    const lists = args.env.RANK_CONTENT_NEIGHBOURS !== '0';
    await waitForRecommendation(urls.recommendation, products, purchases.distinct, log, lists);
    const customers = await customerIds(urls.user);
    const profiles = await mapLimit(customers, 8, async (id) => {
      const customer = await requestJson<{ preference: string }>(`${urls.user}/customer/${id}`);
      const history = await requestJson<{ purchases: { category_title: string }[] }>(
        `${urls.catalog}/Purchases/customer_purchased_products/${id}`,
      );
      const liked = new Set(
        [...customer.preference.split(','), ...history.purchases.map((p) => p.category_title)]
          .map((name) => name.trim().toLowerCase())
          .filter(Boolean),
      );
      return { id, liked };
    });

    const rows = [];
    const examples: Record<string, unknown> = {};
    for (const [name, query] of [
      ['hybrid (default)', ''],
      ['original', '&strategy=original'],
    ] as const) {
      const lists = await mapLimit(profiles, 8, (profile) =>
        requestJson<Item[]>(`${urls.recommendation}/recommendation/${profile.id}?limit=10${query}`),
      );
      let inLiked = 0;
      let total = 0;
      let maxScore = 0;
      const top5 = new Map<number, number>();
      lists.forEach((list, i) => {
        for (const item of list) {
          total++;
          if (profiles[i]!.liked.has(item.category.toLowerCase())) inLiked++;
          maxScore = Math.max(maxScore, item.score);
        }
        for (const item of list.slice(0, 5)) top5.set(item.product_id, (top5.get(item.product_id) ?? 0) + 1);
      });
      const [topProduct, topCount] = [...top5].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
      const row = {
        strategy: name,
        customers: lists.length,
        category_affinity: round(inLiked / Math.max(1, total)),
        max_top5_share: round(topCount / Math.max(1, lists.length)),
        most_frequent_top5_product: topProduct,
        max_score: round(maxScore),
      };
      rows.push(row);
      examples[name] = lists
        .slice(0, 2)
        .map((list) =>
          list
            .slice(0, 5)
            .map(
              (item) =>
                `${item.product} [${item.category}] ${item.score}${item.reason ? ` — ${item.reason.text}` : ''}`,
            ),
        );
    }
    const [hybrid, original] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const goals = {
      affinity: `${hybrid.category_affinity} >= max(0.8, ${original.category_affinity}): ${hybrid.category_affinity >= Math.max(0.8, original.category_affinity)}`,
      concentration: `${hybrid.max_top5_share} <= 0.2: ${hybrid.max_top5_share <= 0.2}`,
    };
    log('');
    log('| strategy | customers | category affinity | max share of top-5 lists | max score |');
    log('| --- | --- | --- | --- | --- |');
    for (const row of rows) {
      log(
        `| ${row.strategy} | ${row.customers} | ${row.category_affinity} | ${row.max_top5_share} | ${row.max_score} |`,
      );
    }
    log(`\ngoals: ${JSON.stringify(goals)}`);
    log(`customers 1 and 2, top 5:\n${JSON.stringify(examples, null, 2)}`);
    log(`load average now ${loadAverage()}`);
    const outDir = path.resolve(import.meta.dirname, '..', 'results');
    mkdirSync(outDir, { recursive: true });
    const out = `quality-demo-${embedder}-${store}.json`;
    writeFileSync(
      path.join(outDir, out),
      `${JSON.stringify({ benchmark: 'quality-demo', command: `pnpm bench:quality-demo ${argv.join(' ')}`.trim(), date: new Date().toISOString(), machine: machineInfo(), load_average: loadAverage(), rows, goals, examples }, null, 2)}\n`,
    );
    log(`results: packages/bench/results/${out}`);
  } finally {
    await stack.stop();
  }
});

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
