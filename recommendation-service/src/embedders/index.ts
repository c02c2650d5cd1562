export * from './config.js';
export * from './create-embedder.js';
export type { Embedder, EmbedderLog } from './embedder.js';
