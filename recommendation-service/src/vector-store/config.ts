import { durationMs } from '@ecom/service-kit';
import { z } from 'zod';
import { NAME_PART } from './collection-name.js';
import { INDEX_TYPES } from './milvus/milvus-index.js';

/**
 * Vector store variables, spread into the service's config schema. With MILVUS_ADDRESS (`host:port`
 * of Milvus or Milvus Lite; MILVUS_TOKEN `user:password` or an API key) the vectors live in Milvus;
 * without it, in the embedded on-disk index under DATA_DIR.
 */
export const vectorStoreConfigShape = {
  MILVUS_ADDRESS: z.string().min(1).optional(),
  MILVUS_TOKEN: z.string().min(1).optional(),
  /** Milvus database, created on start when missing (Milvus Lite 3.x supports databases too). Unset: `default`. */
  MILVUS_DATABASE: z.string().regex(NAME_PART, 'letters, digits and underscores').optional(),
  /** Index built when the collection has none (milvus-index.ts). Unset: FLAT on Milvus Lite, else HNSW. */
  MILVUS_INDEX_TYPE: z.enum(INDEX_TYPES).optional(),
  /** HNSW search breadth (raised to the requested limit when smaller). */
  MILVUS_SEARCH_EF: z.coerce.number().int().min(1).max(32_768).default(64),
  /** First part of the collection name `<prefix>_<embedder id>_d<dimension>` (embedded folder name too). */
  MILVUS_COLLECTION_PREFIX: z
    .string()
    .regex(NAME_PART, 'letters, digits and underscores')
    .max(64)
    .default('products'),
  /** Deadline for one Milvus operation; past it the request fails with 503. */
  MILVUS_TIMEOUT_MS: durationMs(100, 600_000).default(5_000),
  /** Deadline for creating the collection/index and loading it at start-up. */
  MILVUS_INIT_TIMEOUT_MS: durationMs(1_000, 3_600_000).default(60_000),
  /** Flush this long after a write; 0 never. Unset: 1000 on Milvus Lite (slow unflushed search), 0 elsewhere. */
  MILVUS_FLUSH_DELAY_MS: durationMs(0, 3_600_000).optional(),
  MILVUS_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
};

const fragment = z.object(vectorStoreConfigShape);
export type MilvusConfig = Readonly<z.infer<typeof fragment> & { MILVUS_ADDRESS: string }>;
export type VectorStoreConfig = z.infer<typeof fragment> & {
  /** Root of the embedded data; vectors go to `<DATA_DIR>/recommendation-service/vectors/<collection>/`. */
  DATA_DIR: string;
};
