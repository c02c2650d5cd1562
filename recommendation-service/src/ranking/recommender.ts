import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { z } from 'zod';
import type { CustomerPurchases } from '../clients/catalog-client.js';
import type { Embedder } from '../embedders/embedder.js';
import type { ProductDirectory } from '../repositories/product-directory.js';
import type { recommendationQuery, recommendationSchema } from '../schemas/recommendations.js';
import type { VectorSync } from '../services/vector-sync.js';
import { customerText } from '../text/recipes.js';
import type { SearchHit, SearchOptions, VectorStore } from '../vector-store/vector-store.js';
import { type BlendParams, blend, type Candidate, type Ranked, reasonText } from './blend.js';
import { blendParams, type RankingConfig } from './config.js';
import type { ContentNeighbours } from './content-neighbours.js';
import {
  type CustomerContent,
  contentScores,
  customerContent,
  nameFromLists,
  unlistedScore,
  type WeighedPurchase,
} from './neighbour-content.js';
import type { PurchaseStats } from './purchase-stats.js';
import { behaviourEvidence, categoryAffinity, recencyWeight, usefulDepth } from './signals.js';
import { dot, normalised } from './vectors.js';

/** GET /recommendation/{customer_id}'s query; `original` is the ported system's algorithm. */
type RecommendQuery = z.infer<typeof recommendationQuery>;

type Recommendation = Required<z.infer<typeof recommendationSchema>>;

interface CustomerState {
  /** The history's fingerprint and the vectors' version it was made from: reused while both hold. */
  madeFrom: string;
  /** The lists' `builds` when a missing list made it search: made again once built, as any replica ranks. */
  missingListsAt?: number;
  /** Read when a search needs it (the neighbour lists rank without it). */
  vector?: Float32Array;
  /** From the profile text: no purchase has a vector. */
  profileOnly: boolean;
  /** The latest purchases with vectors, newest first: what a "similar to" reason names. */
  recent: number[];
  /** The latest purchases' neighbour lists and recency weights (absent: search the store). */
  content?: CustomerContent;
  /** The newest purchase id of the history: answers made before the statistics held it do not lag. */
  latestPurchase: number;
  /** The latest few queries' answers: a client varying limit, category or flags cannot grow it. */
  answers: LRUCache<string, Answer>;
}

interface Answer {
  items: Recommendation[];
  /** The purchase statistics' version it was ranked from, and when (performance.now(); -Infinity: during a catch-up). */
  statsVersion: number;
  madeAt: number;
}

/**
 * Answers kept per customer and strategy. A shop's pages ask a customer one or two ways (a list,
 * maybe a category); each answer is up to 100 items (~10 KB), so a state stays under ~40 KB.
 */
const ANSWERS_PER_STATE = 4;

/**
 * Ranks products for a customer: "hybrid" (the default) gathers the signals `blend` weighs
 * (blend.ts), its content candidates from the purchases' neighbour lists (content-neighbours.ts)
 * or a vector search. Purchases are excluded before the candidates are cut, so `limit` items still
 * come back; a customer without purchases is matched by their profile text (the original recipe).
 */
export class Recommender {
  /** Absent when RECOMMENDATION_CACHE_SIZE is 0 (lru-cache needs max >= 1). */
  private readonly states: LRUCache<string, CustomerState> | undefined;
  private readonly params: BlendParams;
  /** Read by /metrics. */
  readonly answerCache = { hits: 0, misses: 0 };
  /** By identity: a held history is hashed once (a loaded one never changes; a reload is a new object). */
  private readonly fingerprints = new WeakMap<CustomerPurchases, string>();

  constructor(
    private readonly config: RankingConfig,
    private readonly embedder: Embedder,
    private readonly store: VectorStore,
    private readonly directory: ProductDirectory,
    private readonly stats: PurchaseStats,
    private readonly sync: VectorSync,
    /** Absent (RANK_CONTENT_NEIGHBOURS=0): each new customer state searches the store. */
    private readonly neighbours?: ContentNeighbours,
  ) {
    this.states =
      config.RECOMMENDATION_CACHE_SIZE > 0
        ? new LRUCache({ max: config.RECOMMENDATION_CACHE_SIZE })
        : undefined;
    this.params = blendParams(config);
  }

