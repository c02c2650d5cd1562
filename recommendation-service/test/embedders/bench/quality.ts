import type { Embedder } from '../../../src/embedders/embedder.js';
import { datasetProducts } from './products.js';

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * A retrieval proxy on the dataset's products: the share of products whose nearest other
 * product (by cosine) is in the same category, and the mean precision of the top 5.
 */
export async function categoryNeighbourScore(embedder: Embedder): Promise<{ top1: number; top5: number }> {
  const products = datasetProducts();
  const vectors = await embedder.embed(products.map((p) => p.text));
  let top1 = 0;
  let top5 = 0;
  products.forEach((product, i) => {
    const ranked = products
      .map((_other, j) => ({ j, score: j === i ? -Infinity : dot(vectors[i]!, vectors[j]!) }))
      .sort((a, b) => b.score - a.score);
    if (products[ranked[0]!.j]!.category === product.category) top1++;
    top5 += ranked.slice(0, 5).filter((r) => products[r.j]!.category === product.category).length / 5;
  });
  return { top1: top1 / products.length, top5: top5 / products.length };
}
