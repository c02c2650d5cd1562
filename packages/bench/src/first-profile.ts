// Where the time of a customer's first recommendation goes (issue 10, goal 2; the breakdown in
// docs/scaling.md, "The first request for a customer"). Starts the three apps in this process
// on free ports with the demo data (PROFILE_DATA_DIR, default /tmp/first-prof; reused
// when it exists), then times each part of the path 200 times and prints the p50:
//   npx tsx packages/bench/src/first-profile.ts
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@ecom/stack/free-port';
import { REPO_ROOT } from '@ecom/stack/start-stack';
import { loadAverage } from './lib/machine.js';

const dataDir = process.env.PROFILE_DATA_DIR ?? '/tmp/first-prof';
mkdirSync(dataDir, { recursive: true });
const ports = { user: await freePort(), catalog: await freePort(), recommendation: await freePort() };
const urls = {
  user: `http://127.0.0.1:${ports.user}`,
  catalog: `http://127.0.0.1:${ports.catalog}`,
  recommendation: `http://127.0.0.1:${ports.recommendation}`,
};
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  DATA_DIR: dataDir,
  DATASET_PATH: process.env.PROFILE_DATASET ?? path.join(REPO_ROOT, 'dataset.csv'),
  EMBEDDINGS_MODEL: 'hashing',
  USER_SERVICE_URL: urls.user,
  CATALOG_SERVICE_URL: urls.catalog,
  RECOMMENDATION_SERVICE_URL: urls.recommendation,
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
};

async function start(dir: string, port: number) {
  const { buildApp } = await import(path.join(REPO_ROOT, dir, 'src/app.ts'));
  const { readConfig } = await import(path.join(REPO_ROOT, dir, 'src/config.ts'));
  const app = await buildApp(readConfig({ ...env, PORT: String(port) }), { logger: false });
  await app.listen({ host: '127.0.0.1', port });
  // recommendation-service loads its vectors and statistics after it listens.
  await app.startedUp();
  return app;
}

const user = await start('user-service', ports.user);
const reco = await start('recommendation-service', ports.recommendation);
const catalog = await start('catalog-service', ports.catalog);
for (;;) {
  const products = Number((await fetch(`${urls.catalog}/products/?limit=1`)).headers.get('x-total-count'));
  const info = (await (await fetch(`${urls.recommendation}/recommendation/info`)).json()) as {
    vector_count: number;
  };
  const outbox = (await (await fetch(`${urls.catalog}/outbox/status`)).json()) as { pending_jobs: number };
  if (products > 0 && info.vector_count >= products && outbox.pending_jobs === 0) break;
  await sleep(500);
}
await sleep(3000);
const customers = ((await (await fetch(`${urls.user}/customer/?limit=100`)).json()) as { id: number }[]).map(
  (c) => c.id,
);
console.log(`customers ${customers.length}, load ${loadAverage()}`);

async function time(label: string, n: number, fn: (i: number) => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(60)} p50 ${ms[Math.floor(n / 2)]!.toFixed(3)} ms  min ${ms[0]!.toFixed(3)}`);
}
const get = async (url: string) => {
  const r = await fetch(url);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${url} ${r.status}`);
};
const id = (i: number) => customers[i % customers.length]!;
const N = 200;
{
  const first: number[] = [];
  const warm: number[] = [];
  for (const c of customers.slice(0, 40)) {
    const t = performance.now();
    await get(`${urls.recommendation}/recommendation/${c}`);
    first.push(performance.now() - t);
  }
  for (const c of customers.slice(0, 40)) {
    const t = performance.now();
    await get(`${urls.recommendation}/recommendation/${c}`);
    warm.push(performance.now() - t);
  }
  const p50 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(3);
  console.log(
    `bench-like: first p50 ${p50(first)} warm p50 ${p50(warm)}; first ${first.map((x) => x.toFixed(1)).join(' ')}`,
  );
}
// warm up the JIT
for (let i = 0; i < 50; i++) {
  await get(`${urls.user}/customer/${id(i)}`);
  await get(`${urls.catalog}/Purchases/customer_purchased_products/${id(i)}`);
}
await time('reco localPurchases.read', N, (i) => reco.deps.localPurchases.read(id(i)));
const { UserClient } = await import(
  path.join(REPO_ROOT, 'recommendation-service/src/clients/user-client.ts')
);
const uc = new UserClient({ baseUrl: urls.user, timeoutMs: 2000 });
await time('reco UserClient.customer', N, (i) => uc.customer(id(i)));
await time('reco histories.get after invalidate (local path)', N, async (i) => {
  reco.deps.histories.invalidate([id(i)]);
  return reco.deps.histories.get(id(i));
});
await time('fetch user GET /customer/{id}', N, (i) => get(`${urls.user}/customer/${id(i)}`));
await time('fetch user GET /healthz', N, () => get(`${urls.user}/healthz`));
await time('fetch catalog GET history', N, (i) =>
  get(`${urls.catalog}/Purchases/customer_purchased_products/${id(i)}`),
);
const cd = catalog.deps;
await time('catalog purchases.history (Prisma)', N, (i) => cd.purchases.history(id(i)));
await time('catalog users.getCustomer (HTTP client)', N, (i) => cd.users.getCustomer(id(i)));
await time('user repo customers.find (Prisma)', N, (i) => user.deps.customers.find?.(id(i)) ?? null);
await time('catalog raw history query', N, (i) =>
  cd.prisma.$queryRawUnsafe(
    `SELECT p.id, p.purchased_at, pr.id AS product_id, pr.title, pr.tags, pr.category_id, c.title AS category_title
     FROM catalog_schema.purchase p JOIN catalog_schema.product pr ON pr.id = p.product_id
     JOIN catalog_schema.category c ON c.id = pr.category_id
     WHERE p.customer_id = $1 ORDER BY p.purchased_at DESC, p.id DESC`,
    id(i),
  ),
);
const rd = reco.deps;
await time('reco catalog.purchaseHistory (HTTP client)', N, (i) => rd.catalog.purchaseHistory(id(i)));
const histories = await Promise.all(customers.map((c) => rd.catalog.purchaseHistory(c)));
const { Recommender } = await import(
  path.join(REPO_ROOT, 'recommendation-service/src/ranking/recommender.ts')
);
const { readConfig } = await import(path.join(REPO_ROOT, 'recommendation-service/src/config.ts'));
const rconfig = readConfig({ ...env, PORT: '0' });
const query = { limit: 10, exclude_purchased: true, strategy: 'hybrid' as const };
/** A Recommender on the running service's parts, with no cached state. */
const newRecommender = () =>
  new Recommender(rconfig, rd.embedder, rd.vectorStore, rd.productDirectory, rd.coPurchases, rd.vectorSync);
