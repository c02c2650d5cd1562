import path from 'node:path';
import type { Log } from '../log.js';
import { collectionName, type EmbedderIdentity } from './collection-name.js';
import type { VectorStoreConfig } from './config.js';
import { EmbeddedVectorStore } from './embedded/embedded-store.js';
import type { VectorStore } from './vector-store.js';

/**
 * Milvus when MILVUS_ADDRESS is set, the embedded on-disk index otherwise; the caller runs
 * `init()` and `close()`. The Milvus SDK is imported only when used: its gRPC stack costs
 * +47 MiB resident just to import (docs/benchmarks.md, "Serving cost").
 */
export async function createVectorStore(
  config: Readonly<VectorStoreConfig>,
  embedder: EmbedderIdentity,
  log: Log,
): Promise<VectorStore> {
  const collection = collectionName(config.MILVUS_COLLECTION_PREFIX, embedder);
  if (config.MILVUS_ADDRESS) {
    const { MilvusVectorStore } = await import('./milvus/milvus-store.js');
    const milvus = { ...config, MILVUS_ADDRESS: config.MILVUS_ADDRESS };
    return new MilvusVectorStore(milvus, collection, embedder.dimension, log);
  }
  const directory = embeddedDirectory(config.DATA_DIR, collection);
  return new EmbeddedVectorStore(directory, collection, embedder.dimension, log);
}

export function embeddedDirectory(dataDir: string, collection: string): string {
  return path.join(dataDir, 'recommendation-service', 'vectors', collection);
}
