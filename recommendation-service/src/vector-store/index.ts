export { createVectorStore } from './create-vector-store.js';
export { VectorStoreUnavailableError } from './errors.js';
export type { VectorStore } from './vector-store.js';