  async recommend(history: CustomerPurchases, query: RecommendQuery): Promise<Recommendation[]> {
    // Product ids newest first, each once (history arrives newest first).
    const purchased = new Set(history.purchases.map((p) => p.product_id));
    const purchases = [...purchased].slice(0, this.config.RANK_HISTORY_LIMIT);
    const state = await this.customerState(history, purchases, query.strategy);
    const answerKey = `${query.strategy}|${query.limit}|${query.category_id ?? ''}|${query.exclude_purchased}`;
    // Answers live in the state, made again when the history or the vectors change.
    const cached = state.answers.get(answerKey);
    if (cached && this.statsCurrent(cached, state)) {
      this.answerCache.hits++;
      return cached.items;
    }
    this.answerCache.misses++;
    // Ranked while the statistics catch up on many purchases: ranked again once they moved.
    const made = {
      statsVersion: this.stats.version,
      madeAt: this.stats.catchingUp ? -Infinity : performance.now(),
    };

    const items =
      query.strategy === 'original'
        ? await this.rankOriginal(state.vector!, purchased, query)
        : await this.rankHybrid(history, state, purchases, purchased, query);
    state.answers.set(answerKey, { ...made, items });
    return items;
  }

  /**
   * Whether an answer may still be served as the purchase statistics move. Other customers'
   * purchases move them a little at a time and touch most answers (each changes the popularity of
   * several products, and an answer weighs 200+ candidates), so an answer may lag them by
   * RECOMMENDATION_CACHE_STATS_LAG_MS rather than be ranked again at each one (README, "Answer cache").
   * An answer made before the statistics held the customer's own latest purchase does not lag.
   */
  private statsCurrent(answer: Answer, state: CustomerState): boolean {
    if (answer.statsVersion === this.stats.version) return true;
    return (
      answer.statsVersion >= state.latestPurchase &&
      performance.now() - answer.madeAt < this.config.RECOMMENDATION_CACHE_STATS_LAG_MS
    );
  }

  private async rankOriginal(
    vector: Float32Array,
    purchased: ReadonlySet<number>,
    query: RecommendQuery,
  ): Promise<Recommendation[]> {
    // The original never excluded purchases: `exclude_purchased=false` is the faithful baseline.
    const hits = await this.search(vector, {
      limit: query.limit,
      categoryId: query.category_id,
      excludeProductIds: query.exclude_purchased ? [...purchased] : [],
    });
    const kind = 'matches_profile' as const;
    const reason = { kind, text: reasonText({ kind }, undefined) };
    return hits.map((hit) => ({ ...toRecommendation(hit.productId, hit, hit.score), reason }));
  }

