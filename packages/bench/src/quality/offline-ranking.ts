/**
 * The service's hybrid ranking replayed in one process on the Amazon split (hashing embedder,
 * text recipe, pair counting and the pure blend of recommendation-service; no HTTP, no
 * databases). Shared by the offline tuner (quality-offline.ts) and the learned-signal probes
 * (quality-probes.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HashingEmbedder } from '../../../../recommendation-service/src/embedders/hashing-embedder.js';
import {
  type BlendParams,
  blend,
  type Candidate,
  type Evidence,
} from '../../../../recommendation-service/src/ranking/blend.js';
import {
  type PartnerList,
  partnerList,
} from '../../../../recommendation-service/src/ranking/purchase-stats.js';
import {
  behaviourEvidence,
  categoryAffinity,
  recencyWeight,
  usefulDepth,
} from '../../../../recommendation-service/src/ranking/signals.js';
import { productText } from '../../../../recommendation-service/src/text/recipes.js';
import { type Item, preference } from './amazon.js';
import { CoPurchaseModel } from './co-purchase-model.js';
import { K } from './metrics.js';

export interface OfflineSettings {
  weightContent: number;
  weightProfile: number;
  weightTogether: number;
  weightNext: number;
  weightPopular: number;
  togetherShrinkage: number;
  nextShrinkage: number;
  popularShrinkage: number;
  halfLife: number;
  nextDepth: number;
  nextWindow: number;
  nextDecay: number;
  trendHalfLife: number;
  window: number;
  contentCandidates: number;
  /** Similarities known beyond the candidates (>= contentCandidates): "exact" content for co-purchase candidates. */
  contentPool: number;
  /** Partners kept per product and statistic (0 = all). */
  partners: number;
  /** 1: min-max scaled signals per request (the old ranking), 0: the evidence blend. */
  legacy: number;
}

/** The service's defaults (recommendation-service/src/ranking/config.ts). */
export const DEFAULTS: OfflineSettings = {
  weightContent: 1,
  weightProfile: 0.2,
  weightTogether: 0.6,
  weightNext: 1,
  weightPopular: 0.1,
  togetherShrinkage: 4,
  nextShrinkage: 4,
  popularShrinkage: 50,
  halfLife: 1,
  nextDepth: 5,
  nextWindow: 5,
  nextDecay: 0.7,
  trendHalfLife: 1,
  window: 50,
  contentCandidates: 200,
  contentPool: 0,
  partners: 100,
  legacy: 0,
};

export interface ContentHit {
  id: number;
  sim: number;
}

/**
 * A signal the service does not have, added to the blend as one more weighted term of the mean
 * (score = (Σ wᵢ·sᵢ + weight·extra) / (Σ wᵢ + weight)): what a probe measures.
 */
export interface ExtraSignal {
  weight: number;
  /** In [0, 1]. */
  score(user: number, productId: number): number;
  /** Candidates the signal adds for the user. */
  candidates(user: number): readonly number[];
}

/** Overrides of the defaults (`settingsArg`), checked against their keys. */
export function overridesOf(sets: readonly Record<string, string>[]): Partial<OfflineSettings>[] {
  return sets.map((set) =>
    Object.fromEntries(
      Object.entries(set).map(([key, value]) => {
        if (!(key in DEFAULTS)) throw new Error(`unknown setting ${key}`);
        return [key, Number(value)];
      }),
    ),
  );
}

/** The catalog's product vectors, as recommendation-service's hashing embedder makes them. */
export async function productVectors(
  items: readonly Item[],
): Promise<{ id: string; vectors: Float32Array[] }> {
  const embedder = new HashingEmbedder();
  const texts = items.map((item) =>
    productText({ categoryTitle: item.category, productTitle: item.title, tags: item.tags }),
  );
  const id = createHash('sha256')
    .update(embedder.id)
    .update(JSON.stringify(texts))
    .digest('hex')
    .slice(0, 16);
  return { id, vectors: await embedder.embed(texts) };
}

/**
 * Per user: the top-k items by cosine to the recency-weighted profile, purchases excluded. The
 * slow part of a run (~1 min), so it is kept in the temp folder, keyed by the vectors, the
 * training data and the settings it depends on.
 */
