import { createHash } from 'node:crypto';
import type { CustomerPurchases } from '../clients/catalog-client.js';
import type { Embedder } from '../embedders/index.js';
import type { ProductDirectory } from '../repositories/product-directory.js';
import type { VectorSync } from '../services/vector-sync.js';
import { customerText } from '../text/recipes.js';
import type { SearchHit, VectorStore } from '../vector-store/index.js';
import type { CoPurchaseModel } from './co-purchase-model.js';
import type { RankingConfig } from './config.js';
import { LruCache } from './lru-cache.js';

export type Strategy = 'hybrid' | 'original';

export interface RecommendQuery {
  limit: number;
  categoryId?: number | undefined;
  excludePurchased: boolean;
  /** `original`: the ported system's algorithm, kept as a measurable baseline. */
  strategy: Strategy;
}

export interface Recommendation {
  product_id: number;
  product: string;
  category_id: number;
  category: string;
  score: number;
}

interface CustomerState {
  /** Identifies the history and profile the state was computed from. */
  key: string;
  vector: Float32Array;
  answers: Map<string, { stamp: string; items: Recommendation[] }>;
}

/**
 * Ranks products for a customer. The default ("hybrid") blends four signals, each scaled to
 * 0..1 per request, with weights chosen on real shop data (docs/benchmarks.md):
 * content similarity to the recency-weighted mean of the purchased products' vectors,
 * "bought next" transitions from the latest purchases, "bought together" co-occurrence with
 * the history, and global popularity. Purchased products are excluded inside the vector
 * search, so `limit` items still come back. A customer without purchases is matched by
 * their profile text (the original recipe) plus popularity.
 */
export class Recommender {
  private readonly states: LruCache<string, CustomerState>;
  /** Answers served from / missing the answer cache since start (read by /metrics). */
  readonly answerCache = { hits: 0, misses: 0 };

  constructor(
    private readonly config: RankingConfig,
    private readonly embedder: Embedder,
    private readonly store: VectorStore,
    private readonly directory: ProductDirectory,
    private readonly model: CoPurchaseModel,
    private readonly sync: VectorSync,
  ) {
    this.states = new LruCache(config.RECOMMENDATION_CACHE_SIZE);
  }

  async recommend(history: CustomerPurchases, query: RecommendQuery): Promise<Recommendation[]> {
    const purchases = dedupeNewestFirst(history).slice(0, this.config.RANK_HISTORY_LIMIT);
    const state = await this.customerState(history, purchases, query.strategy);
    const answerKey = `${query.strategy}|${query.limit}|${query.categoryId ?? ''}|${query.excludePurchased}`;
    // Answers stay valid while the history, the vectors and the purchase statistics are unchanged.
    const stamp = `${this.sync.version}|${this.model.lastPurchaseId}`;
    const cached = state.answers.get(answerKey);
    if (cached && cached.stamp === stamp) {
      this.answerCache.hits++;
      return cached.items;
    }
    this.answerCache.misses++;

    const purchasedIds = history.purchases.map((purchase) => purchase.product_id);
    const items =
      query.strategy === 'original'
        ? await this.rankOriginal(state.vector, purchasedIds, query)
        : await this.rankHybrid(state.vector, purchases, purchasedIds, query);
    state.answers.set(answerKey, { stamp, items });
    return items;
  }

  private async rankOriginal(
    vector: Float32Array,
    purchasedIds: number[],
    query: RecommendQuery,
  ): Promise<Recommendation[]> {
    // The original never excluded purchases; `exclude_purchased` (default true) is honoured here
    // too, so `exclude_purchased=false` is the faithful baseline.
    const hits = await this.store.search(vector, {
      limit: query.limit,
      categoryId: query.categoryId,
      excludeProductIds: query.excludePurchased ? [...new Set(purchasedIds)] : [],
    });
    return hits.map((hit) => toRecommendation(hit.productId, hit, hit.score));
  }

  private async rankHybrid(
    vector: Float32Array,
    purchases: number[],
    purchasedIds: number[],
    query: RecommendQuery,
  ): Promise<Recommendation[]> {
    const excluded = new Set(query.excludePurchased ? purchasedIds : []);
    const hits = await this.store.search(vector, {
      limit: Math.max(this.config.RANK_CONTENT_CANDIDATES, query.limit),
      categoryId: query.categoryId,
      excludeProductIds: [...excluded],
    });

    const content = minMaxScaled(hits);
    const next = this.nextItemScores(purchases);
    const together = this.togetherScores(purchases);
    const maxNext = maxValue(next);
    const maxTogether = maxValue(together);
    const maxPopularity = Math.max(1, this.model.maxPopularity);

    const candidates = new Set<number>([...content.keys(), ...next.keys(), ...together.keys()]);
    if (candidates.size < query.limit * 2) {
      for (const id of this.model.mostPopular(query.limit * 2, excluded)) candidates.add(id);
    }
    const hitById = new Map(hits.map((hit) => [hit.productId, hit]));
    const { RANK_WEIGHT_CONTENT, RANK_WEIGHT_NEXT, RANK_WEIGHT_TOGETHER, RANK_WEIGHT_POPULAR } = this.config;
    const scored: Recommendation[] = [];
    for (const productId of candidates) {
      if (excluded.has(productId)) continue;
      const known = hitById.get(productId) ?? this.directory.get(productId);
      if (!known) continue; // not (or no longer) in the catalog's vector collection
      if (query.categoryId !== undefined && known.categoryId !== query.categoryId) continue;
      const score =
        RANK_WEIGHT_CONTENT * (content.get(productId) ?? 0) +
        RANK_WEIGHT_NEXT * ((next.get(productId) ?? 0) / maxNext) +
        RANK_WEIGHT_TOGETHER * ((together.get(productId) ?? 0) / maxTogether) +
        RANK_WEIGHT_POPULAR * (this.model.popularityOf(productId) / maxPopularity);
      scored.push(toRecommendation(productId, known, score));
    }
    scored.sort((a, b) => b.score - a.score || a.product_id - b.product_id);
    return scored.slice(0, query.limit);
  }

