export * from './config.js';
export * from './create-embedder.js';
export type { Embedder } from './embedder.js';
