import { once } from 'node:events';
import { NotificationListener, registerDatabase } from '@ecom/db';
import {
  type App,
  type AppWith,
  type BuildOptions as BaseBuildOptions,
  createServer,
  loadOnStartUp,
  withDeps,
} from '@ecom/service-kit';
import { CatalogClient } from './clients/catalog-client.js';
import { UserClient } from './clients/user-client.js';
import { CHANGES_CHANNEL, type Config, DB_SCHEMA, MIGRATIONS_DIR } from './config.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import type { Deps } from './deps.js';
import { PrismaClient } from './generated/prisma/client.js';
import { CustomerDirectory } from './history/customer-directory.js';
import { HistoryCache } from './history/history-cache.js';
import { HistorySource } from './history/history-source.js';
import { LocalPurchases } from './history/local-purchases.js';
import { registerRecommendationMetrics } from './metrics/recommendation-metrics.js';
import { openVectors } from './plugins/vectors.js';
import { pairCountOptions } from './ranking/config.js';
import { ContentNeighbours } from './ranking/content-neighbours.js';
import { PurchaseStats } from './ranking/purchase-stats.js';
import { PurchaseStatsStore } from './ranking/purchase-stats-store.js';
import { Recommender } from './ranking/recommender.js';
import { ProductDirectory } from './repositories/product-directory.js';
import { boughtTogetherRoutes } from './routes/bought-together.js';
import { customerChangeRoutes } from './routes/customer-changes.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { vectorRoutes } from './routes/vectors.js';
import { Reindexer } from './services/reindex.js';
import { VectorSync } from './services/vector-sync.js';
import { PurchaseFeed } from './sync/purchase-feed.js';
import { VectorStoreUnavailableError } from './vector-store/errors.js';

// The launcher (scripts/stack) and @ecom/testing load a service from this one module.
export { readConfig } from './config.js';

interface BuildOptions extends BaseBuildOptions {
  /** false: a read-only replica that uses the statistics others learn, never reading the catalog's feed. */
  learnPurchases?: boolean;
}

/** What the start-up load opened besides the routes' dependencies: started at its end, closed with the app. */
interface Loaded extends Deps {
  customers: CustomerDirectory;
  listener: NotificationListener | undefined;
}

/**
 * Builds the recommendation-service app without listening: server.ts listens, tests inject. Only
 * the database is set up before; the embedder (a model may take minutes to download), the vector
 * store and what memory holds of the database load in the background once it listens (README,
 * "Start-up"): /readyz and the routes that need them answer 503 with the load's progress meanwhile.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<AppWith<Deps>> {
  const app = await createServer({
    name: 'recommendation-service',
    description:
      'Product vectors and recommendations: embeds products, stores their vectors (Milvus or embedded), ' +
      'and ranks products for a customer from their purchase history.',
    config,
    logger: options.logger,
  });
  const prisma = await registerDatabase(app, {
    serviceName: 'recommendation-service',
    schema: DB_SCHEMA,
    migrationsDir: MIGRATIONS_DIR,
    config,
    createClient: (adapter) => new PrismaClient({ adapter }),
  });
  const catalog = new CatalogClient({
    baseUrl: config.CATALOG_SERVICE_URL,
    timeoutMs: config.CATALOG_TIMEOUT_MS,
    retries: config.CATALOG_RETRIES,
  });
  const users = new UserClient({
    baseUrl: config.USER_SERVICE_URL,
    timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
  });
  let step = 'starting';
  const report = (now: string) => {
    step = now;
  };
  const loaded = loadOnStartUp(app, {
    name: 'start-up load',
    progress: () => step,
    load: async (signal) => {
      const opened = await openVectors(app, config, signal, report);
      try {
        signal.throwIfAborted();
        return await load(app, config, { prisma, catalog, users, ...opened }, options, signal, report);
      } catch (error) {
        await opened.vectorStore.close();
        await opened.embedder.close?.();
        throw error;
      }
    },
  });
  // Ready once the neighbour lists of the products held at start are built, as answers ranked
  // before (with a search) differ from the settled ones by a few thousandths (README, "Start-up").
  // Start-up work, not a dependency: /readyz's detail says how far, no check (no dependency_up).
  app.addStartUpTask({
    name: 'neighbour lists',
    progress: () =>
      `${loaded.current?.neighbours?.count ?? 0} of ${loaded.current?.productDirectory.size ?? 0} products`,
    run: async (signal) => {
      // A shutdown stops the wait; onClose stops the build.
      await Promise.race([loaded.get().neighbours?.idle(), once(signal, 'abort')]);
      signal.throwIfAborted();
    },
  });
  for (const routes of [vectorRoutes, recommendationRoutes, customerChangeRoutes, boughtTogetherRoutes]) {
    await app.register(routes, loaded);
  }
  await app.register(dashboardRoutes, {
    deps: loaded,
    sampleIntervalMs: config.DASHBOARD_SAMPLE_INTERVAL_MS,
  });
  app.addHook('onClose', async () => {
    // After the start-up load stopped (start-up.ts waits for it in preClose).
    const parts = loaded.current;
    await parts?.listener?.close();
    await parts?.feed.stop();
    await parts?.customers.stop();
    await parts?.reindexer.stop();
    await parts?.neighbours?.stop();
    await catalog.close();
    await users.close();
    await parts?.vectorStore.close();
    await parts?.embedder.close?.();
  });
  return withDeps(app, () => loaded.get());
}

/**
 * Reads into memory what the database holds (products, purchases, statistics), wires the parts
 * together and starts the background work: the purchase and customer feeds, the neighbour lists,
 * a re-index when the collection is empty or behind.
 */
