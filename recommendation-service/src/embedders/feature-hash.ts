// FNV-1a (32-bit) over UTF-16 code units, finished with murmur3's fmix32 so that every
// output bit depends on every input bit (plain FNV-1a mixes its high bits poorly, and both
// the bucket and the sign are taken from the hash). Stable across platforms and releases:
// changing anything here changes every hashing vector, so bump the embedder version.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Starts a hash; the seed keeps feature families (words, bigrams, n-grams) apart. */
export function hashStart(seed: number): number {
  return (FNV_OFFSET ^ seed) >>> 0;
}

/** Feeds text.slice(start, end) without allocating the slice. */
export function hashUpdate(state: number, text: string, start: number, end: number): number {
  let h = state;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  }
  return h >>> 0;
}

/** The finished hash of text.slice(start, end) from `seed`. */
export function hashOf(seed: number, text: string, start = 0, end = text.length): number {
  return hashFinish(hashUpdate(hashStart(seed), text, start, end));
}

/** murmur3 fmix32. */
export function hashFinish(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
