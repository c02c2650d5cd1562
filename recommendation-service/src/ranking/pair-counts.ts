/** How one new purchase changes the statistics: shared by the offline model and the service's store. */

/** RANK_COOCCURRENCE_WINDOW, RANK_NEXT_WINDOW, RANK_NEXT_DECAY, RANK_TREND_HALF_LIFE (config.ts). */
export interface PairCountOptions {
  window: number;
  nextWindow: number;
  nextDecay: number;
  trendHalfLife?: number | undefined;
}

/**
 * `tail`: the customer's earlier distinct purchases, oldest first (the last `window` at least).
 * `together` [a, b, weight] adds to a's and b's lists; `next` [from, to, weight] to from's.
 * A repeat purchase adds nothing. A pair d purchases apart counts 1/d (measured better than
 * plain counts); "bought next" gains decay^(d-1) up to `nextWindow` back.
 */
export function pairIncrements(
  tail: readonly number[],
  productId: number,
  options: PairCountOptions,
): { together: [number, number, number][]; next: [number, number, number][] } | null {
  if (tail.includes(productId)) return null;
  const together: [number, number, number][] = [];
  const next: [number, number, number][] = [];
  for (let i = Math.max(0, tail.length - options.window); i < tail.length; i++) {
    const distance = tail.length - i;
    together.push([productId, tail[i]!, 1 / distance]);
    if (distance <= options.nextWindow) {
      const weight = options.nextDecay ** (distance - 1);
      if (weight > 0) next.push([tail[i]!, productId, weight]);
    }
  }
  return { together, next };
}

/**
 * How a new purchase changes the "trending" popularity (sum over customers of
 * 0.5^(steps back in the customer's history / half-life)): its product gains 1 and each earlier
 * purchase moves one step back, losing 0.5^(k/h) - 0.5^((k+1)/h). Only the newest ten
 * half-lives are updated (older ones weigh < 0.1 %). A repeat purchase changes nothing.
 */
export function trendIncrements(
  tail: readonly number[],
  productId: number,
  halfLife = 1,
): [number, number][] | null {
  if (tail.includes(productId)) return null;
  const changes: [number, number][] = [[productId, 1]];
  const depth = Math.min(tail.length, Math.ceil(halfLife * 10));
  for (let k = 0; k < depth; k++) {
    const loss = 0.5 ** (k / halfLife) - 0.5 ** ((k + 1) / halfLife);
    changes.push([tail[tail.length - 1 - k]!, -loss]);
  }
  return changes;
}