async function load(
  app: App,
  config: Config,
  opened: Pick<Deps, 'embedder' | 'vectorStore' | 'catalog' | 'users'> & { prisma: PrismaClient },
  options: BuildOptions,
  signal: AbortSignal,
  report: (step: string) => void,
): Promise<Loaded> {
  const { prisma, embedder, vectorStore, catalog, users } = opened;
  report('reading the product directory');
  const directory = new ProductDirectory(prisma, embedder.id);
  await directory.refresh(); // the first refresh loads every product
  signal.throwIfAborted();
  // Purchase statistics live in the database (shared by replicas); memory holds a bounded copy.
  const statsStore = new PurchaseStatsStore(prisma, pairCountOptions(config));
  const coPurchases = new PurchaseStats();
  const vectorSync = new VectorSync(embedder, vectorStore, directory, (ids, here) => {
    for (const id of ids) coPurchases.forgetProduct(id);
    // The replica that deleted them dropped their stored statistics.
    if (!here) return;
    void statsStore
      .forgetProducts(ids)
      .catch((err) => app.log.warn({ err }, 'could not drop statistics of deleted products'));
  });
  const neighbours =
    config.RANK_CONTENT_NEIGHBOURS > 0
      ? new ContentNeighbours(vectorStore, config.RANK_CONTENT_NEIGHBOURS, () => directory.ids(), app.log)
      : undefined;
  if (neighbours) vectorSync.onVectorsChanged = (ids) => neighbours.productsChanged(ids);
  const recommender = new Recommender(
    config,
    embedder,
    vectorStore,
    directory,
    coPurchases,
    vectorSync,
    neighbours,
  );
  const reindexer = new Reindexer(prisma, catalog, vectorSync, directory, app.log);
  report('reading the copy of purchases');
  const localPurchases = new LocalPurchases(prisma);
  await localPurchases.load();
  signal.throwIfAborted();
  const learn = options.learnPurchases !== false;
  // Each feed tick takes in other replicas' product changes; the embedded store has no other replica.
  const shared = vectorStore.kind === 'milvus' ? vectorSync : undefined;
  const feed = new PurchaseFeed(
    catalog,
    statsStore,
    coPurchases,
    localPurchases,
    shared,
    config,
    learn,
    app.log,
  );
  // What is already learned (by this or another replica) serves the first request.
  report('reading the purchase statistics');
  await feed.refresh();
  signal.throwIfAborted();
  const customers = new CustomerDirectory(users, config.CUSTOMER_SYNC_INTERVAL_MS, app.log);
  customers.onDeleted = (customerIds) => localPurchases.forget(customerIds);
  // HISTORY_CACHE_TTL_MS=0 asks catalog-service on every request, as before the copy.
  const historySource = new HistorySource(
    catalog,
    users,
    customers,
    config.HISTORY_CACHE_TTL_MS > 0 ? localPurchases : undefined,
    directory,
    feed,
    Math.max(config.HISTORY_CACHE_TTL_MS, 3 * config.PURCHASE_SYNC_INTERVAL_MS),
  );
  const deps: Deps = {
    embedder,
    vectorStore,
    catalog,
    users,
    feed,
    histories: new HistoryCache(historySource, config.HISTORY_CACHE_TTL_MS, config.HISTORY_CACHE_SIZE),
    localPurchases,
    productDirectory: directory,
    coPurchases,
    neighbours,
    vectorSync,
    recommender,
    reindexer,
  };
  // A customer's purchases marked changed or made right, maybe by the replica the push reached.
  localPurchases.onMarksChanged = (customerIds) => deps.histories.invalidate(customerIds);
  // Replicas on one Postgres hear each other's writes at once (README, "Freshness"); the feed
  // tick stays the safety net. PGlite belongs to this process alone: nobody else writes to it.
  const listener = config.DATABASE_URL
    ? new NotificationListener({
        databaseUrl: config.DATABASE_URL,
        channel: CHANGES_CHANNEL,
        onNotification: (what) => feed.notified(what),
        onListening: () => feed.notified('all'),
        log: app.log,
      })
    : undefined;
  registerRecommendationMetrics(app, deps, customers, listener);

  /**
   * A new or empty collection (first start, a new embedder, Milvus lost its data): the re-index
   * fills it. One another embedder's collection was written after: it catches up on what the
   * outbox delivered there (re-embedding only what changed, removing what went).
   */
  const reindexIfNeeded = async (created: boolean) => {
    if (!config.REINDEX_ON_EMPTY) return;
    if (created || (await vectorStore.count()) === 0) {
      app.log.info(
        { collection: vectorStore.collection },
        'vector collection is empty; re-indexing from catalog-service unless its outbox is delivering',
      );
      reindexer.start('empty');
    } else if (await directory.behindAnotherEmbedder()) {
      app.log.info(
        { collection: vectorStore.collection },
        "another embedder's collection was written after this one; re-indexing to catch up on the catalog's changes",
      );
      reindexer.start('behind');
    }
  };
  report('checking whether the vector collection needs a re-index');
  // Milvus down at start, or restarted without its data: checked whenever it sets the collection up.
  vectorStore.onSetUp = (created) => {
    reindexIfNeeded(created).catch((err) =>
      app.log.warn({ err }, 'could not check whether the vector collection needs a re-index'),
    );
  };
  // A run the last process did not finish re-indexes everything: no other check needed.
  if (!(await reindexer.resumeInterrupted())) {
    await reindexIfNeeded(false).catch((err) => {
      if (!(err instanceof VectorStoreUnavailableError)) throw err;
    });
  }
  feed.start();
  listener?.start();
  customers.start();
  neighbours?.fill();
  return { ...deps, customers, listener };
}
