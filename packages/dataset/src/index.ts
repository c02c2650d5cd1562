export * from './customers.js';
export * from './fingerprint.js';
export * from './parse-dataset.js';
