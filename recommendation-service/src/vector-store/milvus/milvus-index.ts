/**
 * Vector index choice; the metric is IP, which is cosine on our L2-normalised vectors.
 * - HNSW (default on Milvus standalone/cluster): sub-linear, high recall, filters applied in
 *   the graph walk; Milvus Lite builds it (faiss) for flushed segments.
 * - FLAT (default on Milvus Lite): exact, the embedded store's answers; one numpy product there.
 * - AUTOINDEX: the server picks. IVF_FLAT: less memory than HNSW, needs data to train on.
 */
export const INDEX_TYPES = ['HNSW', 'FLAT', 'AUTOINDEX', 'IVF_FLAT'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];

// HNSW: Milvus's documented middle ground, M 16 links per node, efConstruction 200.
export const INDEX_PARAMS: Record<IndexType, Record<string, number>> = {
  HNSW: { M: 16, efConstruction: 200 },
  FLAT: {},
  AUTOINDEX: {},
  IVF_FLAT: { nlist: 128 },
};

export function searchParams(type: IndexType, limit: number, ef: number): Record<string, number> {
  // Milvus rejects ef < limit.
  if (type === 'HNSW') return { ef: Math.max(ef, limit) };
  return type === 'IVF_FLAT' ? { nprobe: 16 } : {};
}
