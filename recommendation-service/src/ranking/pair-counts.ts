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

/** The tail to keep after a purchase: the newest `window` distinct products, oldest first. */
export function nextTail(tail: readonly number[], productId: number, window: number): number[] {
  if (tail.includes(productId)) return [...tail];
  const extended = [...tail, productId];
  return extended.length > window ? extended.slice(extended.length - window) : extended;
}
