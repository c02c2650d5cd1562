import { createHash } from 'node:crypto';
import type { Embedder } from '../embedders/embedder.js';

/** Milvus allows letters, digits and underscores, starting with a letter or underscore, at most 255 characters. */
const MAX_NAME_LENGTH = 255;
export const NAME_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type EmbedderIdentity = Pick<Embedder, 'id' | 'dimension'>;

/**
 * `<prefix>_<embedder id>_d<dimension>`, e.g. `products_hashing_v1_d384`: vectors of two
 * embedders (or sizes) never share a collection. The id is lower-cased, other characters become
 * `_`: `Xenova/all-MiniLM-L12-v2` and `xenova_all_minilm_l12_v2` (the same model) share a name.
 */
export function collectionName(prefix: string, embedder: EmbedderIdentity): string {
  if (!NAME_PART.test(prefix)) {
    throw new RangeError(`collection prefix must match ${NAME_PART}: ${JSON.stringify(prefix)}`);
  }
  if (!Number.isInteger(embedder.dimension) || embedder.dimension <= 0) {
    throw new RangeError(`embedder dimension must be a positive integer, got ${embedder.dimension}`);
  }
  const id =
    embedder.id
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'embedder';
  const suffix = `_d${embedder.dimension}`;
  let name = `${prefix}_${id}${suffix}`;
  if (name.length > MAX_NAME_LENGTH) {
    // Keep names unique when cutting: the hash covers the full, unsanitised id.
    const hash = createHash('sha256').update(embedder.id).digest('hex').slice(0, 12);
    const room = MAX_NAME_LENGTH - prefix.length - suffix.length - hash.length - 2;
    name = `${prefix}_${id.slice(0, Math.max(room, 0))}_${hash}${suffix}`;
  }
  return name;
}