export function contentHits(
  train: readonly number[][],
  vectors: { id: string; vectors: Float32Array[] },
  halfLife: number,
  k: number,
): ContentHit[][] {
  const key = createHash('sha256')
    .update(`${vectors.id}|${halfLife}|${k}|${JSON.stringify(train)}`)
    .digest('hex')
    .slice(0, 16);
  const file = path.join(os.tmpdir(), `quality-offline-hits-${key}.bin`);
  if (existsSync(file)) return decodeHits(readFileSync(file), train.length, k);
  const all = vectors.vectors;
  const dimension = all[0]!.length;
  const hits = train.map((items) => {
    const newestFirst = [...new Set([...items].reverse())].slice(0, 100);
    const profile = new Float32Array(dimension);
    newestFirst.forEach((item, position) => {
      const w = recencyWeight(position, halfLife);
      const v = all[item]!;
      for (let i = 0; i < dimension; i++) profile[i]! += w * v[i]!;
    });
    let norm = 0;
    for (const x of profile) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    const bought = new Set(items);
    const sims: ContentHit[] = [];
    for (let id = 0; id < all.length; id++) {
      if (bought.has(id)) continue;
      const v = all[id]!;
      let dot = 0;
      for (let i = 0; i < dimension; i++) dot += profile[i]! * v[i]!;
      sims.push({ id, sim: dot / norm });
    }
    sims.sort((a, b) => b.sim - a.sim || a.id - b.id);
    return sims.slice(0, k);
  });
  writeFileSync(file, encodeHits(hits, k));
  return hits;
}

function encodeHits(hits: ContentHit[][], k: number): Buffer {
  const ids = new Int32Array(hits.length * k).fill(-1);
  const sims = new Float32Array(hits.length * k);
  hits.forEach((list, user) => {
    list.forEach((hit, i) => {
      ids[user * k + i] = hit.id;
      sims[user * k + i] = hit.sim;
    });
  });
  return Buffer.concat([Buffer.from(ids.buffer), Buffer.from(sims.buffer)]);
}

function decodeHits(buffer: Buffer, users: number, k: number): ContentHit[][] {
  const bytes = new Uint8Array(buffer).buffer;
  const ids = new Int32Array(bytes, 0, users * k);
  const sims = new Float32Array(bytes, users * k * 4, users * k);
  return Array.from({ length: users }, (_, user) => {
    const list: ContentHit[] = [];
    for (let i = 0; i < k && ids[user * k + i]! >= 0; i++) {
      list.push({ id: ids[user * k + i]!, sim: sims[user * k + i]! });
    }
    return list;
  });
}

/** Statistics learned as the quality benchmark loads purchases: in rounds by position. */
export function learnStatistics(train: readonly number[][], s: OfflineSettings): CoPurchaseModel {
  const model = new CoPurchaseModel({
    window: s.window,
    nextWindow: s.nextWindow,
    nextDecay: s.nextDecay,
    trendHalfLife: s.trendHalfLife,
  });
  const longest = Math.max(...train.map((items) => items.length));
  let id = 0;
  for (let position = 0; position < longest; position++) {
    const page = [];
    for (let user = 0; user < train.length; user++) {
      const item = train[user]![position];
      if (item !== undefined) page.push({ id: ++id, customerId: user + 1, productId: item });
    }
    model.add(page);
  }
  return model;
}

/** The blend's weights and shrinkages for `s`. */
export function blendParams(s: OfflineSettings): BlendParams {
  return {
    weights: {
      content: s.weightContent,
      profile: s.weightProfile,
      together: s.weightTogether,
      next: s.weightNext,
      popular: s.weightPopular,
    },
    togetherShrinkage: s.togetherShrinkage,
    nextShrinkage: s.nextShrinkage,
    popularShrinkage: s.popularShrinkage,
  };
}

/** What the service gathers for one customer before it blends: the candidates and their evidence. */
export interface UserBlendInput {
  /** Distinct purchases, newest first (at most 100). */
  purchases: number[];
  exclude: Set<number>;
  /** Content hits (the candidates), the similarities known (the pool) and the pool's floor. */
  hits: ContentHit[];
  sim: Map<number, number>;
  floor: number;
  together: Map<number, Evidence & { best: number }>;
  next: Map<number, Evidence & { best: number }>;
  ids: Set<number>;
  candidates: Candidate[];
}

/**
 * The statistics learned from `train` and, per user, the blend's inputs as the service builds
 * them (rankAll blends them; the learning-to-rank study exports them as features).
 */
