/**
 * Offline tuning of the ranking on the Amazon Scientific split, in one process: the same
 * hashing embedder, text recipe, pair counting and pure blend as recommendation-service, but
 * no HTTP and no databases, so a grid of settings takes seconds per point instead of minutes.
 * Use it to choose settings on `--split val`; confirm the choice through the public API with
 * `pnpm bench:quality` (the numbers to report).
 *
 *   tsx packages/bench/src/quality-offline.ts --split val [--grid "A=1,B=2;A=3"]
 */
import { HashingEmbedder } from '../../../recommendation-service/src/embedders/hashing-embedder.js';
import {
  type BlendParams,
  blend,
  type Candidate,
} from '../../../recommendation-service/src/ranking/blend.js';
import { type PartnerList, partnerList } from '../../../recommendation-service/src/ranking/purchase-stats.js';
import {
  behaviourEvidence,
  categoryAffinity,
  recencyWeight,
  usefulDepth,
} from '../../../recommendation-service/src/ranking/signals.js';
import { productText } from '../../../recommendation-service/src/text/recipes.js';
import { choiceArg, parseArgs, runMain } from './lib/args.js';
import { type Item, loadAmazon, preference, type Split, split } from './quality/amazon.js';
import { CoPurchaseModel } from './quality/co-purchase-model.js';
import { K, score } from './quality/metrics.js';

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
  window: number;
  contentCandidates: number;
  /** Similarities known beyond the candidates (>= contentCandidates): "exact" content for co-purchase candidates. */
  contentPool: number;
  /** Partners kept per product and statistic (0 = all). */
  partners: number;
  /** 1: min-max scaled signals per request (the old ranking), 0: the evidence blend. */
  legacy: number;
}

export const DEFAULTS: OfflineSettings = {
  weightContent: 1,
  weightProfile: 0.2,
  weightTogether: 0.6,
  weightNext: 0.8,
  weightPopular: 0.1,
  togetherShrinkage: 4,
  nextShrinkage: 4,
  popularShrinkage: 50,
  halfLife: 1,
  nextDepth: 5,
  nextWindow: 5,
  nextDecay: 0.7,
  window: 50,
  contentCandidates: 200,
  contentPool: 0,
  partners: 100,
  legacy: 0,
};

const USAGE = `Offline ranking study on Amazon Scientific (no services).

  tsx packages/bench/src/quality-offline.ts [--split val|test] [--grid "key=v,key=v;key=v"]

keys: ${Object.keys(DEFAULTS).join(', ')}`;

runMain(USAGE, async (argv) => {
  const args = parseArgs(argv, []);
  const mode = choiceArg(args, 'split', ['test', 'val'] as const, 'val') as Split;
  const base = { ...DEFAULTS, ...parseSettings(args.values.get('base') ?? '')[0] };
  const grid = parseSettings(args.values.get('grid') ?? '');
  const started = Date.now();
  const data = loadAmazon();
  const { train, target } = split(data, mode);
  const embedder = new HashingEmbedder();
  const vectors = await embedder.embed(
    data.items.map((item) =>
      productText({ categoryTitle: item.category, productTitle: item.title, tags: item.tags }),
    ),
  );
  console.log(`embedded ${vectors.length} items in ${Date.now() - started} ms`);
  const contentCache = new Map<number, { id: number; sim: number }[][]>();
  const maxK = Math.max(
    base.contentCandidates,
    base.contentPool,
    ...grid.map((g) => Math.max(g.contentCandidates ?? 0, g.contentPool ?? 0)),
  );
  const hits = contentHits(train, vectors, base.halfLife, maxK);
  contentCache.set(base.halfLife, hits);
  console.log(`content hits in ${Date.now() - started} ms`);

  for (const overrides of [{}, ...grid]) {
    const settings = { ...base, ...overrides };
    let userHits = contentCache.get(settings.halfLife);
    if (!userHits) {
      userHits = contentHits(train, vectors, settings.halfLife, maxK);
      contentCache.set(settings.halfLife, userHits);
    }
    const lists = rankAll(train, userHits, settings, data.items);
    const metrics = score(lists, target, data.items.length);
    console.log(
      `${mode} HR@10 ${metrics.hr.toFixed(4)} NDCG@10 ${metrics.ndcg.toFixed(4)} cov ${metrics.coverage.toFixed(3)}  ${JSON.stringify(overrides)}`,
    );
  }
});

function parseSettings(raw: string): Partial<OfflineSettings>[] {
  return raw
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) =>
      Object.fromEntries(
        part.split(',').map((pair) => {
          const [key, value] = pair.split('=').map((s) => s.trim());
          if (!key || !(key in DEFAULTS)) throw new Error(`unknown setting ${key}`);
          return [key, Number(value)];
        }),
      ),
    );
}

/** Per user: the top-K items by cosine to the recency-weighted profile, purchases excluded. */
function contentHits(
  train: number[][],
  vectors: Float32Array[],
  halfLife: number,
  k: number,
): { id: number; sim: number }[][] {
  const dimension = vectors[0]!.length;
  return train.map((items) => {
    const newestFirst = [...new Set([...items].reverse())].slice(0, 100);
    const profile = new Float32Array(dimension);
    newestFirst.forEach((item, position) => {
      const w = recencyWeight(position, halfLife);
      const v = vectors[item]!;
      for (let i = 0; i < dimension; i++) profile[i]! += w * v[i]!;
    });
    let norm = 0;
    for (const x of profile) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    const bought = new Set(items);
    const sims: { id: number; sim: number }[] = [];
    for (let id = 0; id < vectors.length; id++) {
      if (bought.has(id)) continue;
      const v = vectors[id]!;
      let dot = 0;
      for (let i = 0; i < dimension; i++) dot += profile[i]! * v[i]!;
      sims.push({ id, sim: dot / norm });
    }
    sims.sort((a, b) => b.sim - a.sim || a.id - b.id);
    return sims.slice(0, k);
  });
}

function rankAll(
  train: number[][],
  userHits: { id: number; sim: number }[][],
  s: OfflineSettings,
  items: Item[],
): number[][] {
  // Purchase ids in rounds by position, as the quality benchmark loads them.
  const model = new CoPurchaseModel({ window: s.window, nextWindow: s.nextWindow, nextDecay: s.nextDecay });
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
  const params: BlendParams = {
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
  return train.map((items_of_user, user) => {
    const purchases = [...new Set([...items_of_user].reverse())].slice(0, 100);
    const exclude = new Set(items_of_user);
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
    if (ids.size < K * 2) for (const p of model.mostPopular(K * 2, exclude)) ids.add(p);
    const sim = new Map(pool.map((h) => [h.id, h.sim]));
    const affinity = categoryAffinity(
      preference(items_of_user, items),
      purchases.map((p) => items[p]!.category),
      s.halfLife,
    );
    const floor = pool.length > 0 ? pool[pool.length - 1]!.sim : 0;
    if (s.legacy) return legacy(ids, sim, hits, together, next, model, s, exclude);
    const candidates: Candidate[] = [];
    for (const productId of ids) {
      candidates.push({
        productId,
        content: sim.get(productId) ?? floor,
        profile: affinity(items[productId]!.category),
        together: together.get(productId),
        next: next.get(productId),
        purchases: model.popularityOf(productId),
      });
    }
    return blend(candidates, params, { limit: K, exclude }).map((r) => r.productId);
  });
}

/** The ranking before issue 11: each signal min-max / max scaled per request. */
function legacy(
  ids: Set<number>,
  sim: Map<number, number>,
  hits: { id: number; sim: number }[],
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
