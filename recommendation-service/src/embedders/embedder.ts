/**
 * Turns texts into L2-normalised vectors of a fixed dimension. Implementations: the
 * transformers.js sentence-transformer and the dependency-free hashing embedder.
 */
export interface Embedder {
  /** Stable identity, part of the vector collection name: vectors of two embedders never mix. */
  readonly id: string;
  /** e.g. "Xenova/all-MiniLM-L12-v2" or "hashing-v1". */
  readonly model: string;
  readonly dimension: number;
  /** One vector per text, same order; each has unit L2 norm. Batches internally. */
  embed(texts: string[]): Promise<Float32Array[]>;
  close?(): Promise<void>;
}
