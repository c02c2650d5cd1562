export { createVectorStore } from './create-vector-store.js';
export { VectorStoreRequestError, VectorStoreUnavailableError } from './errors.js';
export type { ProductVector, SearchHit, SearchOptions, VectorStore } from './vector-store.js';
