import type { App } from '@ecom/service-kit';
import { LRUCache } from 'lru-cache';
import type { Deps } from '../deps.js';
import type { DatasetImporter } from '../import/dataset-import.js';
import { catalogCounts } from '../repositories/catalog-stats.js';

/**
 * catalog-service's own gauges on /metrics, all read at scrape time (nothing on the request
 * path): table sizes, the outbox backlog (how far product vectors are behind the catalog) and
 * the dataset import's progress.
 */
export function registerCatalogMetrics(
  app: App,
  { prisma, outbox, dispatcher }: Deps,
  datasetImport: DatasetImporter,
): void {
  // One query per scrape for each group, however many gauges read it.
  const counts = oncePerScrape(() => catalogCounts(prisma));
  const backlog = oncePerScrape(() => outbox.backlog());
  const { gauge } = app.metrics;

  gauge('catalog_categories', 'Categories in the catalog', async () => (await counts()).categories);
  gauge('catalog_products', 'Products in the catalog', async () => (await counts()).products);
  gauge('catalog_purchases', 'Purchases recorded', async () => (await counts()).purchases);
  gauge(
    'catalog_purchases_last_id',
    'Highest purchase id: the head of the purchase feed that recommendation-service follows',
    async () => (await counts()).lastPurchaseId,
  );

  gauge('catalog_outbox_pending_jobs', 'Outbox jobs not yet delivered', async () => (await backlog()).rows);
  gauge(
    'catalog_outbox_pending_products',
    'Distinct products whose vector is behind the catalog',
    async () => (await backlog()).products,
  );
  gauge(
    'catalog_outbox_oldest_pending_age_seconds',
    'Age of the oldest undelivered outbox job (0 when the outbox is empty)',
    async () => (await backlog()).oldestAgeSeconds ?? 0,
  );
  gauge(
    'catalog_outbox_delivered_since_start',
    'Products delivered to recommendation-service by this instance since it started',
    () => dispatcher?.status().delivered ?? 0,
  );
  gauge(
    'catalog_outbox_consecutive_failures',
    'Failed delivery attempts in a row (0 when the last one succeeded)',
    () => dispatcher?.status().consecutiveFailures ?? 0,
  );
  gauge(
    'catalog_outbox_token_refused',
    "1 while recommendation-service refuses this instance's INTERNAL_API_TOKEN (401/403): a configuration error, docs/internal-api.md",
    () => (dispatcher?.status().failure === 'token_refused' ? 1 : 0),
  );

  gauge('catalog_dataset_import_running', 'Whether a dataset import is running (1) or not (0)', () =>
    datasetImport.progress.running ? 1 : 0,
  );
  gauge(
    'catalog_dataset_import_rows_read',
    'Rows of the dataset file read by the current or last import of this process',
    () => datasetImport.progress.read,
  );
  gauge(
    'catalog_dataset_import_rows_total',
    'Rows in the dataset file of the current or last import (NaN before any)',
    () => datasetImport.progress.total,
  );
  gauge(
    'catalog_dataset_import_purchases_imported',
    'Purchases written by the current or last import of this process',
    () => datasetImport.progress.imported,
  );
}

/**
 * Shares one read between the gauges of one scrape: lru-cache's fetch joins a read in flight and
 * keeps its answer for a second; a failed read is not kept.
 */
function oncePerScrape<T extends object>(read: () => Promise<T>): () => Promise<T> {
  const cache = new LRUCache<'read', T>({ max: 1, ttl: 1_000, fetchMethod: read });
  return async () => (await cache.fetch('read'))!;
}
