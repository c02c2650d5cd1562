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

export function indexParams(type: IndexType): Record<string, number> {
  switch (type) {
    case 'HNSW':
      // Milvus's documented middle ground: M 16 links per node, efConstruction 200.
      return { M: 16, efConstruction: 200 };
    case 'IVF_FLAT':
      return { nlist: 128 };
    default:
      return {};
  }
}

export function searchParams(type: IndexType, limit: number, ef: number): Record<string, number> {
  switch (type) {
    case 'HNSW':
      // Milvus rejects ef < limit.
      return { ef: Math.max(ef, limit) };
    case 'IVF_FLAT':
      return { nprobe: 16 };
    default:
      return {};
  }
}