  /** "Bought next": what customers bought right after the customer's latest purchases. */
  private nextItemScores(purchases: number[]): Map<number, number> {
    const scores = new Map<number, number>();
    const depth = Math.min(purchases.length, this.config.RANK_NEXT_ITEM_DEPTH);
    for (let position = 0; position < depth; position++) {
      const weight = this.recencyWeight(position);
      for (const [productId, count] of this.model.boughtNext(purchases[position]!)) {
        scores.set(productId, (scores.get(productId) ?? 0) + weight * count);
      }
    }
    return scores;
  }

  /** "Bought together": co-occurrence with the history, recent purchases weighing more. */
  private togetherScores(purchases: number[]): Map<number, number> {
    const scores = new Map<number, number>();
    // Beyond ~10 half-lives a purchase weighs < 0.1%: skip it instead of scanning its partners.
    const depth = Math.min(purchases.length, Math.ceil(this.config.RANK_RECENCY_HALF_LIFE * 10));
    for (let position = 0; position < depth; position++) {
      const weight = this.recencyWeight(position);
      for (const [productId, count] of this.model.coPurchased(purchases[position]!)) {
        scores.set(productId, (scores.get(productId) ?? 0) + weight * count);
      }
    }
    return scores;
  }

  private recencyWeight(position: number): number {
    return 0.5 ** (position / this.config.RANK_RECENCY_HALF_LIFE);
  }

  /** The customer's vector, recomputed only when the history, profile or vectors changed. */
  private async customerState(
    history: CustomerPurchases,
    purchases: number[],
    strategy: Strategy,
  ): Promise<CustomerState> {
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          strategy,
          history.age,
          history.gender,
          history.location,
          history.preference,
          purchases,
        ]),
      )
      .update(String(this.sync.version))
      .digest('hex');
    const cacheKey = `${strategy}:${history.id}`;
    const cached = this.states.get(cacheKey);
    if (cached && cached.key === key) return cached;
    const vector =
      strategy === 'original'
        ? await this.originalVector(history)
        : await this.historyVector(history, purchases);
    const state: CustomerState = { key, vector, answers: new Map() };
    this.states.set(cacheKey, state);
    return state;
  }

  /** Recency-weighted mean of the purchased products' own vectors; the profile text without purchases. */
  private async historyVector(history: CustomerPurchases, purchases: number[]): Promise<Float32Array> {
    const stored = new Map(
      (await this.store.get(purchases)).map((product) => [product.productId, product.vector]),
    );
    const mean = new Float32Array(this.embedder.dimension);
    let used = 0;
    purchases.forEach((productId, position) => {
      const vector = stored.get(productId);
      if (!vector) return;
      const weight = this.recencyWeight(position);
      for (let i = 0; i < mean.length; i++) mean[i]! += weight * vector[i]!;
      used++;
    });
    if (used === 0) return this.originalVector({ ...history, purchases: [] });
    return normalised(mean);
  }

  /** The original system's customer text, embedded as one string. */
  private async originalVector(history: CustomerPurchases): Promise<Float32Array> {
    const text = customerText(
      history,
      history.purchases.map((purchase) => ({
        productId: purchase.product_id,
        productTitle: purchase.product_title,
        categoryId: purchase.category_id,
        categoryTitle: purchase.category_title,
        tags: purchase.product_tags,
      })),
    );
    const [vector] = await this.embedder.embed([text]);
    return vector!;
  }
}

/** Product ids newest first, each once (history arrives newest first). */
function dedupeNewestFirst(history: CustomerPurchases): number[] {
  return [...new Set(history.purchases.map((purchase) => purchase.product_id))];
}

function minMaxScaled(hits: SearchHit[]): Map<number, number> {
  const scores = new Map<number, number>();
  if (hits.length === 0) return scores;
  const max = hits[0]!.score;
  const min = hits[hits.length - 1]!.score;
  const range = max - min;
  for (const hit of hits) scores.set(hit.productId, range > 0 ? (hit.score - min) / range : 1);
  return scores;
}

function maxValue(scores: Map<number, number>): number {
  let max = 0;
  for (const value of scores.values()) if (value > max) max = value;
  return max > 0 ? max : 1;
}

function normalised(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

function toRecommendation(
  productId: number,
  product: { categoryId: number; productTitle: string; categoryTitle: string },
  score: number,
): Recommendation {
  return {
    product_id: productId,
    product: product.productTitle,
    category_id: product.categoryId,
    category: product.categoryTitle,
    score: Math.round(score * 1e6) / 1e6,
  };
}
