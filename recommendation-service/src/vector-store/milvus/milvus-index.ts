// Vector index choice (trade-offs: docs/vector-stores.md, "Index and metric"); the metric is IP,
// which is cosine on our L2-normalised vectors.
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