export function blendInputs(
  train: readonly number[][],
  userHits: readonly ContentHit[][],
  s: OfflineSettings,
  items: readonly Item[],
  extra?: ExtraSignal,
  /** The customers' stated preferences; by default the Amazon mapping's (top training categories). */
  preferences?: readonly string[],
): { model: CoPurchaseModel; forUser(user: number): UserBlendInput } {
  const model = learnStatistics(train, s);
  const lists = new Map<string, PartnerList>();
  const top = (kind: string, productId: number, row: ReadonlyMap<number, number>): PartnerList => {
    const key = `${kind}:${productId}`;
    let list = lists.get(key);
    if (!list) {
      const sorted = [...row].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      list = partnerList(s.partners > 0 ? sorted.slice(0, s.partners) : sorted);
      lists.set(key, list);
    }
    return list;
  };
  const forUser = (user: number): UserBlendInput => {
    const itemsOfUser = train[user]!;
    const purchases = [...new Set([...itemsOfUser].reverse())].slice(0, 100);
    const exclude = new Set(itemsOfUser);
    const hits = userHits[user]!.slice(0, s.contentCandidates);
    const pool = s.contentPool > s.contentCandidates ? userHits[user]!.slice(0, s.contentPool) : hits;
    const together = behaviourEvidence(
      purchases,
      (p) => top('t', p, model.coPurchased(p)),
      usefulDepth(s.halfLife, 100),
      s.halfLife,
    );
    const next = behaviourEvidence(
      purchases,
      (p) => top('n', p, model.boughtNext(p)),
      s.nextDepth,
      s.halfLife,
    );
    const ids = new Set<number>([...hits.map((h) => h.id), ...together.keys(), ...next.keys()]);
    if (extra) for (const id of extra.candidates(user)) ids.add(id);
    if (ids.size < K * 2) for (const p of model.mostPopular(K * 2, exclude)) ids.add(p);
    const sim = new Map(pool.map((h) => [h.id, h.sim]));
    const affinity = categoryAffinity(
      preferences?.[user] ?? preference(itemsOfUser, items as Item[]),
      purchases.map((p) => items[p]!.category),
      s.halfLife,
    );
    const floor = pool.length > 0 ? pool[pool.length - 1]!.sim : 0;
    const candidates: Candidate[] = [];
    for (const productId of ids) {
      candidates.push({
        productId,
        content: sim.get(productId) ?? floor,
        profile: affinity(items[productId]!.category),
        together: together.get(productId),
        next: next.get(productId),
        purchases: model.trendingOf(productId),
      });
    }
    return { purchases, exclude, hits, sim, floor, together, next, ids, candidates };
  };
  return { model, forUser };
}

/** Top-10 per user, as the service ranks them (plus `extra`, when a probe gives one); blendInputs' arguments. */
export function rankAll(...args: Parameters<typeof blendInputs>): number[][] {
  const [train, , s, , extra] = args;
  const { model, forUser } = blendInputs(...args);
  const params = blendParams(s);
  const total = s.weightContent + s.weightProfile + s.weightTogether + s.weightNext + s.weightPopular;
  return train.map((_, user) => {
    const { ids, sim, hits, together, next, exclude, candidates } = forUser(user);
    if (s.legacy) return legacy(ids, sim, hits, together, next, model, s, exclude);
    if (!extra || extra.weight === 0) {
      return blend(candidates, params, { limit: K, exclude }).map((r) => r.productId);
    }
    // The blend's weighted mean with one more term; ties as in the blend (lower id last resort).
    return blend(candidates, params, { limit: candidates.length, exclude })
      .map((r) => ({
        id: r.productId,
        score: r.score * total + extra.weight * Math.min(1, Math.max(0, extra.score(user, r.productId))),
      }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, K)
      .map((r) => r.id);
  });
}

/** The ranking before issue 11: each signal min-max / max scaled per request. */
function legacy(
  ids: Set<number>,
  sim: Map<number, number>,
  hits: ContentHit[],
  together: Map<number, { value: number }>,
  next: Map<number, { value: number }>,
  model: CoPurchaseModel,
  s: OfflineSettings,
  exclude: Set<number>,
): number[] {
  const max = hits[0]?.sim ?? 0;
  const min = hits[hits.length - 1]?.sim ?? 0;
  const range = max - min;
  const maxOf = (m: Map<number, { value: number }>) =>
    Math.max(1e-12, ...[...m.values()].map((e) => e.value));
  const mt = maxOf(together);
  const mn = maxOf(next);
  const mp = Math.max(1, model.maxPopularity);
  const scored: [number, number][] = [];
  for (const id of ids) {
    if (exclude.has(id)) continue;
    const c = sim.has(id) ? (range > 0 ? (sim.get(id)! - min) / range : 1) : 0;
    const score =
      s.weightContent * c +
      s.weightNext * ((next.get(id)?.value ?? 0) / mn) +
      s.weightTogether * ((together.get(id)?.value ?? 0) / mt) +
      s.weightPopular * (model.popularityOf(id) / mp);
    scored.push([id, score]);
  }
  scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return scored.slice(0, K).map(([id]) => id);
}
