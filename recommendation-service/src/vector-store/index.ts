export { collectionName, type EmbedderIdentity } from './collection-name.js';
export { type VectorStoreConfig, vectorStoreConfigShape } from './config.js';
export { createVectorStore, embeddedDirectory } from './create-vector-store.js';
export { EmbeddedVectorStore } from './embedded/embedded-store.js';
export { VectorStoreRequestError, VectorStoreUnavailableError } from './errors.js';
export type { StoreLogger } from './logger.js';
export type { ProductVector, SearchHit, SearchOptions, VectorStore } from './vector-store.js';
