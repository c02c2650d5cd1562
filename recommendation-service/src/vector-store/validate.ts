import type { ProductVector, SearchOptions } from './vector-store.js';

// Programming errors (the embedder and the routes guarantee valid input): they throw RangeError.

export function assertProducts(products: readonly ProductVector[], dimension: number): void {
  for (const product of products) {
    assertId(product.productId, 'productId');
    assertId(product.categoryId, 'categoryId');
    assertVector(product.vector, dimension);
  }
}

export function assertVector(vector: Float32Array, dimension: number): void {
  if (!(vector instanceof Float32Array) || vector.length !== dimension) {
    throw new RangeError(`vector must be a Float32Array of length ${dimension}, got ${vector?.length}`);
  }
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw new RangeError(`vector has a non-finite value at ${i}`);
  }
}

export function assertIds(ids: readonly number[]): void {
  for (const id of ids) assertId(id, 'productId');
}

/** Ids go into Milvus filter expressions as literals: only safe integers may pass. */
function assertId(id: number, what: string): void {
  if (!Number.isSafeInteger(id)) throw new RangeError(`${what} must be a safe integer, got ${id}`);
}

export function assertSearchOptions(options: SearchOptions): void {
  if (!Number.isInteger(options.limit) || options.limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${options.limit}`);
  }
  if (options.categoryId !== undefined) assertId(options.categoryId, 'categoryId');
  if (options.excludeProductIds) assertIds(options.excludeProductIds);
}