  private async rankHybrid(
    history: CustomerPurchases,
    state: CustomerState,
    purchases: number[],
    purchased: ReadonlySet<number>,
    query: RecommendQuery,
  ): Promise<Recommendation[]> {
    const { config } = this;
    const excluded = query.exclude_purchased ? purchased : new Set<number>();
    const limit = Math.max(config.RANK_CONTENT_CANDIDATES, query.limit);
    // A category filter may leave few of the neighbours: the store searches that category.
    const lists = query.category_id === undefined ? state.content : undefined;
    const hits = lists
      ? this.neighbourHits(lists, excluded, limit)
      : await this.search(await this.vectorOf(state, history, purchases), {
          limit,
          categoryId: query.category_id,
          excludeProductIds: [...excluded],
        });
    const halfLife = config.RANK_RECENCY_HALF_LIFE;
    const evidence = (kind: 'together' | 'next', depth: number) =>
      behaviourEvidence(purchases, (id) => this.stats.partners(kind, id), depth, halfLife);
    const together = evidence('together', usefulDepth(halfLife, config.RANK_HISTORY_LIMIT));
    const next = evidence('next', config.RANK_NEXT_ITEM_DEPTH);
    // Titles and categories as the customer saw them (still there if the product was since deleted).
    const bought = new Map(history.purchases.map((p) => [p.product_id, p]));
    const affinity = categoryAffinity(
      history.preference,
      purchases.map((id) => bought.get(id)?.category_title ?? ''),
      halfLife,
    );
    const hitById = new Map(hits.map((hit) => [hit.productId, hit]));
    // A product outside the nearest neighbours fetched is at most as similar as the last of them;
    // with fewer, outside the purchases' lists: what the lists' floors give it.
    const contentFloor =
      hits.length >= config.RANK_CONTENT_CANDIDATES
        ? hits[hits.length - 1]!.score
        : lists
          ? unlistedScore(lists)
          : 0;
    // add loops, not a spread: no temporary array of every candidate id per new answer.
    const ids = new Set(hitById.keys());
    for (const id of together.keys()) ids.add(id);
    for (const id of next.keys()) ids.add(id);
    const fill = query.limit * config.RANK_POPULAR_FILL;
    if (ids.size < fill) {
      for (const id of this.stats.mostPopular(fill + excluded.size, excluded)) ids.add(id);
    }
    const candidates: Candidate[] = [];
    for (const productId of ids) {
      const hit = hitById.get(productId);
      const known = hit ?? this.directory.get(productId);
      if (!known) continue; // not (or no longer) in the catalog's vector collection
      if (query.category_id !== undefined && known.categoryId !== query.category_id) continue;
      candidates.push({
        productId,
        content: hit?.score ?? contentFloor,
        contentBounded: !hit,
        profile: affinity(known.categoryTitle),
        together: together.get(productId),
        next: next.get(productId),
        purchases: this.stats.trendingOf(productId),
      });
    }
    const ranked = blend(candidates, this.params, {
      limit: query.limit,
      exclude: excluded,
      profileOnly: state.profileOnly,
    });
    await this.nameSimilarPurchases(state, ranked);
    return ranked.map((item) => {
      const known = (hitById.get(item.productId) ?? this.directory.get(item.productId))!;
      // The purchase's current title (renamed since?), else as the customer saw it (deleted since).
      const reasonId = item.reason.product_id;
      const reasonTitle =
        reasonId !== undefined
          ? (this.directory.get(reasonId)?.productTitle ?? bought.get(reasonId)?.product_title)
          : undefined;
      return {
        ...toRecommendation(item.productId, known, item.score),
        reason: { ...item.reason, text: reasonText(item.reason, reasonTitle) },
      };
    });
  }

  /**
   * "Similar to": the recent purchase whose vector is closest to the item's (one vector read, top
   * items only), never the item itself (bought, and recommended with exclude_purchased=false).
   */
  private async nameSimilarPurchases(state: CustomerState, ranked: Ranked[]): Promise<void> {
    const open = ranked.filter((item) => item.reason.kind === 'similar_to');
    if (open.length === 0 || state.recent.length === 0) return;
    const unnamed = state.content ? nameFromLists(state.content, state.recent, open) : open;
    if (unnamed.length === 0) return;
    // A few vectors read, not kept per customer.
    const ids = [...new Set([...unnamed.map((item) => item.productId), ...state.recent])];
    const vectors = new Map((await this.store.get(ids)).map((p) => [p.productId, p.vector]));
    for (const item of unnamed) {
      const vector = vectors.get(item.productId);
      if (!vector) continue;
      let best = -Infinity;
      for (const purchase of state.recent) {
        if (purchase === item.productId) continue;
        const other = vectors.get(purchase);
        if (!other) continue;
        const similarity = dot(vector, other);
        if (similarity > best) {
          best = similarity;
          item.reason = { kind: 'similar_to', product_id: purchase };
        }
      }
      // Bought itself and no other recent purchase to name: close to the history as a whole, not
      // "Because you bought something you bought".
      if (best === -Infinity && state.recent.includes(item.productId))
        item.reason = { kind: 'matches_profile' };
    }
  }

