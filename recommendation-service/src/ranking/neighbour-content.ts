import type { Ranked } from './blend.js';
import type { NeighbourList } from './content-neighbours.js';

/** A purchase that weighs in the customer's vector, with its neighbour list. */
export interface WeighedPurchase {
  productId: number;
  /** Its recency weight. */
  weight: number;
  list: NeighbourList;
}

/** Everything the content signal of a customer needs, with no vector: the purchases' lists. */
export interface CustomerContent {
  purchases: WeighedPurchase[];
  /** Length of the recency-weighted sum of the purchases' vectors: scores become cosines. */
  norm: number;
}

/**
 * The customer's vector's length, from the purchases' scores with each other (the arithmetic:
 * docs/scaling.md, "The first request", item 4). A list's floor stands in for a score it does not
 * hold, so the length is an estimate from above: as good as the exact search on the Amazon data
 * (docs/benchmarks.md, "Goal 2, fourth look").
 */
export function customerContent(purchases: WeighedPurchase[]): CustomerContent {
  let squared = 0;
  for (const a of purchases) {
    for (const b of purchases) squared += a.weight * b.weight * similarity(a, b);
  }
  return { purchases, norm: Math.sqrt(Math.max(squared, 0)) };
}

function similarity(a: WeighedPurchase, b: WeighedPurchase): number {
  if (a.productId === b.productId) return 1; // unit vectors
  return scoreOn(a.list, b.productId) ?? scoreOn(b.list, a.productId) ?? Math.min(a.list.floor, b.list.floor);
}

function scoreOn(list: NeighbourList, productId: number): number | undefined {
  const at = list.ids.indexOf(productId);
  return at >= 0 ? list.scores[at] : undefined;
}

/** Cosine with the customer's vector of every product on a purchase's list (and the purchases), best first. */
export function contentScores(
  content: CustomerContent,
  excluded: ReadonlySet<number>,
): { productId: number; score: number }[] {
  const { purchases, norm } = content;
  // Every product starts at every floor; each list it is on lifts it from that list's floor.
  const atFloors = unlistedSum(purchases);
  const sums = new Map<number, number>();
  const lift = (productId: number, by: number) => {
    sums.set(productId, (sums.get(productId) ?? atFloors) + by);
  };
  for (const { productId, weight, list } of purchases) {
    for (let i = 0; i < list.ids.length; i++) lift(list.ids[i]!, weight * (list.scores[i]! - list.floor));
    // A purchase is not on its own list.
    lift(productId, weight * (1 - list.floor));
  }
  const scored: { productId: number; score: number }[] = [];
  for (const [productId, sum] of sums) {
    if (!excluded.has(productId)) scored.push({ productId, score: norm > 0 ? sum / norm : 0 });
  }
  return scored.sort((a, b) => b.score - a.score || a.productId - b.productId);
}

/** The score of a product on no purchase's list: every floor stands in for it. */
export function unlistedScore(content: CustomerContent): number {
  return content.norm > 0 ? unlistedSum(content.purchases) / content.norm : 0;
}

function unlistedSum(purchases: readonly WeighedPurchase[]): number {
  let sum = 0;
  for (const { weight, list } of purchases) sum += weight * list.floor;
  return sum;
}

/**
 * Names, for each open "similar to" item, the recent purchase whose list scores it highest;
 * returns the items no recent purchase's list holds (their vectors are compared instead).
 */
export function nameFromLists(content: CustomerContent, recent: readonly number[], open: Ranked[]): Ranked[] {
  const listOf = new Map(content.purchases.map((p) => [p.productId, p.list]));
  return open.filter((item) => {
    let best = -Infinity;
    for (const purchase of recent) {
      if (purchase === item.productId) continue; // bought itself: another purchase, or none, is named
      const list = listOf.get(purchase);
      const score = list && scoreOn(list, item.productId);
      if (score !== undefined && score > best) {
        best = score;
        item.reason = { kind: 'similar_to', product_id: purchase };
      }
    }
    return best === -Infinity;
  });
}
