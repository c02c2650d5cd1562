import type { Evidence } from './blend.js';
import type { PartnerList } from './purchase-stats.js';

/** Weight of the purchase at `position` (0 = newest): halves every `halfLife` purchases. */
export function recencyWeight(position: number, halfLife: number): number {
  return 0.5 ** (position / halfLife);
}

/**
 * Evidence for every partner of the newest `depth` purchases (newest first): the sum of recency
 * weight × pair weight, and the purchase that contributed most (the reason names it).
 */
export function behaviourEvidence(
  purchases: readonly number[],
  partnersOf: (productId: number) => PartnerList,
  depth: number,
  halfLife: number,
): Map<number, Evidence & { best: number }> {
  const evidence = new Map<number, Evidence & { best: number }>();
  const used = Math.min(purchases.length, depth);
  for (let position = 0; position < used; position++) {
    const from = purchases[position]!;
    const weight = recencyWeight(position, halfLife);
    const { ids, weights } = partnersOf(from);
    for (let i = 0; i < ids.length; i++) {
      const productId = ids[i]!;
      const share = weight * weights[i]!;
      const entry = evidence.get(productId);
      if (!entry) evidence.set(productId, { value: share, from, best: share });
      else {
        entry.value += share;
        if (share > entry.best) [entry.best, entry.from] = [share, from];
      }
    }
  }
  return evidence;
}

/** How many recent purchases are worth scanning: beyond ~10 half-lives a purchase weighs < 0.1 %. */
export function usefulDepth(halfLife: number, cap: number): number {
  return Math.max(1, Math.min(cap, Math.ceil(halfLife * 10)));
}

/**
 * How much a category is the customer's, in [0, 1]: half for being among the stated preferences
 * (comma-separated), half for its recency-weighted share of the purchases (newest first).
 */
export function categoryAffinity(
  preference: string,
  purchaseCategories: readonly string[],
  halfLife: number,
): (category: string) => number {
  const preferred = new Set(
    preference
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const shares = new Map<string, number>();
  let total = 0;
  purchaseCategories.forEach((category, position) => {
    const weight = recencyWeight(position, halfLife);
    const key = category.trim().toLowerCase();
    shares.set(key, (shares.get(key) ?? 0) + weight);
    total += weight;
  });
  // Asked once per candidate, about a handful of categories: each is worked out once.
  const known = new Map<string, number>();
  return (category) => {
    let affinity = known.get(category);
    if (affinity === undefined) {
      const key = category.trim().toLowerCase();
      affinity = 0.5 * (preferred.has(key) ? 1 : 0) + 0.5 * (total > 0 ? (shares.get(key) ?? 0) / total : 0);
      known.set(category, affinity);
    }
    return affinity;
  };
}