  /** Made again only when the history, the vectors or (a state made without them) the lists changed. */
  private async customerState(
    history: CustomerPurchases,
    purchases: number[],
    strategy: RecommendQuery['strategy'],
  ): Promise<CustomerState> {
    const madeFrom = `${this.fingerprint(history)}|${this.vectorsVersion()}`;
    const cacheKey = `${strategy}:${history.id}`;
    const cached = this.states?.get(cacheKey);
    if (cached && cached.madeFrom === madeFrom && !this.listsArrived(cached, purchases)) return cached;
    let latestPurchase = 0;
    for (const item of history.purchases) latestPurchase = Math.max(latestPurchase, item.purchase_id);
    const state: CustomerState = {
      madeFrom,
      latestPurchase,
      ...(strategy === 'original'
        ? { vector: await this.originalVector(history), profileOnly: true, recent: [] }
        : await this.historyState(history, purchases)),
      answers: new LRUCache({ max: ANSWERS_PER_STATE }),
    };
    this.states?.set(cacheKey, state);
    return state;
  }

  /**
   * The whole history, hashed once per loaded copy: every purchase (not only the latest
   * RANK_HISTORY_LIMIT: exclusion and the original text read them all) with the titles and
   * categories it was loaded with, and the profile. A history loaded again with the same content
   * keeps the state; one loaded after a rename, a move or a deleted purchase does not. Fields in
   * a fixed order and no tags: the same history read from catalog-service and from the local copy
   * (which has no tags) keeps one state. A changed tag writes the product's vector again, which
   * makes the state again anyway.
   */
  private fingerprint(history: CustomerPurchases): string {
    let fingerprint = this.fingerprints.get(history);
    if (fingerprint === undefined) {
      const { id, title, age, gender, location, preference } = history;
      const items = history.purchases.map((item) => [
        item.purchase_id,
        item.product_id,
        item.product_title,
        item.category_id,
        item.category_title,
      ]);
      const content = JSON.stringify([id, title, age, gender, location, preference, items]);
      fingerprint = createHash('sha256').update(content).digest('base64');
      this.fingerprints.set(history, fingerprint);
    }
    return fingerprint;
  }

  /**
   * Whether a state made while some of its purchases' lists were missing can now have them all.
   * Looked at only after the lists' worker built some (`builds` moved), so once per build pass.
   */
  private listsArrived(state: CustomerState, purchases: number[]): boolean {
    if (state.missingListsAt === undefined || state.missingListsAt === this.neighbours!.builds) return false;
    if (this.listedPurchases(purchases)) return true;
    state.missingListsAt = this.neighbours!.builds;
    return false;
  }

  /**
   * With neighbour lists, the lists of the latest purchases (no vector read); else, or while one
   * is not built, or when no purchase has a vector, the customer's vector.
   */
  private async historyState(
    history: CustomerPurchases,
    purchases: number[],
  ): Promise<Pick<CustomerState, 'vector' | 'profileOnly' | 'recent' | 'content' | 'missingListsAt'>> {
    const listed = this.neighbours && this.listedPurchases(purchases);
    if (!listed) {
      return { ...(await this.historyVector(history, purchases)), missingListsAt: this.neighbours?.builds };
    }
    const content = customerContent(listed);
    // Purchases with vectors are those in the directory (written after their vectors).
    const recent = purchases
      .filter((productId) => this.directory.get(productId))
      .slice(0, this.config.RANK_REASON_HISTORY);
    return { profileOnly: false, recent, content };
  }

