/** What the store keeps per product: the vector plus what a recommendation answer shows. */
export interface ProductVector {
  productId: number;
  categoryId: number;
  productTitle: string;
  categoryTitle: string;
  vector: Float32Array;
}

export interface SearchOptions {
  limit: number;
  categoryId?: number;
  /** Never return these products (e.g. everything the customer bought). Applied inside the search. */
  excludeProductIds?: number[];
}

/** `score`: inner product with the query; vectors are normalised, so this is cosine similarity. */
export type SearchHit = Omit<ProductVector, 'vector'> & { score: number };

/** A product near another one, and how near (`SearchHit` without what an answer shows). */
export type Neighbour = Pick<SearchHit, 'productId' | 'score'>;

/** Milvus (MILVUS_ADDRESS) or the embedded on-disk exact index; both pass the same test suite. */
export interface VectorStore {
  readonly kind: 'milvus' | 'embedded';
  /** Name of the collection in use: carries the embedder id and the dimension. */
  readonly collection: string;
  /** Creates the collection/index if missing and loads it. Idempotent. */
  init(): Promise<void>;
  /**
   * Milvus calls it after every set-up that succeeded: also a late one (Milvus was down at start)
   * and one that re-created a collection Milvus lost. `created`: this process created the
   * collection, so it is empty (false when another replica had just created it).
   */
  onSetUp?: (created: boolean) => void;
  /** Insert or replace by productId. */
  upsert(products: ProductVector[]): Promise<void>;
  delete(productIds: number[]): Promise<void>;
  /** Best first by inner product. */
  search(vector: Float32Array, options: SearchOptions): Promise<SearchHit[]>;
  /**
   * For each product (its id and vector), the `limit` other products nearest to it, best first:
   * `search` for many products at once (the neighbour lists), since a server answers a batch in
   * one call for about the cost of one search.
   */
  nearestOf(products: Pick<ProductVector, 'productId' | 'vector'>[], limit: number): Promise<Neighbour[][]>;
  /** Stored vectors for these ids (missing ids are absent from the answer). */
  get(productIds: number[]): Promise<ProductVector[]>;
  count(): Promise<number>;
  /** Another replica changed these products: drop what this process holds of them (a store that caches). */
  forget?(productIds: number[]): void;
  /** Cheap round trip for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
