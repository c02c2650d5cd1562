// FNV-1a (32-bit) over UTF-16 code units, finished with murmur3's fmix32 so that every
// output bit depends on every input bit (plain FNV-1a mixes its high bits poorly, and both
// the bucket and the sign are taken from the hash). Stable across platforms and releases:
// changing anything here changes every hashing vector, so bump the embedder version.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The hash of text.slice(start, end); the seed keeps feature families (words, bigrams, n-grams) apart. */
export function hashOf(seed: number, text: string, start = 0, end = text.length): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return hashFinish(h >>> 0);
}

/** murmur3 fmix32. */
export function hashFinish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
