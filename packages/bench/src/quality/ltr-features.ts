/**
 * Feature rows for the learning-to-rank study (quality-ltr-features.ts, scripts/ltr.py): per
 * user, the service blend's best `candidates` products with everything the blend knew about each
 * (the offline replay's inputs, before and after shrinkage) and any extra signals, the held-out
 * item labelled 1. A target outside the candidates gives a user with no positive row: a miss.
 */
import { blend } from '../../../../recommendation-service/src/ranking/blend.js';
import { dot } from '../../../../recommendation-service/src/ranking/vectors.js';
import type { Item } from './amazon.js';
import { blendInputs, blendParams, type ContentHit, type OfflineSettings } from './offline-ranking.js';

/** A signal outside the blend, as a column: its name (with the group prefix) and, per user, a scorer. */
export interface FeatureSignal {
  name: string;
  forUser(user: number): (productId: number) => number;
}

export interface LtrInput {
  train: readonly number[][];
  target: readonly number[];
  items: readonly Item[];
  /** Content neighbours per user (contentHits) and the product vectors they come from. */
  hits: readonly ContentHit[][];
  vectors: readonly Float32Array[];
  settings: OfflineSettings;
  /** The blend's best N are the candidates. */
  candidates: number;
  signals: readonly FeatureSignal[];
}

export interface LtrRow {
  user: number;
  productId: number;
  label: 0 | 1;
  values: number[];
}

/**
 * The blend's own columns (prefix b_). `_from`: the position, newest first, of the purchase that
 * gave the most evidence (NaN without evidence); `_last`: the raw pair count with the latest purchase.
 */
export const BLEND_FEATURES = [
  'b_score',
  'b_rank',
  'b_content',
  'b_content_bounded',
  'b_content_rank',
  'b_profile',
  'b_together',
  'b_together_best',
  'b_together_from',
  'b_together_last',
  'b_next',
  'b_next_best',
  'b_next_from',
  'b_next_last',
  'b_trending',
  'b_popularity',
  'b_history',
  'b_category_last',
  'b_category_share',
  'b_content_last',
] as const;

export function featureNames(signals: readonly FeatureSignal[]): string[] {
  return [...BLEND_FEATURES, ...signals.map((signal) => signal.name)];
}

/** The rows of every user, user after user (the blend's order within a user). */
export function* ltrRows(input: LtrInput): Generator<LtrRow> {
  const { train, target, items, vectors, settings: s } = input;
  const { model, forUser } = blendInputs(train, input.hits, s, items);
  const params = blendParams(s);
  for (let user = 0; user < train.length; user++) {
    const { purchases, exclude, hits, sim, together, next, candidates } = forUser(user);
    const ranked = blend(candidates, params, { limit: input.candidates, exclude });
    const byId = new Map(candidates.map((c) => [c.productId, c]));
    const hitRank = new Map(hits.map((h, i) => [h.id, i]));
    const position = new Map(purchases.map((p, i) => [p, i]));
    const last = purchases[0];
    const lastCategory = last === undefined ? undefined : items[last]!.category;
    const categories = new Map<string, number>();
    for (const p of purchases)
      categories.set(items[p]!.category, (categories.get(items[p]!.category) ?? 0) + 1);
    const scorers = input.signals.map((signal) => signal.forUser(user));
    const lastTogether = last === undefined ? undefined : model.coPurchased(last);
    const lastNext = last === undefined ? undefined : model.boughtNext(last);
    for (const [rank, { productId, score }] of ranked.entries()) {
      const candidate = byId.get(productId)!;
      const t = together.get(productId);
      const n = next.get(productId);
      const category = items[productId]!.category;
      const values = [
        score,
        rank,
        candidate.content ?? 0,
        sim.has(productId) ? 0 : 1,
        hitRank.get(productId) ?? hits.length,
        candidate.profile ?? 0,
        t?.value ?? 0,
        t?.best ?? 0,
        t?.from === undefined ? Number.NaN : position.get(t.from)!,
        lastTogether?.get(productId) ?? 0,
        n?.value ?? 0,
        n?.best ?? 0,
        n?.from === undefined ? Number.NaN : position.get(n.from)!,
        lastNext?.get(productId) ?? 0,
        model.trendingOf(productId),
        model.popularityOf(productId),
        new Set(train[user]).size,
        category === lastCategory ? 1 : 0,
        (categories.get(category) ?? 0) / Math.max(1, purchases.length),
        last === undefined ? 0 : dot(vectors[productId]!, vectors[last]!),
        ...scorers.map((scoreOf) => scoreOf(productId)),
      ];
      yield { user, productId, label: productId === target[user] ? 1 : 0, values };
    }
  }
}
