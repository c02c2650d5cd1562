/**
 * Text-side signals the hybrid ranking does not have, for the text probes
 * (quality-text-probes.ts): a sparse TF-IDF similarity next to the hashed product vectors, and
 * affinities for a product attribute (brand, deepest category, any tag). Each gives, per user,
 * a score in [0, 1] for every product and the user's best products as extra candidates.
 */
import { normalizeWords } from '../../../../recommendation-service/src/embedders/normalize-text.js';
import { recencyWeight } from '../../../../recommendation-service/src/ranking/signals.js';
import type { Item } from './amazon.js';

/** One user's view of a signal: the score of any product, and the products it would add. */
export interface UserSignal {
  score(productId: number): number;
  best(count: number): number[];
}

export type TextSignal = (user: number) => UserSignal;

export interface LexicalOptions {
  /** Field weights: title words, words of the tags and category, whole tags, description words. */
  title: number;
  tagWords: number;
  wholeTags: number;
  description: number;
  /** 'max': best recency-weighted similarity to one of the latest `depth` purchases; 'mean': to their recency-weighted mean. */
  mode: 'max' | 'mean';
  depth: number;
  halfLife: number;
  /** Keep each product's strongest terms only (0 = all): what bounds the index's memory. */
  maxTerms: number;
}

/** The lexical variant chosen on val (docs/benchmarks.md): title and description words, 32 terms per product. */
export const LEXICAL: LexicalOptions = {
  title: 1,
  tagWords: 0,
  wholeTags: 0,
  description: 0.5,
  mode: 'max',
  depth: 5,
  halfLife: 1,
  maxTerms: 32,
};

interface Sparse {
  terms: Int32Array;
  values: Float32Array;
}

/**
 * TF-IDF vectors (1 + ln tf per field, times the field's weight, times ln(N / df)), unit length.
 * Description words are their own feature space: a description matches only descriptions.
 * Terms in one product only are dropped: they can match nothing.
 */
export function tfidfVectors(items: readonly Item[], o: LexicalOptions): Sparse[] {
  const raw = items.map((item) => {
    const features = new Map<string, number>();
    const add = (prefix: string, words: string[], weight: number) => {
      if (weight === 0) return;
      const counts = new Map<string, number>();
      for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
      for (const [word, count] of counts) {
        const key = prefix + word;
        features.set(key, (features.get(key) ?? 0) + weight * (1 + Math.log(count)));
      }
    };
    add('w:', normalizeWords(item.title), o.title);
    add('w:', normalizeWords([item.category, ...item.tags].join(' ')), o.tagWords);
    add(
      't:',
      [item.category, ...item.tags].map((tag) => tag.toLowerCase()),
      o.wholeTags,
    );
    add('d:', item.description === item.title ? [] : normalizeWords(item.description), o.description);
    return features;
  });
  const df = new Map<string, number>();
  for (const features of raw) for (const key of features.keys()) df.set(key, (df.get(key) ?? 0) + 1);
  const termId = new Map<string, number>();
  return raw.map((features) => {
    const entries: [number, number][] = [];
    for (const [key, tf] of features) {
      const n = df.get(key)!;
      if (n < 2) continue;
      if (!termId.has(key)) termId.set(key, termId.size);
      entries.push([termId.get(key)!, tf * Math.log(items.length / n)]);
    }
    if (o.maxTerms > 0) entries.sort((a, b) => b[1] - a[1]).splice(o.maxTerms);
    const norm = Math.sqrt(entries.reduce((sum, [, v]) => sum + v * v, 0)) || 1;
    entries.sort((a, b) => a[0] - b[0]);
    return {
      terms: Int32Array.from(entries.map(([id]) => id)),
      values: Float32Array.from(entries.map(([, v]) => v / norm)),
    };
  });
}

