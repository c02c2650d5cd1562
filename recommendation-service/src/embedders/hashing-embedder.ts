import type { Embedder } from './embedder.js';
import { hashFinish, hashOf } from './feature-hash.js';
import { normalizeWords } from './normalize-text.js';

/** Bumped whenever features, weights or hashing change: the id names the vector collection. */
const HASHING_VERSION = 'hashing-v1';
/** See docs/embedders.md for the collision/quality measurements behind this number. */
export const DEFAULT_HASHING_DIMENSION = 1024;

const WORD_SEED = 0x57;
const BIGRAM_SEED = 0x42;
const CHAR_SEED = 0x43;
const SIGN_SALT = 0x9e3779b9;
const YIELD_EVERY = 500;
/** Character n-gram lengths, inclusive. */
const MIN_GRAM = 3;
const MAX_GRAM = 5;
/** Relative weight of each feature family in the final vector (each family is unit-normed first). */
const WEIGHTS = { words: 1, bigrams: 0.5, chars: 0.7 };

/**
 * The "hashing trick", no model: words, word bigrams and character n-grams of "<word>" hashed
 * into `dimension` buckets with a random sign, weighted 1 + ln(tf), each family unit-normed
 * times its weight, then L2-normalised. Texts sharing words or word pieces get a high cosine.
 */
export class HashingEmbedder implements Embedder {
  readonly id: string;
  readonly model = HASHING_VERSION;
  readonly dimension: number;
  // Reused between texts: embedding is synchronous, so no two texts share them at once.
  private readonly words: number[] = [];
  private readonly bigrams: number[] = [];
  private readonly chars: number[] = [];
  private readonly emptyVector: Float32Array;

  constructor(options: { dimension?: number } = {}) {
    this.dimension = options.dimension ?? DEFAULT_HASHING_DIMENSION;
    if (!Number.isInteger(this.dimension) || this.dimension < 1) {
      throw new RangeError(`hashing dimension must be a positive integer, got ${this.dimension}`);
    }
    this.id = `${HASHING_VERSION}-d${this.dimension}`;
    // A text without a single letter or digit has no features and a zero vector cannot be
    // normalised. All such texts get this one constant unit vector: identical to each other,
    // and close to orthogonal to real texts (signs are random, so its dot products average 0).
    this.emptyVector = new Float32Array(this.dimension).fill(1 / Math.sqrt(this.dimension));
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += YIELD_EVERY) {
      // ~20,000 texts/s: yield to the event loop between slices so that a full re-index
      // does not stall the HTTP requests being served meanwhile.
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const text of texts.slice(start, start + YIELD_EVERY)) vectors.push(this.embedOne(text));
    }
    return vectors;
  }

  embedOne(text: string): Float32Array {
    const words = normalizeWords(text);
    if (words.length === 0) return this.emptyVector.slice();
    this.countFeatures(words);
    const vector = new Float32Array(this.dimension);
    this.addFamily(vector, this.words, WEIGHTS.words);
    this.addFamily(vector, this.bigrams, WEIGHTS.bigrams);
    this.addFamily(vector, this.chars, WEIGHTS.chars);
    return normalizeOrFallback(vector, this.emptyVector);
  }

  private countFeatures(words: string[]): void {
    this.words.length = 0;
    this.bigrams.length = 0;
    this.chars.length = 0;
    let previous: string | undefined;
    for (const word of words) {
      this.words.push(hashOf(WORD_SEED, word));
      if (previous !== undefined) this.bigrams.push(hashOf(BIGRAM_SEED, `${previous} ${word}`));
      previous = word;
      // Boundary markers make prefixes and suffixes distinct features ("<run" is not "urn").
      const marked = `<${word}>`;
      const last = Math.min(MAX_GRAM, marked.length);
      for (let n = MIN_GRAM; n <= last; n++) {
        for (let start = 0; start + n <= marked.length; start++) {
          this.chars.push(hashOf(CHAR_SEED, marked, start, start + n));
        }
      }
      // Words shorter than MIN_GRAM - 2 letters still count as one whole "<w>" n-gram.
      if (marked.length < MIN_GRAM) this.chars.push(hashOf(CHAR_SEED, marked));
    }
  }

  private addFamily(vector: Float32Array, features: number[], weight: number): void {
    if (features.length === 0) return;
    // Sorting puts repeats of a feature next to each other: term frequencies without a Map.
    const hashes = Uint32Array.from(features).sort();
    let sumSquares = 0;
    forEachRun(hashes, (_hash, tf) => {
      const w = 1 + Math.log(tf);
      sumSquares += w * w;
    });
    // Unit norm per family (before collisions), so the weights set each family's share
    // however many n-grams a long word brings.
    const scale = weight / Math.sqrt(sumSquares);
    const dimension = this.dimension;
    forEachRun(hashes, (hash, tf) => {
      const sign = hashFinish(hash ^ SIGN_SALT) & 1 ? -1 : 1;
      vector[hash % dimension]! += sign * scale * (1 + Math.log(tf));
    });
  }
}

function forEachRun(sorted: Uint32Array, visit: (hash: number, count: number) => void): void {
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i] !== sorted[start]) {
      visit(sorted[start]!, i - start);
      start = i;
    }
  }
}

function normalizeOrFallback(vector: Float32Array, fallback: Float32Array): Float32Array {
  let sumSquares = 0;
  for (let i = 0; i < vector.length; i++) sumSquares += vector[i]! * vector[i]!;
  // Opposite signs can cancel exactly in a tiny dimension; never return NaN.
  if (sumSquares === 0) return fallback.slice();
  const inverse = 1 / Math.sqrt(sumSquares);
  for (let i = 0; i < vector.length; i++) vector[i]! *= inverse;
  return vector;
}