await time('recommender.recommend, fresh Recommender (compute)', N, async (i) => {
  const r = newRecommender();
  return r.recommend(histories[i % histories.length], query);
});
const shared = newRecommender();
for (const h of histories) await shared.recommend(h, query);
await time('recommender.recommend, shared Recommender, new state (compute)', N, (i) => {
  const h = histories[i % histories.length];
  return shared.recommend({ ...h, age: h.age + 1000 + i }, query);
});
{
  // Parts of recommend() for new customer states (the store calls and the recommender's steps).
  const spent: Record<string, number> = {};
  const wrap = (target: Record<string, unknown>, name: string, label: string) => {
    const original = (target[name] as (...args: unknown[]) => unknown).bind(target);
    target[name] = (...args: unknown[]) => {
      const started = performance.now();
      const done = () => {
        spent[label] = (spent[label] ?? 0) + performance.now() - started;
      };
      const result = original(...args);
      if (result instanceof Promise) return result.finally(done);
      done();
      return result;
    };
  };
  const probe = newRecommender();
  wrap(rd.vectorStore, 'get', 'vectorStore.get');
  wrap(rd.vectorStore, 'search', 'vectorStore.search');
  wrap(probe, 'customerState', 'customerState (with its get)');
  wrap(probe, 'rankHybrid', 'rankHybrid (with search and names)');
  wrap(probe, 'nameSimilarPurchases', 'nameSimilarPurchases (with its get)');
  const rounds = 400;
  let total = 0;
  for (let i = 0; i < rounds; i++) {
    const h = histories[i % histories.length];
    const started = performance.now();
    await probe.recommend({ ...h, age: h.age + 5000 + i }, query);
    total += performance.now() - started;
  }
  for (const [label, ms] of Object.entries({ 'recommend, new state': total, ...spent })) {
    console.log(`  ${label.padEnd(58)} ${(ms / rounds).toFixed(3)} ms per first request (mean)`);
  }
}
await time('new Recommender()', N, async () => newRecommender());
await time('recommender.recommend, cached answer', N, (i) =>
  shared.recommend(histories[i % histories.length], query),
);
const purchases = histories.map((h) => [
  ...new Set(h.purchases.map((p: { product_id: number }) => p.product_id)),
]);
await time('vectorStore.get(purchases)', N, (i) => rd.vectorStore.get(purchases[i % purchases.length]));
const vec = (await rd.vectorStore.get([1]))[0]?.vector ?? new Float32Array(rd.embedder.dimension);
await time('vectorStore.search(limit 50)', N, (i) =>
  rd.vectorStore.search(vec, { limit: 50, excludeProductIds: purchases[i % purchases.length] }),
);
await time('embedder.embed(profile text)', N, (i) =>
  rd.embedder.embed([`customer ${i} likes Clothing in Madrid`]),
);
// Full first request: a history invalidated (hop) + a cached answer.
for (const c of customers) await get(`${urls.recommendation}/recommendation/${c}`);
await time('fetch reco warm', N, (i) => get(`${urls.recommendation}/recommendation/${id(i)}`));
await time('fetch reco after invalidate (hop + cached answer)', N, async (i) => {
  rd.histories.invalidate([id(i)]);
  await get(`${urls.recommendation}/recommendation/${id(i)}`);
});
await time('fetch reco: invalidate + new Recommender state (hop + compute)', 40, async (i) => {
  rd.histories.invalidate([id(i)]);
  await get(`${urls.recommendation}/recommendation/${id(i)}?limit=${(i % 90) + 11}`);
});
await time('inject reco warm', N, (i) => reco.inject({ url: `/recommendation/${id(i)}` }));
console.log(`load ${loadAverage()}`);
await catalog.close();
await reco.close();
await user.close();
