import { describe, expect, it } from 'vitest';
import type { Ranked } from '../src/ranking/blend.js';
import type { NeighbourList } from '../src/ranking/content-neighbours.js';
import { contentScores, customerContent, nameFromLists } from '../src/ranking/neighbour-content.js';
import { randomProducts } from './vector-store-helpers.js';

// The content signal from the purchases' neighbour lists (no vector read): the cosine of each
// product with the customer's recency-weighted vector, exact where the lists hold the scores
// and an upper bound where they do not.
const products = randomProducts(60, 8, 3);
const vectorOf = (id: number) => products[id - 1]!.vector;
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

/** The product's `size` nearest others, as ContentNeighbours keeps them. */
function listOf(productId: number, size: number): NeighbourList {
  const nearest = products
    .filter((p) => p.productId !== productId)
    .map((p) => ({ id: p.productId, score: dot(vectorOf(productId), p.vector) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, size);
  return {
    ids: Int32Array.from(nearest, (n) => n.id),
    scores: Float32Array.from(nearest, (n) => n.score),
    floor: nearest.at(-1)!.score,
  };
}

// Newest first: product 7 and two products close to it (a customer with a taste).
const bought = [7, ...listOf(7, 2).ids];
const weights = [1, 0.5, 0.25];
const weighed = (size: number) =>
  bought.map((productId, i) => ({ productId, weight: weights[i]!, list: listOf(productId, size) }));

/** The customer's vector as the store search would use it: the normalised weighted sum. */
function exactCosines(): Map<number, number> {
  const sum = new Float32Array(8);
  bought.forEach((id, i) => {
    vectorOf(id).forEach((x, d) => {
      sum[d]! += weights[i]! * x;
    });
  });
  const norm = Math.sqrt(dot(sum, sum));
  return new Map(products.map((p) => [p.productId, dot(sum, p.vector) / norm]));
}

describe('content from neighbour lists', () => {
  it('gives every product its exact cosine with the customer when the lists hold the whole catalog', () => {
    const exact = exactCosines();
    const scores = contentScores(customerContent(weighed(59)), new Set());
    expect(scores).toHaveLength(60); // the purchases too, when not excluded
    for (const { productId, score } of scores) expect(score).toBeCloseTo(exact.get(productId)!, 5);
    // Best first.
    expect(scores.map((s) => s.score)).toEqual([...scores.map((s) => s.score)].sort((a, b) => b - a));
  });

  it('scores exactly what every list holds when the lists are short, and leaves out the excluded', () => {
    const exact = exactCosines();
    const purchases = weighed(40);
    // The purchases are on each other's lists, so the customer vector's length is exact.
    for (const a of purchases) {
      for (const b of purchases) if (a !== b) expect([...a.list.ids]).toContain(b.productId);
    }
    const scores = contentScores(customerContent(purchases), new Set(bought));
    expect(scores.length).toBeLessThan(60 - bought.length);
    const onEveryList = scores.filter(({ productId }) =>
      purchases.every((p) => p.list.ids.includes(productId)),
    );
    expect(onEveryList.length).toBeGreaterThan(5);
    for (const { productId, score } of onEveryList) expect(score).toBeCloseTo(exact.get(productId)!, 5);
    for (const { productId } of scores) expect(bought).not.toContain(productId);
  });

  it('names, for a "similar to" item, the recent purchase whose list scores it highest', () => {
    const content = customerContent(weighed(59));
    const item = (productId: number): Ranked => ({ productId, score: 0.5, reason: { kind: 'similar_to' } });
    const others = products.map((p) => p.productId).filter((id) => !bought.includes(id));
    const open = [item(others[5]!), item(others[20]!)];
    const unnamed = nameFromLists(content, bought, open);
    expect(unnamed).toEqual([]);
    for (const named of open) {
      const closest = [...bought].sort(
        (a, b) => dot(vectorOf(b), vectorOf(named.productId)) - dot(vectorOf(a), vectorOf(named.productId)),
      )[0];
      expect(named.reason).toEqual({ kind: 'similar_to', product_id: closest });
    }
    // An item no recent purchase lists is left for the vectors to name.
    expect(nameFromLists(customerContent(weighed(1)), bought, [item(55)]).map((i) => i.productId)).toEqual([
      55,
    ]);
  });
});
