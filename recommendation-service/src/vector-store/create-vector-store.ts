import path from 'node:path';
import { collectionName, type EmbedderIdentity } from './collection-name.js';
import type { VectorStoreConfig } from './config.js';
import { EmbeddedVectorStore } from './embedded/embedded-store.js';
import type { StoreLogger } from './logger.js';
import { MilvusVectorStore } from './milvus/milvus-store.js';
import type { VectorStore } from './vector-store.js';

/**
 * Milvus when MILVUS_ADDRESS is set, the embedded on-disk index otherwise. The collection
 * name carries the embedder id and dimension. The caller runs `init()` (the plugin, so that
 * start-up logs and fails in one place) and `close()` on shutdown.
 */
export function createVectorStore(
  config: Readonly<VectorStoreConfig>,
  embedder: EmbedderIdentity,
  log: StoreLogger,
): VectorStore {
  const collection = collectionName(config.MILVUS_COLLECTION_PREFIX, embedder);
  if (config.MILVUS_ADDRESS) {
    return new MilvusVectorStore({
      address: config.MILVUS_ADDRESS,
      token: config.MILVUS_TOKEN,
      database: config.MILVUS_DATABASE,
      collection,
      dimension: embedder.dimension,
      indexType: config.MILVUS_INDEX_TYPE,
      timeoutMs: config.MILVUS_TIMEOUT_MS,
      initTimeoutMs: config.MILVUS_INIT_TIMEOUT_MS,
      batchSize: config.MILVUS_BATCH_SIZE,
      searchEf: config.MILVUS_SEARCH_EF,
      flushDelayMs: config.MILVUS_FLUSH_DELAY_MS,
      log,
    });
  }
  return new EmbeddedVectorStore({
    directory: embeddedDirectory(config.DATA_DIR, collection),
    collection,
    dimension: embedder.dimension,
    log,
  });
}

export function embeddedDirectory(dataDir: string, collection: string): string {
  return path.join(dataDir, 'recommendation-service', 'vectors', collection);
}
