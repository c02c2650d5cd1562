export * from './config.js';
export * from './create-embedder.js';
export type { Embedder } from './embedder.js';
export { DEFAULT_HASHING_DIMENSION, HASHING_VERSION, HashingEmbedder } from './hashing-embedder.js';
export type { EmbedderLog } from './log.js';
export {
  createTransformersEmbedder,
  DEFAULT_BATCH_SIZE,
  DEFAULT_DTYPE,
  DEFAULT_MODEL_ID,
  DEFAULT_THREADS,
  MODEL_DTYPES,
  type ModelDtype,
  TransformersEmbedder,
} from './transformers-embedder.js';
