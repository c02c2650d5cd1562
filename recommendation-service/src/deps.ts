import type { LoadedOnStartUp } from '@ecom/service-kit';
import type { CatalogClient } from './clients/catalog-client.js';
import type { UserClient } from './clients/user-client.js';
import type { Embedder } from './embedders/embedder.js';
import type { HistoryCache } from './history/history-cache.js';
import type { LocalPurchases } from './history/local-purchases.js';
import type { ContentNeighbours } from './ranking/content-neighbours.js';
import type { PurchaseStats } from './ranking/purchase-stats.js';
import type { Recommender } from './ranking/recommender.js';
import type { ProductDirectory } from './repositories/product-directory.js';
import type { Reindexer } from './services/reindex.js';
import type { VectorSync } from './services/vector-sync.js';
import type { PurchaseFeed } from './sync/purchase-feed.js';
import type { VectorStore } from './vector-store/vector-store.js';

/** What recommendation-service's route plugins are given (their options), built once in app.ts. */
export interface Deps {
  embedder: Embedder;
  vectorStore: VectorStore;
  catalog: CatalogClient;
  users: UserClient;
  /** catalog-service's purchase feed into the statistics and the purchase copy. */
  feed: PurchaseFeed;
  histories: HistoryCache;
  /** The copy of every customer's purchases a first recommendation ranks from. */
  localPurchases: LocalPurchases;
  productDirectory: ProductDirectory;
  coPurchases: PurchaseStats;
  /** Absent when RANK_CONTENT_NEIGHBOURS is 0. */
  neighbours: ContentNeighbours | undefined;
  vectorSync: VectorSync;
  recommender: Recommender;
  reindexer: Reindexer;
}

/**
 * How route plugins reach their dependencies: loaded in the background after the service listens
 * (app.ts); `get()` answers them, or throws the 503 that says how far the load is.
 */
export type LoadedDeps = Pick<LoadedOnStartUp<Deps>, 'get'>;