/** Cosine (clipped at 0) between the user's recent purchases and every product, via an inverted index. */
export function lexicalSignal(
  train: readonly number[][],
  items: readonly Item[],
  o: LexicalOptions,
): TextSignal {
  const vectors = tfidfVectors(items, o);
  const postings = new Map<number, { ids: number[]; values: number[] }>();
  vectors.forEach((v, id) => {
    for (let i = 0; i < v.terms.length; i++) {
      const list = postings.get(v.terms[i]!) ?? { ids: [], values: [] };
      postings.set(v.terms[i]!, list);
      list.ids.push(id);
      list.values.push(v.values[i]!);
    }
  });
  const dotAll = (query: Map<number, number>, out: Float64Array) => {
    out.fill(0);
    for (const [term, q] of query) {
      const list = postings.get(term);
      if (!list) continue;
      for (let i = 0; i < list.ids.length; i++) out[list.ids[i]!]! += q * list.values[i]!;
    }
  };
  return (user) => {
    const purchases = newestFirst(train[user]!).slice(0, o.depth);
    const scores = new Float64Array(items.length);
    const dots = new Float64Array(items.length);
    if (o.mode === 'mean') {
      const query = new Map<number, number>();
      purchases.forEach((p, position) => {
        const w = recencyWeight(position, o.halfLife);
        const v = vectors[p]!;
        for (let i = 0; i < v.terms.length; i++)
          query.set(v.terms[i]!, (query.get(v.terms[i]!) ?? 0) + w * v.values[i]!);
      });
      const norm = Math.sqrt([...query.values()].reduce((sum, x) => sum + x * x, 0)) || 1;
      for (const [term, x] of query) query.set(term, x / norm);
      dotAll(query, scores);
    } else {
      purchases.forEach((p, position) => {
        const w = recencyWeight(position, o.halfLife);
        const v = vectors[p]!;
        dotAll(new Map(Array.from(v.terms, (term, i) => [term, v.values[i]!])), dots);
        for (let id = 0; id < scores.length; id++) scores[id] = Math.max(scores[id]!, w * dots[id]!);
      });
    }
    return fromDense(scores, new Set(train[user]));
  };
}

export interface AffinityOptions {
  halfLife: number;
  /** Purchases looked at, newest first. */
  depth: number;
  /** score = evidence / (Σ recency weights + shrink): the recency-weighted share, shrunk towards 0 for short histories. */
  shrink: number;
}

/** The affinity settings of the brand / leaf / tags rows (docs/benchmarks.md). */
export const AFFINITY: AffinityOptions = { halfLife: 2, depth: 10, shrink: 1 };

/**
 * How much of the customer's recent buying shares a value with the product (brand, deepest
 * category, a tag): max over the product's values of weightOf(value) × evidence / (W + shrink),
 * evidence = recency weights of the purchases with that value, W = all their recency weights.
 * Candidates: the most bought products (in `train`) having the user's strongest values.
 */
export function affinitySignal(
  train: readonly number[][],
  items: readonly Item[],
  valuesOf: (item: Item) => readonly string[],
  o: AffinityOptions,
  weightOf: (value: string) => number = () => 1,
): TextSignal {
  const popularity = new Float64Array(items.length);
  for (const sequence of train) for (const id of sequence) popularity[id]! += 1;
  const byValue = new Map<string, number[]>();
  for (const item of items) {
    for (const value of valuesOf(item)) {
      const list = byValue.get(value) ?? [];
      byValue.set(value, list);
      list.push(item.index);
    }
  }
  for (const list of byValue.values()) list.sort((a, b) => popularity[b]! - popularity[a]! || a - b);
  return (user) => {
    const bought = new Set(train[user]);
    const evidence = new Map<string, number>();
    let total = 0;
    newestFirst(train[user]!)
      .slice(0, o.depth)
      .forEach((p, position) => {
        const w = recencyWeight(position, o.halfLife);
        total += w;
        for (const value of valuesOf(items[p]!)) evidence.set(value, (evidence.get(value) ?? 0) + w);
      });
    const valueScore = (value: string) => (weightOf(value) * (evidence.get(value) ?? 0)) / (total + o.shrink);
    return {
      score: (id) => Math.max(0, ...valuesOf(items[id]!).map(valueScore)),
      best: (count) => {
        const out: number[] = [];
        const strongest = [...evidence.keys()].sort(
          (a, b) => valueScore(b) - valueScore(a) || (a < b ? -1 : 1),
        );
        for (const value of strongest) {
          for (const id of byValue.get(value) ?? []) {
            if (out.length >= count) return out;
            if (!bought.has(id) && !out.includes(id)) out.push(id);
          }
        }
        return out;
      },
    };
  };
}

function newestFirst(sequence: readonly number[]): number[] {
  return [...new Set([...sequence].reverse())];
}

function fromDense(scores: Float64Array, bought: ReadonlySet<number>): UserSignal {
  return {
    score: (id) => Math.min(1, Math.max(0, scores[id]!)),
    best: (count) => {
      const ids: number[] = [];
      for (let id = 0; id < scores.length; id++) if (scores[id]! > 0 && !bought.has(id)) ids.push(id);
      return ids.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, count);
    },
  };
}