  /** The latest purchases with their neighbour lists, weighted as in the customer's vector (the weights fade). */
  private listedPurchases(purchases: number[]): WeighedPurchase[] | undefined {
    const halfLife = this.config.RANK_RECENCY_HALF_LIFE;
    const weighed = purchases
      .slice(0, usefulDepth(halfLife, this.config.RANK_HISTORY_LIMIT))
      .map((productId, position) => ({ productId, weight: recencyWeight(position, halfLife) }))
      .filter(({ productId }) => this.directory.get(productId));
    if (weighed.length === 0) return undefined;
    const lists = this.neighbours!.held(weighed.map((p) => p.productId));
    // A list not built yet (after a start or a change): one search as before, not one per purchase.
    if (lists.size < weighed.length) return undefined;
    return weighed.map((p) => ({ ...p, list: lists.get(p.productId)! }));
  }

  /** The customer's vector, read for a search the lists cannot answer (a category filter). */
  private async vectorOf(state: CustomerState, history: CustomerPurchases, purchases: number[]) {
    state.vector ??= (await this.historyVector(history, purchases)).vector!;
    return state.vector;
  }

  /** Recency-weighted mean of the purchased products' vectors; the profile text without any. */
  private async historyVector(
    history: CustomerPurchases,
    purchases: number[],
  ): Promise<Pick<CustomerState, 'vector' | 'profileOnly' | 'recent'>> {
    const stored = new Map(
      (await this.store.get(purchases)).map((product) => [product.productId, product.vector]),
    );
    const mean = new Float32Array(this.embedder.dimension);
    const recent: CustomerState['recent'] = [];
    purchases.forEach((productId, position) => {
      const vector = stored.get(productId);
      if (!vector) return;
      const weight = recencyWeight(position, this.config.RANK_RECENCY_HALF_LIFE);
      for (let i = 0; i < mean.length; i++) mean[i]! += weight * vector[i]!;
      if (recent.length < this.config.RANK_REASON_HISTORY) recent.push(productId);
    });
    if (recent.length === 0) {
      return { vector: await this.originalVector({ ...history, purchases: [] }), profileOnly: true, recent };
    }
    return { vector: normalised(mean), profileOnly: false, recent };
  }

  /**
   * The store's nearest products that the directory lists: Milvus Lite answers a deleted row again
   * while a flush runs (docs/vector-stores.md), and the answer made from it would be held. Every
   * route that answers search hits reads them here (`/similar` too).
   */
  async search(vector: Float32Array, options: SearchOptions): Promise<SearchHit[]> {
    return (await this.store.search(vector, options)).filter((hit) => this.directory.get(hit.productId));
  }

  /** The customer's nearest products from the purchases' neighbour lists (neighbour-content.ts). */
  private neighbourHits(content: CustomerContent, excluded: ReadonlySet<number>, limit: number): SearchHit[] {
    const hits: SearchHit[] = [];
    for (const { productId, score } of contentScores(content, excluded)) {
      const product = this.directory.get(productId);
      if (!product) continue; // deleted since the list was made
      const { categoryId, productTitle, categoryTitle } = product;
      hits.push({ productId, categoryId, productTitle, categoryTitle, score });
      if (hits.length === limit) break;
    }
    return hits;
  }

  /** Changes with every vector written and every mended neighbour list: states (with their answers) compare it. */
  private vectorsVersion(): string {
    return `${this.sync.version}.${this.neighbours?.version ?? 0}`;
  }

  /** The original system's customer text, embedded as one string. */
  private async originalVector(history: CustomerPurchases): Promise<Float32Array> {
    const text = customerText(
      history,
      history.purchases.map((purchase) => ({
        productTitle: purchase.product_title,
        categoryTitle: purchase.category_title,
        tags: purchase.product_tags,
      })),
    );
    const [vector] = await this.embedder.embed([text]);
    return vector!;
  }
}

/** A product as every list answers it; the score rounded to 6 decimals. */
export function toRecommendation(
  productId: number,
  product: { categoryId: number; productTitle: string; categoryTitle: string },
  score: number,
): Omit<Recommendation, 'reason'> {
  return {
    product_id: productId,
    product: product.productTitle,
    category_id: product.categoryId,
    category: product.categoryTitle,
    score: Math.round(score * 1e6) / 1e6,
  };
}
