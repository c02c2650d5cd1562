/**
 * Vector index choice. Vectors are L2-normalised, so inner product (IP) equals cosine
 * similarity and needs no normalisation on the server (COSINE would normalise again).
 *
 * - HNSW (default on Milvus standalone/cluster): sub-linear search with high recall at these
 *   parameters, incremental builds, filters applied during the graph walk. Milvus Lite 3.x
 *   builds it too (faiss) for flushed segments.
 * - FLAT (default on Milvus Lite): exact brute force, the same answers as the embedded store;
 *   on Lite's flushed segments it is one numpy product, a few ms for 20k x 384.
 * - AUTOINDEX: lets the server pick (HNSW on Milvus Lite with faiss; server-specific elsewhere).
 * - IVF_FLAT: lower memory than HNSW for very large catalogs; needs data to train on.
 */
export const INDEX_TYPES = ['HNSW', 'FLAT', 'AUTOINDEX', 'IVF_FLAT'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];

// HNSW: Milvus's documented middle ground, M 16 links per node, efConstruction 200.
const INDEX_PARAMS: Record<IndexType, Record<string, number>> = {
  HNSW: { M: 16, efConstruction: 200 },
  FLAT: {},
  AUTOINDEX: {},
  IVF_FLAT: { nlist: 128 },
};

export const indexParams = (type: IndexType) => INDEX_PARAMS[type];

export function searchParams(type: IndexType, limit: number, ef: number): Record<string, number> {
  // Milvus rejects ef < limit.
  if (type === 'HNSW') return { ef: Math.max(ef, limit) };
  return type === 'IVF_FLAT' ? { nprobe: 16 } : {};
}
