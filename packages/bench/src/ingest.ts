import { choiceArg, intArg, parseArgs, runMain } from './lib/args.js';
import { BenchStack } from './lib/bench-stack.js';
import { requestJson, waitUntil } from './lib/http.js';
import { loadAverage, machineInfo, peakRssMiB, seconds } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { SCALED, scaledDataset } from './lib/scaled-dataset.js';
import { totalCount } from './lib/system-info.js';

const USAGE = `Ingest: dataset CSV -> Postgres -> outbox -> embeddings -> vector store, end to end.

  pnpm bench:ingest [options]

  --embedder hashing|model   recommendation-service embedder                         [hashing]
  --store embedded|milvus    vector store (milvus: BENCH_MILVUS_ADDRESS, default 127.0.0.1:19534) [embedded]
  --products N               size of the generated catalog (customers N/4, purchases 5N) [20000]
  --env KEY=VALUE            variable for every service, repeatable (OUTBOX_BATCH_SIZE,
                             IMPORT_BATCH_SIZE, EMBEDDINGS_BATCH_SIZE, MILVUS_BATCH_SIZE, ...)
  --out NAME                 results file (name under packages/bench/results/, or a path) [ingest-<embedder>-<store>-<products>.json]

Times from the launch of the services: 'ready' (customers seeded, CSV imported into Postgres,
every service answering /readyz) and 'vectorised' (every product's vector in the store).`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const embedder = choiceArg(args, 'embedder', ['hashing', 'model'] as const, 'hashing');
  const store = choiceArg(args, 'store', ['embedded', 'milvus'] as const, 'embedded');
  const products = intArg(args, 'products', SCALED.products);
  const size =
    products === SCALED.products
      ? SCALED
      : { products, customers: Math.max(1, Math.round(products / 4)), purchases: products * 5 };
  const outName = args.values.get('out') ?? `ingest-${embedder}-${store}-${products}.json`;
  const log = (line: string) => console.log(line);

  const datasetPath = await scaledDataset(size);
  log(`machine: ${JSON.stringify(machineInfo())}, load average ${loadAverage()}`);
  log(`dataset ${datasetPath} (${JSON.stringify(size)}); env ${JSON.stringify(args.env)}`);
  const loadStart = loadAverage();
  const started = Date.now();
  const stack = await BenchStack.start({ name: 'ingest', datasetPath, embedder, store, env: args.env });
  let result: Record<string, unknown>;
  try {
    const readySeconds = seconds(Date.now() - started);
    const catalogProducts = await totalCount(`${stack.urls.catalog}/products/?limit=1`);
    log(`ready after ${readySeconds} s (${catalogProducts} products in the catalog)`);
    const samples: { t: number; vectors: number }[] = [];
    let lastLog = 0;
    await waitUntil(
      'every product vectorised',
      async () => {
        const info = await requestJson<{ vector_count: number }>(
          `${stack.urls.recommendation}/recommendation/info`,
        );
        samples.push({ t: seconds(Date.now() - started), vectors: info.vector_count });
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(
            `  ${seconds(Date.now() - started)} s: ${info.vector_count}/${catalogProducts} vectors, load ${loadAverage()}`,
          );
        }
        return info.vector_count >= catalogProducts;
      },
      3_600_000,
      250,
    );
    const vectorisedSeconds = seconds(Date.now() - started);
    const firstVector = samples.find((s) => s.vectors > 0)?.t ?? readySeconds;
    const imports = await requestJson<{ summary: Record<string, unknown> }[]>(
      `${stack.urls.catalog}/dataset/imports`,
    );
    result = {
      benchmark: 'ingest',
      command: `pnpm bench:ingest ${argv.join(' ')}`.trim(),
      date: new Date().toISOString(),
      machine: machineInfo(),
      embedder,
      store,
      env: args.env,
      size,
      products: catalogProducts,
      ready_seconds: readySeconds,
      vectorised_seconds: vectorisedSeconds,
      products_per_second_end_to_end: Math.round(catalogProducts / vectorisedSeconds),
      products_per_second_after_ready: Math.round(
        catalogProducts / Math.max(0.01, vectorisedSeconds - readySeconds),
      ),
      first_vector_seconds: firstVector,
      import_summary: imports[0]?.summary,
      peak_rss_mib: {
        user: peakRssMiB(stack.pids.user),
        catalog: peakRssMiB(stack.pids.catalog),
        recommendation: peakRssMiB(stack.pids.recommendation),
      },
      recommendation_info: await requestJson(`${stack.urls.recommendation}/recommendation/info`),
      load_average: { start: loadStart, end: loadAverage() },
    };
  } finally {
    await stack.stop();
  }
  log(
    `\n${result.products} products vectorised ${result.vectorised_seconds} s after launch (ready ${result.ready_seconds} s): ` +
      `${result.products_per_second_end_to_end} products/s end to end, ${result.products_per_second_after_ready}/s after ready; ` +
      `peak RSS ${JSON.stringify(result.peak_rss_mib)} MiB; load ${JSON.stringify(result.load_average)}`,
  );
  writeResults(outName, result, log);
});
