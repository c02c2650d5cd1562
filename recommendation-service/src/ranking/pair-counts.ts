/**
 * How one new purchase changes the behavioural statistics, as a pure function shared by the
 * in-memory model (tests, offline tuning) and the Postgres statistics store (the service).
 */

export interface PairCountOptions {
  /** How many of the customer's previous purchases a new one pairs with ("bought together"). */
  window: number;
  /**
   * "Bought next" reaches this many purchases back: the purchase d places before the new one
   * gains decay^(d-1). 1 = only the immediately previous purchase (first-order Markov).
   */
  nextWindow: number;
  nextDecay: number;
  /**
   * "Trending" popularity: each customer's purchases count by how recent they are in that
   * customer's history, halving every this many purchases (default 1: the newest counts 1, the
   * one before 0.5, ...).
   */
  trendHalfLife?: number | undefined;
}

export interface PairIncrements {
  /** Symmetric: [a, b, weight] means together[a][b] += weight and together[b][a] += weight. */
  together: [number, number, number][];
  /** Directed: [from, to, weight] means next[from][to] += weight. */
  next: [number, number, number][];
}

/**
 * `tail` is the customer's earlier distinct purchases, oldest first (at least `window` of
 * them when there are that many). A product already in the tail adds nothing: buying it again
 * says nothing new about what goes with what. Pairs bought close together say more than pairs
 * far apart: a pair d purchases apart counts 1/d (measured better than plain counts).
 */
export function pairIncrements(
  tail: readonly number[],
  productId: number,
  options: PairCountOptions,
): PairIncrements | null {
  if (tail.includes(productId)) return null;
  const together: [number, number, number][] = [];
  const next: [number, number, number][] = [];
  const start = Math.max(0, tail.length - options.window);
  for (let i = start; i < tail.length; i++) {
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
 * purchase in the tail moves one step back, losing 0.5^(k/h) - 0.5^((k+1)/h). Only the newest
 * ten half-lives are updated (older ones weigh < 0.1 %), so a purchase touches at most ~10 rows.
 * A repeat purchase changes nothing, as for the pairs. Returns [productId, change] pairs.
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

/** The tail to keep after a purchase: the newest `window` distinct products, oldest first. */
export function nextTail(tail: readonly number[], productId: number, window: number): number[] {
  if (tail.includes(productId)) return [...tail];
  const extended = [...tail, productId];
  return extended.length > window ? extended.slice(extended.length - window) : extended;
}
