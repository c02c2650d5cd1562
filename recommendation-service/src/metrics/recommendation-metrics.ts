import type { NotificationListener } from '@ecom/db';
import type { App } from '@ecom/service-kit';
import type { Deps } from '../deps.js';
import type { CustomerDirectory } from '../history/customer-directory.js';
import { vectorsInfo } from '../plugins/vectors.js';

/**
 * recommendation-service's own gauges on /metrics, read at scrape time: the request path only
 * bumps two plain counters of the answer cache (Recommender.answerCache). Registered once the
 * start-up load is done (app.ts); until then /metrics shows the gauges every service has.
 */
export function registerRecommendationMetrics(
  app: App,
  deps: Deps,
  customers: CustomerDirectory,
  /** Absent on PGlite: one process, no other replica to hear. */
  listener: NotificationListener | undefined,
): void {
  const { vectorStore, coPurchases, localPurchases, productDirectory, reindexer, histories, feed } = deps;
  const { gauge, labelledGauge, counter } = app.metrics;
  const secondsSince = (at: number | null) => (at === null ? null : (Date.now() - at) / 1000);
  const hitsAndMisses = (name: string, help: string, read: () => { hits: number; misses: number }) =>
    counter(name, help, ['result'], () => [
      { labels: { result: 'hit' }, value: read().hits },
      { labels: { result: 'miss' }, value: read().misses },
    ]);

  gauge('recommendation_vectors', 'Product vectors in the current collection', () => vectorStore.count());
  labelledGauge(
    'recommendation_embedder_info',
    'The embedder, model, vector store and collection in use (value always 1)',
    ['embedder', 'model', 'dimension', 'store', 'collection'],
    () => [{ labels: { ...vectorsInfo(deps), dimension: String(deps.embedder.dimension) }, value: 1 }],
  );
  gauge(
    'recommendation_content_neighbour_lists',
    'Products whose nearest products are held (built after a start, kept up to date as products change)',
    () => deps.neighbours?.count ?? 0,
  );
  gauge('recommendation_indexed_products', 'Products whose vector is stored', () => productDirectory.size);
  gauge(
    'recommendation_reindex_indexed',
    'Products embedded by the running or last re-index',
    () => reindexer.progress.indexed,
  );

  gauge(
    'recommendation_purchase_statistics_purchases',
    'Purchases in the bought-together statistics',
    () => coPurchases.size.purchases,
  );
  gauge(
    'recommendation_purchase_statistics_last_purchase_id',
    'Last purchase id applied to the statistics; compare with catalog_purchases_last_id for the lag in purchases',
    () => coPurchases.version,
  );
  gauge(
    'recommendation_purchase_feed_lag_seconds',
    "Seconds since the statistics last held every purchase of catalog-service's feed (NaN before the first catch-up)",
    () => secondsSince(feed.caughtUpAt),
  );

  if (listener) {
    gauge(
      'recommendation_replica_notifications_listening',
      "1 while this replica hears other replicas' writes at once (LISTEN); 0: it learns them at its feed tick",
      () => (listener.listening ? 1 : 0),
    );
  }

  const cache = deps.recommender.answerCache;
  hitsAndMisses(
    'recommendation_answer_cache_requests_total',
    'Recommendation answers served from the answer cache (hit) or computed (miss)',
    () => cache,
  );
  gauge('recommendation_answer_cache_hit_ratio', 'Share of answers served from the cache since start', () =>
    cache.hits + cache.misses === 0 ? null : cache.hits / (cache.hits + cache.misses),
  );

  hitsAndMisses(
    'recommendation_history_cache_requests_total',
    'Customer histories served from the history cache (hit) or fetched from catalog-service (miss)',
    () => histories.stats,
  );
  gauge('recommendation_history_cache_customers', 'Customer histories held', () => histories.stats.customers);

  // The copies a first recommendation ranks from (docs/scaling.md, "The first request").
  gauge(
    'recommendation_customer_directory_customers',
    "Customers in the copy of user-service's customer feed",
    () => customers.size,
  );
  gauge(
    'recommendation_customer_directory_lag_seconds',
    'Seconds since the customer feed was last read in full (NaN while it is failing: customers are asked of user-service)',
    () => secondsSince(customers.syncedAt),
  );
  gauge(
    'recommendation_purchase_copy_customers',
    'Customers in the copy of purchases',
    () => localPurchases.stats.customers,
  );
  gauge(
    'recommendation_purchase_copy_stale_customers',
    "Customers marked stale by catalog-service's push (their next request reads catalog-service)",
    () => localPurchases.stats.stale,
  );
  gauge(
    'recommendation_purchase_copy_lag_seconds',
    'Seconds since the copy of purchases last held every purchase of the feed (NaN before the first catch-up)',
    () => secondsSince(feed.copiedAt),
  );

  // The request path needs catalog-service; it is not a readiness check (recommendations of a
  // cached history, and vector writes, go on without it), so it is probed here.
  app.metrics.addDependencyProbe('catalog_service', () => deps.catalog.ping());
}
