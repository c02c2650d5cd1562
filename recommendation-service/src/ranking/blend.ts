/**
 * The ranking as a pure function: evidence per candidate + weights → ranked items, each with the
 * signal that contributed most (its reason). No I/O, clock or randomness: the same inputs give
 * the same scores across requests and restarts, and test/blend.test.ts covers every rule.
 * Each signal is mapped to [0, 1] by a fixed rule (clipped, or shrunk by e / (e + k): a signal
 * counts in proportion to its support), never scaled per request, and the score is their weighted
 * mean; the rules and why: docs/benchmarks.md, "Ranking", "Design".
 */

type SignalKind = 'content' | 'profile' | 'together' | 'next' | 'popular';

type ReasonKind = 'similar_to' | 'matches_profile' | 'bought_together' | 'bought_next' | 'popular';

export interface BlendParams {
  weights: Record<SignalKind, number>;
  /** k in e / (e + k) for each evidence: weighted co-purchases, next-purchases, purchases of the product. */
  togetherShrinkage: number;
  nextShrinkage: number;
  popularShrinkage: number;
}

/** Evidence from one behavioural signal, and the customer's purchase behind most of it. */
export interface Evidence {
  value: number;
  from?: number | undefined;
}

/** Absent signals count 0. */
export interface Candidate {
  productId: number;
  content?: number | undefined;
  /**
   * `content` is only a bound: the product is outside the nearest products found, so it is at
   * most that similar. It ranks, but names no "similar to" while another signal adds something.
   */
  contentBounded?: boolean | undefined;
  /** In [0, 1]: how much the product's category is the customer's (stated preference, history share). */
  profile?: number | undefined;
  together?: Evidence | undefined;
  next?: Evidence | undefined;
  /** Purchases of this product by all customers (the service: "trending", pair-counts.ts). */
  purchases?: number | undefined;
}

interface Reason {
  kind: ReasonKind;
  product_id?: number;
}

export interface Ranked {
  productId: number;
  score: number;
  reason: Reason;
}

interface BlendOptions {
  limit: number;
  /** Never ranked (e.g. everything the customer bought). */
  exclude?: ReadonlySet<number>;
  /** The content vector comes from the profile text, not from purchases (cold start). */
  profileOnly?: boolean;
}

/** e / (e + k): 0 without evidence, approaching 1 as evidence accumulates; k = 0 means "any evidence is full". */
export function shrink(evidence: number, k: number): number {
  if (!(evidence > 0)) return 0;
  return k > 0 ? evidence / (evidence + k) : 1;
}

/**
 * Scores every candidate, drops excluded ones and returns the best `limit`, best first.
 * Ties: more purchases of the product first, then the lower product id (deterministic).
 */
export function blend(candidates: Iterable<Candidate>, params: BlendParams, options: BlendOptions): Ranked[] {
  const { weights } = params;
  const total = weights.content + weights.profile + weights.together + weights.next + weights.popular;
  const scale = total > 0 ? 1 / total : 0;
  const scored: { candidate: Candidate; parts: Record<SignalKind, number>; score: number }[] = [];
  const seen = new Set<number>();
  for (const candidate of candidates) {
    if (options.exclude?.has(candidate.productId) || seen.has(candidate.productId)) continue;
    seen.add(candidate.productId);
    const parts: Record<SignalKind, number> = {
      content: weights.content * clamp01(candidate.content ?? 0),
      profile: weights.profile * clamp01(candidate.profile ?? 0),
      together: weights.together * shrink(candidate.together?.value ?? 0, params.togetherShrinkage),
      next: weights.next * shrink(candidate.next?.value ?? 0, params.nextShrinkage),
      popular: weights.popular * shrink(candidate.purchases ?? 0, params.popularShrinkage),
    };
    const score = (parts.content + parts.profile + parts.together + parts.next + parts.popular) * scale;
    scored.push({ candidate, parts, score: clamp01(score) });
  }
  const purchases = (item: { candidate: Candidate }) => item.candidate.purchases ?? 0;
  scored.sort(
    (a, b) =>
      b.score - a.score || purchases(b) - purchases(a) || a.candidate.productId - b.candidate.productId,
  );
  // Reasons only for what is returned: a request scores every candidate but shows `limit`.
  return scored.slice(0, options.limit).map(({ candidate, parts, score }) => ({
    productId: candidate.productId,
    score,
    reason: reasonFor(candidate, parts, options.profileOnly ?? false),
  }));
}

/**
 * The signal that added most to the score; on equal shares the behavioural one, which names a purchase.
 * With none (a category filter reaches products nobody bought), the profile or history it was searched by.
 */
function reasonFor(candidate: Candidate, parts: Record<SignalKind, number>, profileOnly: boolean): Reason {
  let best: SignalKind = 'profile';
  let bestValue = 0;
  for (const kind of ['next', 'together', 'content', 'profile', 'popular'] as const) {
    if (kind === 'content' && candidate.contentBounded) continue;
    if (parts[kind] > bestValue) [best, bestValue] = [kind, parts[kind]];
  }
  if (bestValue === 0 && parts.content > 0) best = 'content';
  if (best === 'next') return withProduct('bought_next', candidate.next?.from);
  if (best === 'together') return withProduct('bought_together', candidate.together?.from);
  // The caller names the closest purchase (recommender.ts).
  if (best === 'content' && !profileOnly) return { kind: 'similar_to' };
  return { kind: best === 'popular' ? 'popular' : 'matches_profile' };
}

function withProduct(kind: ReasonKind, productId: number | undefined): Reason {
  return productId === undefined ? { kind } : { kind, product_id: productId };
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

const REASON_TEXT: Record<ReasonKind, (name: string) => string> = {
  bought_next: (name) => `Customers who bought ${name} bought this next`,
  bought_together: (name) => `Often bought with ${name}`,
  similar_to: (name) => `Because you bought ${name}`,
  matches_profile: () => 'Matches your interests',
  popular: () => 'Popular with other customers',
};

/** The sentence a shop shows next to the item. */
export function reasonText(reason: Reason, title: string | undefined): string {
  return REASON_TEXT[reason.kind](title ?? 'something you bought');
}
