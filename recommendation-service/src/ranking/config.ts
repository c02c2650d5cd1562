import { z } from 'zod';
import type { BlendParams } from './blend.js';
import type { PairCountOptions } from './pair-counts.js';

const weight = z.coerce.number().min(0).max(100);
const shrinkage = z.coerce.number().min(0).max(10_000);

/**
 * Every ranking constant, chosen on the Amazon Industrial & Scientific validation split
 * (docs/benchmarks.md, "Ranking"), the same for the demo data and real data. Each can be
 * overridden for experiments; .env.example documents them.
 */
export const rankingConfigShape = {
  // The signals' weights (blend.ts).
  RANK_WEIGHT_CONTENT: weight.default(1),
  RANK_WEIGHT_PROFILE: weight.default(0.2),
  RANK_WEIGHT_NEXT: weight.default(1),
  RANK_WEIGHT_TOGETHER: weight.default(0.6),
  RANK_WEIGHT_POPULAR: weight.default(0.1),
  // k in e / (e + k): the evidence worth half the signal.
  RANK_TOGETHER_SHRINKAGE: shrinkage.default(4),
  RANK_NEXT_SHRINKAGE: shrinkage.default(4),
  RANK_POPULAR_SHRINKAGE: shrinkage.default(50),
  /** Recency half-life, in purchases: the newest counts 1, the one before 0.5, ... */
  RANK_RECENCY_HALF_LIFE: z.coerce.number().positive().max(1000).default(1),
  /** How many recent purchases feed the "bought next" signal. */
  RANK_NEXT_ITEM_DEPTH: z.coerce.number().int().min(1).max(100).default(5),
  /** Nearest neighbours fetched from the vector store per request. */
  RANK_CONTENT_CANDIDATES: z.coerce.number().int().min(10).max(2000).default(200),
  /**
   * Nearest products kept per product (found once in the vector store): a new customer state sums
   * its purchases' lists instead of searching the store. 0: search the store for each new state.
   */
  RANK_CONTENT_NEIGHBOURS: z.coerce.number().int().min(0).max(2000).default(100),
  /** Popular products join the candidates when fewer than limit × this came from the other signals. */
  RANK_POPULAR_FILL: z.coerce.number().int().min(0).max(100).default(2),
  /** Latest purchases a "similar to" reason may name (the recency weights make older ones negligible). */
  RANK_REASON_HISTORY: z.coerce.number().int().min(1).max(100).default(10),
  /** Most recent purchases considered at all (bounds work for very long histories). */
  RANK_HISTORY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Earlier purchases of a customer a new one counts as "bought together" with (applied as learned). */
  RANK_COOCCURRENCE_WINDOW: z.coerce.number().int().min(1).max(1000).default(50),
  /** "Bought next" reaches this many purchases back (1 = only the previous purchase)... */
  RANK_NEXT_WINDOW: z.coerce.number().int().min(1).max(100).default(5),
  /** ...each step back counting this much less (weight decay^(distance - 1)). */
  RANK_NEXT_DECAY: z.coerce.number().min(0).max(1).default(0.7),
  /** Popularity ("trending") counts each purchase halving every this many later ones of its customer. */
  RANK_TREND_HALF_LIFE: z.coerce.number().positive().max(100).default(1),
  /** Strongest partners kept in memory per product and statistic: bounds memory by the catalog. */
  RANK_PARTNERS: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * Purchases per page of the feed; a page is learned in transactions of about 200 ms each, at most
   * this many purchases (short: PGlite is one session; sync/purchase-feed.ts, LEARN_TRANSACTION_MS).
   */
  PURCHASE_FEED_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** Customers whose prepared state (vector, last answers) is kept in memory. */
  RECOMMENDATION_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
  /**
   * How long a cached answer is still served after other customers' purchases moved the shared
   * statistics (bought together, bought next, popularity); the customer's own purchases and product
   * changes always show at once (README, "Freshness"). 0: every purchase learned makes every answer stale.
   */
  RECOMMENDATION_CACHE_STATS_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
};

const rankingConfigSchema = z.object(rankingConfigShape);
export type RankingConfig = z.infer<typeof rankingConfigSchema>;

export function blendParams(config: RankingConfig): BlendParams {
  return {
    weights: {
      content: config.RANK_WEIGHT_CONTENT,
      profile: config.RANK_WEIGHT_PROFILE,
      together: config.RANK_WEIGHT_TOGETHER,
      next: config.RANK_WEIGHT_NEXT,
      popular: config.RANK_WEIGHT_POPULAR,
    },
    togetherShrinkage: config.RANK_TOGETHER_SHRINKAGE,
    nextShrinkage: config.RANK_NEXT_SHRINKAGE,
    popularShrinkage: config.RANK_POPULAR_SHRINKAGE,
  };
}

export function pairCountOptions(config: RankingConfig): PairCountOptions {
  return {
    window: config.RANK_COOCCURRENCE_WINDOW,
    nextWindow: config.RANK_NEXT_WINDOW,
    nextDecay: config.RANK_NEXT_DECAY,
    trendHalfLife: config.RANK_TREND_HALF_LIFE,
  };
}
