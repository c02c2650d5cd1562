import { z } from 'zod';

const weight = z.coerce.number().min(0).max(100);

/**
 * Ranking parameters, chosen on the Amazon Industrial & Scientific validation split
 * (docs/benchmarks.md). Each can be overridden for experiments.
 */
export const rankingConfigShape = {
  /** Weight of content similarity to the recency-weighted mean of purchased products' vectors. */
  RANK_WEIGHT_CONTENT: weight.default(1),
  /** Weight of "bought next" transitions from the most recent purchases. */
  RANK_WEIGHT_NEXT: weight.default(0.6),
  /** Weight of "bought together" co-occurrence with the purchase history. */
  RANK_WEIGHT_TOGETHER: weight.default(0.4),
  /** Weight of global popularity. */
  RANK_WEIGHT_POPULAR: weight.default(0.1),
  /** Recency half-life, in purchases: the newest counts 1, the one before 0.5, ... */
  RANK_RECENCY_HALF_LIFE: z.coerce.number().positive().max(1000).default(1),
  /** How many recent purchases feed the "bought next" signal. */
  RANK_NEXT_ITEM_DEPTH: z.coerce.number().int().min(1).max(100).default(5),
  /** Nearest neighbours fetched from the vector store per request. */
  RANK_CONTENT_CANDIDATES: z.coerce.number().int().min(10).max(2000).default(200),
  /** Most recent purchases considered at all (bounds work for very long histories). */
  RANK_HISTORY_LIMIT: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Customers whose prepared state (vector, last answers) is kept in memory. */
  RECOMMENDATION_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
};

export interface RankingConfig {
  RANK_WEIGHT_CONTENT: number;
  RANK_WEIGHT_NEXT: number;
  RANK_WEIGHT_TOGETHER: number;
  RANK_WEIGHT_POPULAR: number;
  RANK_RECENCY_HALF_LIFE: number;
  RANK_NEXT_ITEM_DEPTH: number;
  RANK_CONTENT_CANDIDATES: number;
  RANK_HISTORY_LIMIT: number;
  RECOMMENDATION_CACHE_SIZE: number;
}
