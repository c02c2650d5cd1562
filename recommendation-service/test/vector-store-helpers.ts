import { seededRandom } from '@ecom/testing/random';
import type { ProductVector, SearchHit, SearchOptions } from '../src/vector-store/vector-store.js';

/** Deterministic (mulberry32), so a failing comparison can be replayed. */
export const random = seededRandom;

export function unitVector(dimension: number, next: () => number): Float32Array {
  const vector = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    const value = next() * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/** Products 1..count in `categories` categories (category = id % categories + 1). */
export function randomProducts(
  count: number,
  dimension: number,
  seed: number,
  categories = 5,
): ProductVector[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const productId = i + 1;
    const categoryId = (productId % categories) + 1;
    return {
      productId,
      categoryId,
      productTitle: `product ${productId}`,
      categoryTitle: `category ${categoryId}`,
      vector: unitVector(dimension, next),
    };
  });
}

/** The answer every store must give: exact inner product over the filtered rows, best first. */
export function bruteForce(
  products: ProductVector[],
  query: Float32Array,
  options: SearchOptions,
): SearchHit[] {
  const excluded = new Set(options.excludeProductIds ?? []);
  return products
    .filter((p) => options.categoryId === undefined || p.categoryId === options.categoryId)
    .filter((p) => !excluded.has(p.productId))
    .map((p) => {
      let score = 0;
      for (let i = 0; i < query.length; i++) score += query[i]! * p.vector[i]!;
      return {
        productId: p.productId,
        categoryId: p.categoryId,
        productTitle: p.productTitle,
        categoryTitle: p.categoryTitle,
        score,
      };
    })
    .sort((a, b) => b.score - a.score || a.productId - b.productId)
    .slice(0, options.limit);
}

/**
 * Same ranking within float32 rounding: scores agree position by position, and ids agree
 * except where two expected neighbours are closer than the tolerance (their order is a tie).
 */
export function rankingDifference(
  actual: SearchHit[],
  expected: SearchHit[],
  tolerance = 1e-5,
): string | undefined {
  if (actual.length !== expected.length) return `got ${actual.length} hits, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const got = actual[i]!;
    const want = expected[i]!;
    if (Math.abs(got.score - want.score) > tolerance) {
      return `position ${i}: score ${got.score} (id ${got.productId}), expected ${want.score} (id ${want.productId})`;
    }
    const tiedWithNeighbour =
      Math.abs((expected[i - 1]?.score ?? Number.NaN) - want.score) <= tolerance ||
      Math.abs((expected[i + 1]?.score ?? Number.NaN) - want.score) <= tolerance;
    if (got.productId !== want.productId && !tiedWithNeighbour) {
      return `position ${i}: id ${got.productId}, expected ${want.productId}`;
    }
  }
  return undefined;
}
