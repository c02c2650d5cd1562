/**
 * Vector index choice. Vectors are L2-normalised, so inner product (IP) equals cosine
 * similarity and needs no normalisation on the server (COSINE would normalise again).
 *
 * - HNSW (default): what production Milvus should use for a catalog of products: sub-linear
 *   search with recall ~99% at these parameters, incremental builds, filters applied during the
 *   graph walk. Milvus Lite 3.x builds it too (faiss) for sealed segments and brute-forces the
 *   rows still in memory, so local runs exercise the same configuration.
 * - FLAT: exact brute force, same answers as the embedded store; fine up to ~100k products.
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
